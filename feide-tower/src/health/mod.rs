//! Liveness and readiness endpoints for load balancers and orchestrators (`/healthz`,
//! `/readyz`).
//!
//! * **Liveness** ([`Health::liveness`], `GET /healthz`): always `200 {"live":true}` while the
//!   process serves HTTP. It checks nothing else on purpose: a liveness failure restarts the
//!   process, and a restart cures neither a provider outage nor a store outage.
//! * **Readiness** ([`Health::readiness`], `GET /readyz`): `200` when every check passes, else
//!   `503` with `Retry-After`; the body is the [`Readiness`] report as JSON either way
//!   (`Content-Type: application/json`, `Cache-Control: no-store`). The checks, run
//!   concurrently, each bounded by [`check_timeout`](HealthBuilder::check_timeout):
//!   - `keys`, one per provider: its signing keys were loaded at least once (a *cold* cache
//!     refuses every token), and, with [`max_key_age`](HealthBuilder::max_key_age), are not
//!     older than that. A probe that finds the keys cold asks for one refresh, single-flight
//!     and under the provider's `jwks_cooldown`, so probes never hammer the provider. The
//!     report shows the key count, their age, and the last refresh's result.
//!   - `session_store`, one per store: it answers [`SessionStore::ping`](crate::store::SessionStore::ping)
//!     in time. A down or hung store is reported with its error kind (`unavailable`,
//!     `timeout`), never its URL or password.
//!
//! A provider whose JWKS endpoint fails while cached keys still verify does **not** make the
//! app unready (unless `max_key_age` says so): see [`HealthBuilder::max_key_age`] for why.
//!
//! The [layer](Health::layer) answers `GET` and `HEAD` on the two paths itself, before any
//! authentication (put it outermost), so probes need no cookie or token; every other request
//! goes to the inner service. Other frameworks (actix-web) call [`Health::liveness`] and
//! [`Health::readiness`] and render the [`Answer`].
//!
//! On axum:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use feide_tower::Provider;
//! use feide_tower::health::Health;
//! use feide_tower_testkit::FakeFeide;
//! use tower::ServiceExt as _;
//!
//! let feide = FakeFeide::start().await?; // in production: Provider::from_env()
//! let provider = Provider::builder(feide.issuer()).build().await?;
//! let health = Health::builder().provider(&provider).build()?;
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "hello" }))
//!     // .layer(login.layer()) and other authentication go here, inside the probes
//!     .layer(health.layer());
//!
//! let request = http::Request::get("/readyz").body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), 200);
//! # Ok(()) }
//! ```
//!
//! On plain hyper (any tower service works the same way):
//!
//! ```no_run
//! # async fn run(health: feide_tower::health::Health) -> Result<(), Box<dyn std::error::Error>> {
//! use std::convert::Infallible;
//! use hyper::server::conn::http1;
//! use hyper_util::rt::TokioIo;
//! use tower::{Layer as _, ServiceExt as _, service_fn};
//!
//! let app = health.layer().layer(service_fn(|_request: http::Request<hyper::body::Incoming>| async {
//!     Ok::<_, Infallible>(http::Response::new(http_body_util::Full::new(bytes::Bytes::from("hello"))))
//! }));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     let app = app.clone();
//!     tokio::spawn(async move {
//!         let service = hyper::service::service_fn(move |request| app.clone().oneshot(request));
//!         let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
//!     });
//! }
//! # }
//! ```
//!
//! Without tower (actix-web and others), answer the probes with the plain functions:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use feide_tower::health::Health;
//! use feide_tower::store::MemoryStore;
//!
//! let health = Health::builder().store(Arc::new(MemoryStore::new(100))).build()?;
//! let answer = health.readiness().await; // status, headers, body: copy them into your response
//! assert_eq!(answer.status, 200);
//! let report = health.check().await; // or the report as data
//! assert!(report.ready);
//! assert_eq!(health.liveness().status, 200);
//! # Ok(()) }
//! ```

mod answers;
mod builder;
mod keys_check;
mod layer;
mod report;
mod store_check;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

pub use builder::{
    DEFAULT_CHECK_TIMEOUT, DEFAULT_LIVE_PATH, DEFAULT_READY_PATH, HealthBuilder, HealthConfigError,
};
pub use layer::{HealthLayer, HealthService, ResponseFuture};
pub use report::{CheckReport, KeysCheck, KeysProblem, Readiness, StoreCheck};

use crate::answer::Answer;
use keys_check::KeysTarget;
use store_check::StoreTarget;

/// Liveness and readiness for this application: what to check, and the probe paths. Built
/// once with [`builder`](Self::builder); cheap to clone (an `Arc` inside). See the
/// [module documentation](self).
#[derive(Clone, Debug)]
pub struct Health {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    keys: Vec<KeysTarget>,
    stores: Vec<StoreTarget>,
    max_key_age: Option<Duration>,
    check_timeout: Duration,
    live_path: String,
    ready_path: String,
}

impl Health {
    /// Starts configuring: add providers, stores and logins to check.
    pub fn builder() -> HealthBuilder {
        HealthBuilder::new()
    }

    /// The liveness answer: `200 {"live":true}`.
    pub fn liveness(&self) -> Answer {
        answers::live()
    }

    /// Runs every readiness check, concurrently (each as a tokio task: call it inside a tokio
    /// runtime), each bounded by the check timeout.
    pub async fn check(&self) -> Readiness {
        let inner = &self.inner;
        let timeout = inner.check_timeout;
        let keys: Vec<_> = inner
            .keys
            .iter()
            .map(|target| {
                let target = target.clone();
                let max_age = inner.max_key_age;
                tokio::spawn(async move { target.check(max_age, timeout).await })
            })
            .collect();
        let stores: Vec<_> = inner
            .stores
            .iter()
            .map(|target| {
                let target = target.clone();
                tokio::spawn(async move { target.check(timeout).await })
            })
            .collect();
        let mut checks = Vec::with_capacity(keys.len() + stores.len());
        // A check that panicked (a bug in a store implementation) is reported as failed, never
        // as passed.
        for (target, task) in inner.keys.iter().zip(keys) {
            checks.push(CheckReport::Keys(match task.await {
                Ok(check) => check,
                Err(_) => KeysCheck {
                    issuer: target.issuer.clone(),
                    ok: false,
                    problem: None,
                    status: target.jwks.status(),
                },
            }));
        }
        for (target, task) in inner.stores.iter().zip(stores) {
            checks.push(CheckReport::SessionStore(match task.await {
                Ok(check) => check,
                Err(_) => StoreCheck {
                    login: target.login.clone(),
                    ok: false,
                    error: Some(crate::store::StoreErrorKind::Unavailable),
                    elapsed: timeout,
                },
            }));
        }
        Readiness {
            ready: checks.iter().all(CheckReport::ok),
            checks,
        }
    }

    /// The readiness answer: `200` when every check passes, else `503` with `Retry-After`; the
    /// [`Readiness`] report as JSON, `Cache-Control: no-store`.
    pub async fn readiness(&self) -> Answer {
        answers::ready(&self.check().await)
    }

    /// The tower layer answering the probe paths (see the [module documentation](self)).
    pub fn layer(&self) -> HealthLayer {
        HealthLayer::new(self.clone())
    }

    /// The liveness path (default `/healthz`).
    pub fn live_path(&self) -> &str {
        &self.inner.live_path
    }

    /// The readiness path (default `/readyz`).
    pub fn ready_path(&self) -> &str {
        &self.inner.ready_path
    }
}
