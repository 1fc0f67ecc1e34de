//! Instruction counts of the bearer layer's cache hit with and without metrics (BENCHMARKS.md,
//! "Metrics"): `n` requests through `BearerJwtLayer` around a hello-world service, the token
//! answered from the verified-token cache.
//!
//! Modes: `none` (no recorder installed; built with or without the `metrics` feature) and
//! `prometheus` (the `metrics-exporter-prometheus` recorder installed; needs the feature).
//!
//! ```sh
//! cargo build --release -p feide-tower --example bearer_metrics_cost              # feature off
//! cargo build --release -p feide-tower --example bearer_metrics_cost --features metrics
//! for n in 1000 11000; do
//!   valgrind --tool=callgrind --toggle-collect='*run_loop*' --callgrind-out-file=cg.$n \
//!     target/release/examples/bearer_metrics_cost prometheus $n
//! done   # (total at 11000 - total at 1000) / 10000 = instructions per request
//! ```
use std::convert::Infallible;

#[path = "../benches/common/mod.rs"]
mod common;

use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower_testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeFeide};
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use tower::{Layer as _, Service, ServiceExt};

async fn hello(_: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].clone();
    let n: usize = args[2].parse().unwrap();
    match mode.as_str() {
        "none" => {}
        #[cfg(feature = "metrics")]
        "prometheus" => {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .unwrap();
            feide_tower::telemetry::describe_metrics();
        }
        other => panic!("unknown mode {other} (prometheus needs --features metrics)"),
    }
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer()).build().await.unwrap();
    let authorizer = BearerJwtLayer::builder(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .build_authorizer()
        .unwrap();
    let mut layered = BearerJwtLayer::new(authorizer).layer(tower::service_fn(hello));
    let value = HeaderValue::from_str(&format!("Bearer {}", fake.mint().sign())).unwrap();
    let ok = run_loop(n, &value, &mut layered);
    assert_eq!(ok, n, "every request allowed");
    drop(fake);
}

/// The measured part: `n` requests, each polled to completion at once (a cache hit needs no
/// I/O; the first request verifies and caches). A plain function, so that callgrind can count
/// only it (`--toggle-collect='*run_loop*'`).
#[inline(never)]
fn run_loop<L, RB>(n: usize, authorization: &HeaderValue, layered: &mut L) -> usize
where
    L: Service<Request<Full<Bytes>>, Response = Response<RB>>,
    L::Error: std::fmt::Debug,
{
    let mut ok = 0usize;
    for _ in 0..n {
        let mut request = Request::new(Full::new(Bytes::new()));
        request
            .headers_mut()
            .insert(AUTHORIZATION, authorization.clone());
        common::now_or_never(layered.ready()).unwrap();
        let status = common::now_or_never(layered.call(request))
            .unwrap()
            .status();
        ok += usize::from(status == 200);
    }
    ok
}
