//! FakeFeide with a provider, a controllable clock, a downstream API that records what it
//! receives, a reqwest-backed tower client, and the process-wide log capture.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::testkit::{DEFAULT_CLIENT_ID, FakeFeide, TokenRequest};
use http_body_util::{BodyExt, Full};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// FakeFeide and a Provider for it, authenticated as `fake-client`, with the fake's API URLs.
pub async fn start() -> (FakeFeide, Provider) {
    captured();
    start_quiet().await
}

/// [`start`] without installing the log capture (for measurements: formatting every trace
/// line would be what is measured).
pub async fn start_quiet() -> (FakeFeide, Provider) {
    let fake = FakeFeide::start().await.expect("FakeFeide starts");
    let provider = Provider::builder(fake.issuer())
        .client(
            DEFAULT_CLIENT_ID,
            feide_tower::testkit::DEFAULT_CLIENT_SECRET,
        )
        .groups_url(fake.groups_url())
        .extended_userinfo_url(fake.extended_userinfo_url())
        .timeout(Duration::from_secs(5))
        .build()
        .await
        .expect("discovery against FakeFeide");
    (fake, provider)
}

/// The form of a recorded token request, as `(&str, &str)` pairs for comparing.
pub fn form(request: &TokenRequest) -> Vec<(&str, &str)> {
    request
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// How many token requests FakeFeide received since the last reset.
pub fn token_calls(fake: &FakeFeide) -> usize {
    fake.requests(feide_tower::testkit::Endpoint::Token)
}

/// The claims of a JWT (not verified: the tests only look at what was issued).
pub fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A clock that runs with real time plus an offset the test moves forward.
#[derive(Clone, Default)]
pub struct TestClock {
    offset_ms: Arc<AtomicU64>,
}

impl TestClock {
    pub fn now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }

    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// For the builders' `clock(..)`.
    pub fn source(&self) -> impl Fn() -> Instant + Send + Sync + 'static {
        let clock = self.clone();
        move || clock.now()
    }
}

/// A downstream API on 127.0.0.1:0: records every `Authorization` header, answers 401 while
/// told to, else 200 with `{"ok": true}`.
#[derive(Clone, Default)]
pub struct Downstream {
    pub base: String,
    seen: Arc<Mutex<Vec<Option<String>>>>,
    /// How many of the next requests get 401; negative: all of them.
    unauthorized: Arc<AtomicI64>,
    /// An `Authorization` value always answered with 401 (a revoked token).
    refused: Arc<Mutex<Option<String>>>,
}

impl Downstream {
    pub async fn start() -> Self {
        let (listener, base) = integration_tests::bind().await;
        let downstream = Self {
            base,
            ..Self::default()
        };
        let router = Router::new()
            .route("/{*path}", get(answer).post(answer))
            .with_state(downstream.clone());
        integration_tests::serve_axum(listener, router);
        downstream
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The `Authorization` headers received, oldest first.
    pub fn seen(&self) -> Vec<Option<String>> {
        self.seen.lock().unwrap().clone()
    }

    /// Answer 401 to every request carrying exactly this `Authorization` value.
    pub fn refuse(&self, authorization: Option<String>) {
        *self.refused.lock().unwrap() = authorization;
    }

    /// Answer 401 to the next `n` requests (`-1`: to all of them).
    pub fn unauthorized(&self, n: i64) {
        self.unauthorized.store(n, Ordering::SeqCst);
    }
}

async fn answer(State(d): State<Downstream>, headers: HeaderMap) -> (StatusCode, &'static str) {
    let auth = headers
        .get(http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("<non-ascii>").to_owned());
    let revoked = auth.is_some() && *d.refused.lock().unwrap() == auth;
    d.seen.lock().unwrap().push(auth);
    let refuse = revoked
        || d.unauthorized
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| match n {
                0 => None,
                n if n < 0 => Some(n),
                n => Some(n - 1),
            })
            .is_ok();
    if refuse {
        (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_token"}"#)
    } else {
        (StatusCode::OK, r#"{"ok":true}"#)
    }
}

/// A plain tower client: forwards `http::Request<Full<Bytes>>` with reqwest.
#[derive(Clone)]
pub struct ReqwestService(pub reqwest::Client);

impl ReqwestService {
    pub fn new() -> Self {
        Self(reqwest::Client::new())
    }
}

impl tower::Service<http::Request<Full<Bytes>>> for ReqwestService {
    type Response = http::Response<Bytes>;
    type Error = reqwest::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Full<Bytes>>) -> Self::Future {
        let client = self.0.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body: Bytes = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(never) => match never {},
            };
            let request = reqwest::Request::try_from(http::Request::from_parts(parts, body))?;
            let response = client.execute(request).await?;
            let mut out = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                out = out.header(name, value);
            }
            let body = response.bytes().await?;
            Ok(out.body(body).expect("a valid response"))
        })
    }
}

/// An empty GET body.
pub fn empty() -> Full<Bytes> {
    Full::new(Bytes::new())
}

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Everything logged by every test in this binary, feide-tower at TRACE. A global subscriber:
/// a scoped one is unreliable while other tests run on other threads.
pub fn captured() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_env_filter(EnvFilter::new("feide_tower=trace,warn"))
            .with_ansi(false)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
}
