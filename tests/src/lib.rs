//! Helpers shared by the workspace integration tests in `tests/tests/`.
//!
//! Every test talks only to servers it starts itself on 127.0.0.1 (FakeFeide and the app under
//! test), so the suite runs offline.

pub mod browser;
pub mod logs;
pub mod redis;

use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::Provider;
use feide_tower::testkit::FakeFeide;

/// A FakeFeide in auto-approve mode and a Provider discovered from it.
pub async fn fake_and_provider() -> (FakeFeide, Provider) {
    let fake = FakeFeide::start()
        .await
        .expect("FakeFeide starts on 127.0.0.1:0");
    let provider = Provider::builder(fake.issuer())
        .build()
        .await
        .expect("discovery against FakeFeide");
    (fake, provider)
}

/// A compact JWS from raw JSON header and claims with an arbitrary signature, for tokens that
/// must be refused before their signature matters (or whose signature is meant to be wrong).
pub fn raw_token(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    signature: &[u8],
) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    feide_tower::token::now()
}

/// Polls `check` until it returns true or `deadline` passes; returns whether it became true.
/// Tests wait on conditions, never on fixed sleeps.
pub async fn eventually<F, Fut>(deadline: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let until = Instant::now() + deadline;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Binds `127.0.0.1:0` and returns the listener and its base URL.
pub async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    (listener, format!("http://{addr}"))
}

/// Serves an axum router on `listener` in the background.
pub fn serve_axum(listener: tokio::net::TcpListener, router: axum::Router) {
    tokio::spawn(async move { axum::serve(listener, router).await });
}

/// Serves a tower service with hyper 1 directly (no axum) on `listener` in the background.
pub fn serve_hyper<S, B>(listener: tokio::net::TcpListener, service: S)
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use tower::ServiceExt as _;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| service.clone().oneshot(req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}
