//! [`AccessLayer`] and its service: a thin tower wrapper over [`AccessGuard`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::guard::{Access, AccessGuard};
use crate::body::ResponseBody;
use crate::denial::Denial;
use crate::gate::{Gate, GateFuture, Reply, Settle, Then};
use crate::session::FeideSession;

/// Guards routes that serve both browsers and API clients: see [`AccessGuard`] for the rules.
/// A request let in carries an [`Identity`](super::Identity) in its extensions (none for an
/// anonymous request in optional mode); a refused one is answered by the layer.
///
/// Works with or without [`FeideLoginLayer`](crate::login::FeideLoginLayer) outside it: if a
/// [`FeideSession`] of the guard's login is already in the extensions it is used, otherwise the
/// layer opens the session cookie itself (and writes back its `Set-Cookie` headers). With
/// several [named](crate::login::FeideLoginBuilder::name) logins, only the guard's login's
/// sessions count (found with [`FeideSession::for_provider`]). Put `FeideLoginLayer`
/// outside anyway if the same app also serves `/login`, `/callback` and `/logout`.
///
/// ```no_run
/// # async fn run(provider: feide_tower::Provider, login: feide_tower::login::FeideLogin) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::access::AccessGuard;
/// use feide_tower::bearer::BearerAuthorizer;
///
/// let bearer = BearerAuthorizer::builder(&provider)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .build_authorizer()?;
/// let access = AccessGuard::builder(bearer, login).layer();
/// // axum: Router::new().route("/me", get(me)).layer(access), `me(identity: Identity)`
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AccessLayer {
    guard: AccessGuard,
}

impl AccessLayer {
    /// The layer for `guard`.
    pub fn new(guard: AccessGuard) -> Self {
        Self { guard }
    }

    /// The guard that decides.
    pub fn guard(&self) -> &AccessGuard {
        &self.guard
    }
}

impl<S> Layer<S> for AccessLayer {
    type Service = AccessService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessService {
            gate: Gate::new(inner, self.guard.clone()),
        }
    }
}

/// The service made by [`AccessLayer`].
#[derive(Clone)]
pub struct AccessService<S> {
    gate: Gate<S, AccessGuard>,
}

impl<S> AccessService<S> {
    crate::gate::inner_service_accessors!();
}

impl<S: fmt::Debug> fmt::Debug for AccessService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessService")
            .field("inner", self.gate.get_ref())
            .field("guard", self.gate.policy())
            .finish()
    }
}

type Decision = Pin<Box<dyn Future<Output = Result<Access, Denial>> + Send>>;

/// The guard's decision applied: the identity into the request, or the denial rendered.
impl<ReqBody> Settle<ReqBody> for AccessGuard {
    type Outcome = Result<Access, Denial>;

    fn settle(
        self,
        outcome: Self::Outcome,
        request: &mut Request<ReqBody>,
    ) -> Result<Vec<HeaderValue>, Reply> {
        let access = outcome.map_err(|denial| denial.into_reply(self.renderer()))?;
        if let Some(identity) = access.identity {
            request.extensions_mut().insert(identity);
        }
        Ok(access.set_cookies)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let guard = self.gate.policy().clone();
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let headers = request.headers().clone();
        // This guard's login's session: with several login layers, not necessarily the one
        // `get::<FeideSession>()` gives.
        let session =
            FeideSession::for_provider(request.extensions(), guard.login().name()).cloned();
        let decider = guard.clone();
        let decision: Decision = Box::pin(async move {
            decider
                .decide_with_session(&target, &headers, session)
                .await
        });
        ResponseFuture {
            state: self
                .gate
                .defer(|service| Then::new(decision, service, request, guard)),
        }
    }
}

pin_project! {
    /// The response future of [`AccessLayer`]'s service.
    pub struct ResponseFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: GateFuture<S::Future, Then<S, ReqBody, Decision, AccessGuard>>,
    }
}

impl<S, ReqBody, ResBody> Future for ResponseFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}
