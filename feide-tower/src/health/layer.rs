//! [`HealthLayer`]: answers the probe paths, passes everything else on.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::{Health, answers};
use crate::body::ResponseBody;
use crate::gate::{Gate, GateFuture, Verdict};

/// Answers `GET` and `HEAD` on the liveness and readiness paths (defaults `/healthz` and
/// `/readyz`) and passes every other request, untouched, to the inner service. Put it
/// outermost, so that probes need no cookie or token. From [`Health::layer`]; cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::convert::Infallible;
/// use feide_tower::health::Health;
/// use tower::{ServiceBuilder, ServiceExt as _};
///
/// let health = Health::builder().build()?; // nothing to check: always ready
/// let app = ServiceBuilder::new()
///     .layer(health.layer())
///     .service_fn(|_: http::Request<String>| async { Ok::<_, Infallible>(http::Response::new(String::from("app"))) });
///
/// let live = app.clone().oneshot(http::Request::get("/healthz").body(String::new())?).await?;
/// assert_eq!(live.status(), 200);
/// assert_eq!(live.headers()["content-type"], "application/json");
/// let other = app.oneshot(http::Request::get("/").body(String::new())?).await?;
/// assert_eq!(other.status(), 200);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct HealthLayer {
    health: Health,
}

impl HealthLayer {
    /// A layer answering `health`'s probes.
    pub fn new(health: Health) -> Self {
        Self { health }
    }
}

impl<S> Layer<S> for HealthLayer {
    type Service = HealthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HealthService {
            gate: Gate::new(inner, self.health.clone()),
        }
    }
}

/// The service made by [`HealthLayer`].
#[derive(Clone, Debug)]
pub struct HealthService<S> {
    gate: Gate<S, Health>,
}

impl<S> HealthService<S> {
    crate::gate::inner_service_accessors!();
}

/// The readiness checks, then their answer.
type Deferred<F> = Pin<Box<dyn Future<Output = Verdict<F>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HealthService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let probe = matches!(*request.method(), Method::GET | Method::HEAD);
        let health = self.gate.policy();
        let path = request.uri().path();
        let state = if probe && path == health.live_path() {
            GateFuture::answer(health.liveness().into_reply())
        } else if probe && path == health.ready_path() {
            let health = health.clone();
            GateFuture::later(Box::pin(async move {
                Verdict::Answer(answers::ready(&health.check().await).into_reply())
            }) as Deferred<S::Future>)
        } else {
            self.gate.pass(request, Vec::new())
        };
        ResponseFuture { state }
    }
}

pin_project! {
    /// The response future of [`HealthService`].
    pub struct ResponseFuture<F> {
        #[pin]
        state: GateFuture<F, Deferred<F>>,
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}
