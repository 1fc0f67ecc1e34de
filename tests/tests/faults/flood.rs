//! Issue 13, finding 4: a provider (or API) that answers with hundreds of megabytes. Every body
//! feide-tower reads from the network has a documented limit; it must be enforced while
//! reading, for chunked bodies (no `Content-Length`) as for fixed-length ones.
//!
//! A tiny hyper server on 127.0.0.1:0 plays the provider and its APIs. One of its paths answers
//! 256 MiB, chunked, without `Content-Length`; the server counts the bytes it managed to hand to
//! the connection before the client went away. The call must fail with the typed error, quickly,
//! and the server must have written little more than the limit (plus socket buffers), never the
//! whole flood.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::apis;
use feide_tower::bearer::BearerError;
use feide_tower::exchange::{ClientCredentialsSource, ExchangeError, TokenExchange};
use feide_tower::introspection::Introspector;
use feide_tower::provider::{ClientAuthMethod, ProviderError, Secret, TokenEndpointError};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use integration_tests::eventually;

use crate::panics;

/// What the flooding path sends: far more than any limit.
const FLOOD: u64 = 256 * 1024 * 1024;
/// The flood of the peak-RSS measurement (issue 13 asks for the figure at 500 MB).
const MEASURED_FLOOD: u64 = 500 * 1000 * 1000;
/// One chunk of the flood.
const CHUNK: usize = 64 * 1024;
/// The most the server may have written when the client stops at a limit of at most 1 MiB:
/// the limit, one chunk, hyper's buffers and both sockets' kernel buffers fit well below this.
const MAX_WRITTEN: u64 = 16 * 1024 * 1024;
/// Long enough that a timeout is never what ends a call here.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

const CLIENT_ID: &str = "flood-client";
const CLIENT_SECRET: &str = "flood-client-secret";

/// The provider's paths; exactly one of them floods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    Discovery,
    Jwks,
    Token,
    Userinfo,
    ExtendedUserinfo,
    Groups,
    Introspection,
}

impl Path {
    fn as_str(self) -> &'static str {
        match self {
            Path::Discovery => "/.well-known/openid-configuration",
            Path::Jwks => "/jwks",
            Path::Token => "/token",
            Path::Userinfo => "/userinfo",
            Path::ExtendedUserinfo => "/extended-userinfo",
            Path::Groups => "/groups",
            Path::Introspection => "/introspect",
        }
    }
}

/// The fake provider: answers small documents everywhere but on `flood`.
struct Flood {
    base: String,
    /// Flood bytes handed to the connection.
    written: Arc<AtomicU64>,
    /// Flood bodies begun.
    floods: Arc<AtomicUsize>,
    /// Flood bodies dropped (finished, or their connection broke).
    ended: Arc<AtomicUsize>,
    /// Whether a flood body was sent to its end.
    completed: Arc<AtomicBool>,
}

/// Bytes a flooding path sends, and whether it says so in `Content-Length` first.
#[derive(Clone, Copy)]
struct Size(u64, bool);

/// Counts a flood body as ended when hyper drops it.
struct EndGuard {
    ended: Arc<AtomicUsize>,
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.ended.fetch_add(1, Ordering::SeqCst);
    }
}

type Body = BoxBody<Bytes, Infallible>;

impl Flood {
    async fn start(flood: Path) -> Flood {
        Flood::start_sized(flood, Size(FLOOD, false)).await
    }

    async fn start_sized(flood: Path, size: Size) -> Flood {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("bound address"));
        let written = Arc::new(AtomicU64::new(0));
        let floods = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(AtomicUsize::new(0));
        let completed = Arc::new(AtomicBool::new(false));
        let server = Flood {
            base: base.clone(),
            written: written.clone(),
            floods: floods.clone(),
            ended: ended.clone(),
            completed: completed.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (base, written, floods, ended, completed) = (
                    base.clone(),
                    written.clone(),
                    floods.clone(),
                    ended.clone(),
                    completed.clone(),
                );
                tokio::spawn(async move {
                    let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let answer = answer(
                            req.uri().path(),
                            flood,
                            size,
                            &base,
                            &written,
                            &floods,
                            &ended,
                            &completed,
                        );
                        async move { Ok::<_, Infallible>(answer) }
                    });
                    // A broken connection is the expected end of a flood.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        server
    }

    fn url(&self, path: Path) -> String {
        format!("{}{}", self.base, path.as_str())
    }

    /// Waits (bounded) until every flood body begun was dropped, then returns how many there
    /// were and the bytes written in all.
    async fn written_after_client_stopped(&self) -> (usize, u64) {
        let ended = eventually(Duration::from_secs(20), || async {
            let floods = self.floods.load(Ordering::SeqCst);
            floods > 0 && self.ended.load(Ordering::SeqCst) == floods
        })
        .await;
        assert!(ended, "a flood body was never dropped");
        (
            self.floods.load(Ordering::SeqCst),
            self.written.load(Ordering::SeqCst),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn answer(
    path: &str,
    flood: Path,
    size: Size,
    base: &str,
    written: &Arc<AtomicU64>,
    floods: &Arc<AtomicUsize>,
    ended: &Arc<AtomicUsize>,
    completed: &Arc<AtomicBool>,
) -> http::Response<Body> {
    if path == flood.as_str() {
        floods.fetch_add(1, Ordering::SeqCst);
        return flood_response(size, written.clone(), ended.clone(), completed.clone());
    }
    let json = match path {
        "/.well-known/openid-configuration" => serde_json::json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}{}", Path::Token.as_str()),
            "userinfo_endpoint": format!("{base}{}", Path::Userinfo.as_str()),
            "jwks_uri": format!("{base}{}", Path::Jwks.as_str()),
            "introspection_endpoint": format!("{base}{}", Path::Introspection.as_str()),
        }),
        "/jwks" => serde_json::json!({"keys": []}),
        "/token" => serde_json::json!({
            "access_token": "flood-access-token",
            "token_type": "Bearer",
            "expires_in": 600,
        }),
        _ => serde_json::json!({}),
    };
    let mut response = http::Response::new(Full::new(Bytes::from(json.to_string())).boxed());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// 200, `application/json`, `size` bytes of JSON-ish whitespace, chunked or with a
/// `Content-Length` (one static chunk sent again and again: the server allocates nothing per
/// chunk).
fn flood_response(
    Size(size, declared): Size,
    written: Arc<AtomicU64>,
    ended: Arc<AtomicUsize>,
    completed: Arc<AtomicBool>,
) -> http::Response<Body> {
    static FILL: [u8; CHUNK] = [b' '; CHUNK];
    let guard = EndGuard { ended };
    let stream = futures_util::stream::unfold((0u64, guard), move |(sent, guard)| {
        let written = written.clone();
        let completed = completed.clone();
        async move {
            if sent >= size {
                completed.store(true, Ordering::SeqCst);
                return None;
            }
            let len = (size - sent).min(CHUNK as u64);
            written.fetch_add(len, Ordering::SeqCst);
            // `len` is at most CHUNK: the slice is in bounds.
            let frame = Frame::data(Bytes::from_static(&FILL[..len as usize]));
            Some((Ok::<_, Infallible>(frame), (sent + len, guard)))
        }
    });
    let mut response = http::Response::new(StreamBody::new(stream).boxed());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    if declared {
        response
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(size));
    }
    response
}

/// A provider for the flood server, discovered unless discovery itself floods.
async fn provider(server: &Flood) -> Result<Provider, ProviderError> {
    Provider::builder(server.base.clone())
        .client(CLIENT_ID, CLIENT_SECRET)
        .timeout(CALL_TIMEOUT)
        .extended_userinfo_url(server.url(Path::ExtendedUserinfo))
        .groups_url(server.url(Path::Groups))
        .build()
        .await
}

/// The calls that read a provider or API body, and the path each one reads.
#[derive(Clone, Copy, Debug)]
enum Call {
    Discovery,
    Jwks,
    Token,
    TokenExchange,
    ClientCredentials,
    Userinfo,
    ExtendedUserinfo,
    Groups,
    Introspection,
}

impl Call {
    const ALL: [Call; 9] = [
        Call::Discovery,
        Call::Jwks,
        Call::Token,
        Call::TokenExchange,
        Call::ClientCredentials,
        Call::Userinfo,
        Call::ExtendedUserinfo,
        Call::Groups,
        Call::Introspection,
    ];

    fn path(self) -> Path {
        match self {
            Call::Discovery => Path::Discovery,
            Call::Jwks => Path::Jwks,
            Call::Token | Call::TokenExchange | Call::ClientCredentials => Path::Token,
            Call::Userinfo => Path::Userinfo,
            Call::ExtendedUserinfo => Path::ExtendedUserinfo,
            Call::Groups => Path::Groups,
            Call::Introspection => Path::Introspection,
        }
    }
}

/// What one flooded call answered, as text for the report, and whether it was the typed
/// "too large" error.
struct Outcome {
    error: String,
    too_large: bool,
}

fn provider_outcome(error: &ProviderError) -> Outcome {
    Outcome {
        error: error.to_string(),
        too_large: matches!(error, ProviderError::TooLarge { .. }),
    }
}

fn token_endpoint_outcome(error: &TokenEndpointError) -> Outcome {
    match error {
        TokenEndpointError::Provider(e) => provider_outcome(e),
        other => Outcome {
            error: other.to_string(),
            too_large: false,
        },
    }
}

fn api_outcome(error: &apis::ApiError) -> Outcome {
    match error {
        apis::ApiError::Provider(e) => provider_outcome(e),
        other => Outcome {
            error: other.to_string(),
            too_large: false,
        },
    }
}

fn exchange_outcome(error: &ExchangeError) -> Outcome {
    match error {
        ExchangeError::TokenEndpoint(e) => token_endpoint_outcome(e),
        other => Outcome {
            error: other.to_string(),
            too_large: false,
        },
    }
}

/// Makes the call that reads the flooded path of `server`.
async fn flooded_call(server: &Flood, call: Call) -> Outcome {
    if let Call::Discovery = call {
        let error = provider(server)
            .await
            .expect_err("a flooded discovery document refuses the provider");
        return provider_outcome(&error);
    }
    let provider = provider(server).await.expect("discovery");
    let token = Secret::new("flood-access-token");
    match call {
        Call::Discovery => unreachable!("answered above"),
        Call::Jwks => {
            let error = provider
                .jwks()
                .refresh_now()
                .await
                .expect_err("a flooded JWKS is refused");
            provider_outcome(&error)
        }
        Call::Token => {
            let error = provider
                .token_request(
                    ClientAuthMethod::ClientSecretBasic,
                    &[("grant_type", "client_credentials")],
                )
                .await
                .expect_err("a flooded token response is refused");
            token_endpoint_outcome(&error)
        }
        Call::TokenExchange => {
            let exchange = TokenExchange::data_source(&provider)
                .build()
                .expect("exchange client");
            let error = exchange
                .exchange_uncached(&token)
                .await
                .expect_err("a flooded exchange response is refused");
            exchange_outcome(&error)
        }
        Call::ClientCredentials => {
            let source = ClientCredentialsSource::builder(&provider)
                .build()
                .expect("client credentials source");
            let error = source
                .token()
                .await
                .expect_err("a flooded client-credentials response is refused");
            exchange_outcome(&error)
        }
        Call::Userinfo => {
            let error = apis::userinfo(&provider, &token, None)
                .await
                .expect_err("a flooded userinfo answer is refused");
            api_outcome(&error)
        }
        Call::ExtendedUserinfo => {
            let error = apis::extended_userinfo(&provider, &token)
                .await
                .expect_err("a flooded extended userinfo answer is refused");
            api_outcome(&error)
        }
        Call::Groups => {
            let error = apis::groups(&provider, &token)
                .await
                .expect_err("a flooded groups answer is refused");
            api_outcome(&error)
        }
        Call::Introspection => {
            let introspector = Introspector::builder(&provider)
                .audience("flood-api")
                .build()
                .expect("introspector");
            let error = introspector
                .authorize_token("opaque-flood-token")
                .await
                .expect_err("a flooded introspection answer is refused");
            // Introspection answers the bearer 503 whatever the cause (never a 401 for a
            // provider fault); the bytes written tell whether the limit held.
            Outcome {
                too_large: matches!(error, BearerError::Unavailable),
                error: error.to_string(),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooded_provider_bodies_stop_at_their_limit() {
    panics::install();
    let mut figures = Vec::new();
    for call in Call::ALL {
        let server = Flood::start(call.path()).await;
        let started = Instant::now();
        let outcome = flooded_call(&server, call).await;
        let took = started.elapsed();
        // The JWKS is fetched twice: at build (the failure is logged) and by `refresh_now`.
        let (floods, written) = server.written_after_client_stopped().await;
        assert!(
            !server.completed.load(Ordering::SeqCst) && written < MAX_WRITTEN * floods as u64,
            "{call:?}: the client read on: the server wrote {} MiB in {floods} flood(s) before \
             the client stopped ({})",
            written / (1024 * 1024),
            outcome.error
        );
        assert!(
            outcome.too_large,
            "{call:?}: the typed too-large error, got: {}",
            outcome.error
        );
        assert!(
            took < Duration::from_secs(15),
            "{call:?}: refused promptly, took {took:?}"
        );
        figures.push(format!(
            "{call:?}={}KiB/{}ms",
            written / 1024 / floods as u64,
            took.as_millis()
        ));
    }
    panics::report(&format!(
        "faults: flood of {} MiB chunked; per flood, written before the client stopped / time to the error: {}",
        FLOOD / (1024 * 1024),
        figures.join(" ")
    ));
    panics::assert_none("flooded provider bodies");
}

/// A fixed-length answer whose `Content-Length` is over the limit is refused before its body
/// is read (the fast path), with the same typed error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_length_over_the_limit_is_refused_before_reading() {
    panics::install();
    let server = Flood::start_sized(Path::Token, Size(FLOOD, true)).await;
    let provider = provider(&server).await.expect("discovery");
    let error = provider
        .token_request(
            ClientAuthMethod::ClientSecretBasic,
            &[("grant_type", "client_credentials")],
        )
        .await
        .expect_err("a token response declaring 256 MiB is refused");
    let outcome = token_endpoint_outcome(&error);
    assert!(
        outcome.too_large,
        "typed too-large error: {}",
        outcome.error
    );
    let (_, written) = server.written_after_client_stopped().await;
    assert!(
        !server.completed.load(Ordering::SeqCst) && written < MAX_WRITTEN,
        "the declared length was believed: {written} bytes written"
    );
    panics::assert_none("declared length over the limit");
}

/// `VmHWM` (peak resident set) of this process, in KiB, from `/proc/self/status` (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The figure for the closing note of issue 13: peak RSS of this process while the token
/// endpoint answers 500 MB chunked. Run alone, so no other test moves the high-water mark:
/// `cargo test -p integration-tests --test faults -- --ignored --exact flood::peak_rss_of_a_500_mb_token_response --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run alone, see the doc comment"]
async fn peak_rss_of_a_500_mb_token_response() {
    let server = Flood::start_sized(Path::Token, Size(MEASURED_FLOOD, false)).await;
    let provider = provider(&server).await.expect("discovery");
    let before = peak_rss_kib().expect("VmHWM in /proc/self/status");
    let started = Instant::now();
    let result = provider
        .token_request(
            ClientAuthMethod::ClientSecretBasic,
            &[("grant_type", "client_credentials")],
        )
        .await;
    let took = started.elapsed();
    let after = peak_rss_kib().expect("VmHWM in /proc/self/status");
    let (_, written) = server.written_after_client_stopped().await;
    panics::report(&format!(
        "faults: 500 MB chunked token response: peak RSS {} MiB before the call, {} MiB after \
         (+{} MiB); server wrote {} MiB; answer after {} ms: {}",
        before / 1024,
        after / 1024,
        after.saturating_sub(before) / 1024,
        written / (1024 * 1024),
        took.as_millis(),
        result.map_or_else(|e| e.to_string(), |_| "a token".to_owned())
    ));
}
