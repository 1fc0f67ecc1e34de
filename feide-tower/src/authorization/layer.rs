//! [`AuthorizeLayer`] and [`Authorize`]: a guard ([`SessionGuard`](super::SessionGuard) or
//! [`DataSourceGuard`](super::DataSourceGuard)) on routes, as a tower layer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::data_source::DataSourceGuard;
use super::session::SessionGuard;
use super::verdict::Verdict;
use crate::bearer::Principal;
use crate::body::ResponseBody;
use crate::exchange::SubjectToken;
use crate::gate::{Gate, GateFuture, Reply, Settle, Then};
use crate::session::{FeideSession, SessionUnavailable};

/// A decision under way.
pub type Decision = Pin<Box<dyn Future<Output = Verdict> + Send>>;

/// What [`AuthorizeLayer`] needs of a guard: the decision for a request. Implemented by
/// [`SessionGuard`] and [`DataSourceGuard`].
pub trait AuthorizationGuard: Clone + Send + Sync + 'static {
    /// Starts deciding about `request` (reads its headers and extensions; owns what it keeps).
    fn decision<B>(&self, request: &Request<B>) -> Decision;
}

impl AuthorizationGuard for SessionGuard {
    fn decision<B>(&self, request: &Request<B>) -> Decision {
        let guard = self.clone();
        let extensions = request.extensions();
        let name = self.login().name();
        let session = FeideSession::for_provider(extensions, name).cloned();
        let unavailable = extensions
            .get::<SessionUnavailable>()
            .is_some_and(|u| u.login() == name);
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let headers = request.headers().clone();
        Box::pin(async move {
            guard
                .decide(session.as_ref(), unavailable, &target, &headers)
                .await
        })
    }
}

impl AuthorizationGuard for DataSourceGuard {
    fn decision<B>(&self, request: &Request<B>) -> Decision {
        let guard = self.clone();
        let principal = request.extensions().get::<Principal>().cloned();
        let token = SubjectToken::from_bearer_header(request.headers());
        let headers = request.headers().clone();
        Box::pin(async move {
            guard
                .decide(
                    principal.as_ref(),
                    token.as_ref().map(SubjectToken::secret),
                    &headers,
                )
                .await
        })
    }
}

/// Lets a request through only when its guard allows it, with the [`FeideFacts`](super::FeideFacts)
/// in its extensions; otherwise answers with the guard's refusal. Make it with
/// [`SessionGuard::layer`] or [`DataSourceGuard::layer`]. Cheap to clone.
#[derive(Clone)]
pub struct AuthorizeLayer<G> {
    guard: G,
}

impl<G> AuthorizeLayer<G> {
    pub(crate) fn new(guard: G) -> Self {
        Self { guard }
    }

    /// The guard.
    pub fn guard(&self) -> &G {
        &self.guard
    }
}

impl<G: fmt::Debug> fmt::Debug for AuthorizeLayer<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeLayer")
            .field("guard", &self.guard)
            .finish()
    }
}

impl<S, G: Clone> Layer<S> for AuthorizeLayer<G> {
    type Service = Authorize<S, G>;

    fn layer(&self, inner: S) -> Self::Service {
        Authorize {
            gate: Gate::new(inner, self.guard.clone()),
        }
    }
}

/// The service made by [`AuthorizeLayer`].
#[derive(Clone)]
pub struct Authorize<S, G> {
    gate: Gate<S, G>,
}

impl<S, G> Authorize<S, G> {
    crate::gate::inner_service_accessors!();
}

impl<S: fmt::Debug, G: fmt::Debug> fmt::Debug for Authorize<S, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorize")
            .field("inner", self.gate.get_ref())
            .field("guard", self.gate.policy())
            .finish()
    }
}

/// Puts the facts in the request, or answers.
pub(crate) struct Allow(());

impl<ReqBody> Settle<ReqBody> for Allow {
    type Outcome = Verdict;

    fn settle(
        self,
        outcome: Verdict,
        request: &mut Request<ReqBody>,
    ) -> Result<Vec<HeaderValue>, Reply> {
        let facts = outcome
            .into_result()
            .map_err(|answer| answer.into_reply())?;
        request.extensions_mut().insert(facts);
        Ok(Vec::new())
    }
}

impl fmt::Debug for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Allow")
    }
}

impl<S, G, ReqBody, ResBody> Service<Request<ReqBody>> for Authorize<S, G>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    G: AuthorizationGuard,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = AuthorizeFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let decision = self.gate.policy().decision(&request);
        AuthorizeFuture {
            state: self
                .gate
                .defer(|service| Then::new(decision, service, request, Allow(()))),
        }
    }
}

pin_project! {
    /// The response future of [`Authorize`].
    pub struct AuthorizeFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: GateFuture<S::Future, Then<S, ReqBody, Decision, Allow>>,
    }
}

impl<S, ReqBody, ResBody> Future for AuthorizeFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}
