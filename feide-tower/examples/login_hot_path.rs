//! Instruction counts of the login layer's hot path (BENCHMARKS.md, "Server-side sessions"):
//! `n` requests through `FeideLoginLayer` + `RequireLoginLayer` around a hello-world service,
//! with a session from a real login through FakeFeide kept in a `MemoryStore` (`stored`: the
//! near-cache hit every request but one per half revocation bound takes) or in the cookie
//! (`cookie`), or the service alone (`bare`).
//!
//! ```sh
//! cargo build --release -p feide-tower --example login_hot_path
//! for mode in bare stored cookie; do for n in 1000 11000; do
//!   valgrind --tool=callgrind --toggle-collect='*run_loop*' --callgrind-out-file=cg.$mode.$n \
//!     target/release/examples/login_hot_path $mode $n
//! done; done   # (total at 11000 - total at 1000) / 10000 = instructions per request
//! ```
use std::convert::Infallible;
use std::sync::Arc;

#[path = "../benches/common/mod.rs"]
mod common;

use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::store::MemoryStore;
use feide_tower_testkit::{FakeClient, FakeFeide};
use http::header::COOKIE;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use tower::{Service, ServiceBuilder, ServiceExt};

async fn hello(_: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].clone();
    let n: usize = args[2].parse().unwrap();
    let fake = FakeFeide::start().await.unwrap();
    fake.register_client(FakeClient::new("c", "s").redirect_uri("http://127.0.0.1:9/callback"));
    let provider = Provider::builder(fake.issuer())
        .client("c", "s")
        .build()
        .await
        .unwrap();
    let mut builder = FeideLogin::builder(&provider)
        .redirect_uri("http://127.0.0.1:9/callback")
        .secret_keys("GH/3Rx0xburDfk+CeqP6PWrBKIkh+LQvigqcgMcHUkk=")
        .scopes("openid");
    if mode == "stored" {
        builder = builder
            .session_store(Arc::new(MemoryStore::default()))
            // Long enough that no request of the run misses the near cache.
            .revocation_bound(std::time::Duration::from_secs(3600));
    }
    let login = builder.build().unwrap();
    let value = common::sign_in(&login).await;
    let cookie = HeaderValue::from_str(&format!("{}={value}", login.cookie_name())).unwrap();
    let mut layered = ServiceBuilder::new()
        .layer(login.layer())
        .layer(login.require_login())
        .service_fn(hello);
    let mut bare = tower::service_fn(hello);
    let ok = run_loop(&mode, n, &cookie, &mut layered, &mut bare);
    assert_eq!(ok, n, "every request served");
    drop(fake);
}

/// The measured part: `n` requests, each polled to completion at once (a near-cache or cookie
/// hit needs no I/O). A plain function, so that callgrind can count only it
/// (`--toggle-collect='*run_loop*'`).
#[inline(never)]
fn run_loop<L, B, RB>(
    mode: &str,
    n: usize,
    cookie: &HeaderValue,
    layered: &mut L,
    bare: &mut B,
) -> usize
where
    L: Service<Request<Full<Bytes>>, Response = Response<RB>>,
    L::Error: std::fmt::Debug,
    B: Service<Request<Full<Bytes>>, Response = Response<Full<Bytes>>>,
    B::Error: std::fmt::Debug,
{
    let mut ok = 0usize;
    for _ in 0..n {
        let mut request = Request::new(Full::new(Bytes::new()));
        request.headers_mut().insert(COOKIE, cookie.clone());
        let status = if mode == "bare" {
            common::now_or_never(bare.ready()).unwrap();
            common::now_or_never(bare.call(request)).unwrap().status()
        } else {
            common::now_or_never(layered.ready()).unwrap();
            common::now_or_never(layered.call(request))
                .unwrap()
                .status()
        };
        ok += usize::from(status == 200);
    }
    ok
}
