//! The examples' metrics listener: with `METRICS_ADDR` set, an example serves feide-tower's
//! metrics as Prometheus text at `GET http://METRICS_ADDR/metrics`, on a listener of its own
//! (so the metrics never share a port, a router or a middleware stack with the app).
//!
//! - [`from_env`] reads `METRICS_ADDR` through the example's variable lookup: unset or blank is
//!   `None` (no recorder, no listener: nothing is recorded); a value that is not a socket address
//!   is a start-up error naming the variable. When it is set, it [`install`]s the recorder at
//!   once, so everything the app does while it configures (the provider's discovery, the first
//!   key fetch) is recorded.
//! - [`install`] installs the Prometheus recorder once per process (a `metrics` recorder can be
//!   installed only once, and tests configure examples several times in one process) and calls
//!   [`feide_tower::telemetry::describe_metrics`], so every counter is scraped from the start.
//! - [`Metrics::serve`] binds the address (`127.0.0.1:0` picks a free port), spawns the listener
//!   on the current tokio runtime and returns the bound address; [`start`] does the same for an
//!   optional [`Metrics`]. An example calls it last, once its configuration succeeded.
//!
//! The recorder keeps the metric names as they are (feide-tower's names already end in `_total`
//! and `_seconds`), and `feide_tower_provider_request_duration_seconds` gets histogram buckets
//! ([`PROVIDER_BUCKETS`]) so `histogram_quantile` works on it.
//!
//! ```no_run
//! # async fn run() -> Result<(), metrics_listener::Error> {
//! let lookup = |name: &str| std::env::var(name).ok();
//! let metrics = metrics_listener::from_env(lookup)?; // before anything else starts
//! // ... build the app ...
//! if let Some(bound) = metrics_listener::start(metrics).await? {
//!     println!("metrics: http://{bound}/metrics");
//! }
//! # Ok(())
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use feide_tower::telemetry::names;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Any start-up error.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The variable naming the metrics listener's address, e.g. `127.0.0.1:9464`.
pub const METRICS_ADDR: &str = "METRICS_ADDR";

/// The path the listener answers on.
pub const METRICS_PATH: &str = "/metrics";

/// The Prometheus text exposition format, version 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Bucket bounds (seconds) of `feide_tower_provider_request_duration_seconds`: from a fast
/// cached-network answer to the library's default provider timeout and beyond.
pub const PROVIDER_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram buckets are drained when nobody scrapes (a scrape drains them too).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's recorder, or why it could not be installed (kept: it will not change).
static RECORDER: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// `METRICS_ADDR` through `lookup`: `None` when unset or blank, else the socket address; a value
/// that does not parse is an error naming the variable (never silently no metrics).
///
/// ```
/// let env = |value: &'static str| move |name: &str| (name == "METRICS_ADDR").then(|| value.to_owned());
/// assert_eq!(metrics_listener::metrics_addr(|_: &str| None).unwrap(), None);
/// assert_eq!(metrics_listener::metrics_addr(env(" ")).unwrap(), None);
/// assert_eq!(
///     metrics_listener::metrics_addr(env("127.0.0.1:9464")).unwrap(),
///     Some("127.0.0.1:9464".parse().unwrap())
/// );
/// let error = metrics_listener::metrics_addr(env("localhost")).unwrap_err();
/// assert!(error.to_string().starts_with("METRICS_ADDR"), "{error}");
/// ```
pub fn metrics_addr(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<SocketAddr>, Error> {
    let Some(value) = lookup(METRICS_ADDR) else {
        return Ok(None);
    };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|error| {
        format!(
            "{METRICS_ADDR}: `{value}` is not an IP address and port (e.g. 127.0.0.1:9464): {error}"
        )
        .into()
    })
}

/// Installs the Prometheus recorder as the process's `metrics` recorder and describes
/// feide-tower's metrics to it, once per process; later calls return the same handle.
///
/// Fails (every time) when another recorder was installed first.
pub fn install() -> Result<PrometheusHandle, Error> {
    RECORDER
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(names::PROVIDER_REQUEST_DURATION_SECONDS.to_owned()),
                    PROVIDER_BUCKETS,
                )
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|error| format!("cannot install the Prometheus recorder: {error}"))?;
            feide_tower::telemetry::describe_metrics();
            Ok(handle)
        })
        .clone()
        .map_err(Into::into)
}

/// The metrics app: `GET /metrics` renders `handle` as Prometheus text; anything else is 404.
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        METRICS_PATH,
        get(move || {
            let handle = handle.clone();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], handle.render()).into_response() }
        }),
    )
}

/// `METRICS_ADDR` is set: the recorder is installed, the listener not yet bound.
#[derive(Clone)]
pub struct Metrics {
    addr: SocketAddr,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Reads `METRICS_ADDR` through `lookup` ([`metrics_addr`]) and, when it is set, [`install`]s
/// the recorder; `None` when it is unset or blank (nothing installed).
pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Metrics>, Error> {
    let Some(addr) = metrics_addr(lookup)? else {
        return Ok(None);
    };
    Ok(Some(Metrics {
        addr,
        handle: install()?,
    }))
}

impl Metrics {
    /// The address to bind, as configured.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The recorder's handle ([`PrometheusHandle::render`] gives the scrape's text).
    pub fn handle(&self) -> &PrometheusHandle {
        &self.handle
    }

    /// Binds the address and serves [`router`] there on a task of the current tokio runtime
    /// (until the runtime ends), draining histogram buckets every few seconds; returns the bound
    /// address. A bind failure is an error naming `METRICS_ADDR`.
    pub async fn serve(self) -> Result<SocketAddr, Error> {
        let Metrics { addr, handle } = self;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|error| format!("{METRICS_ADDR}: cannot listen on {addr}: {error}"))?;
        let bound = listener.local_addr()?;
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let upkeep = async move {
                let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
                loop {
                    tick.tick().await;
                    upkeep.run_upkeep();
                }
            };
            tokio::select! {
                served = axum::serve(listener, router(handle)) => {
                    if let Err(error) = served {
                        tracing::warn!(%bound, %error, "the metrics listener stopped");
                    }
                }
                () = upkeep => {}
            }
        });
        tracing::info!(%bound, "metrics listener: GET {METRICS_PATH}");
        Ok(bound)
    }
}

/// [`Metrics::serve`] when `METRICS_ADDR` was set (see [`from_env`]); `None`: nothing is bound.
pub async fn start(metrics: Option<Metrics>) -> Result<Option<SocketAddr>, Error> {
    match metrics {
        Some(metrics) => metrics.serve().await.map(Some),
        None => Ok(None),
    }
}
