//! [`BearerJwtLayer`] and its service: a thin tower wrapper over [`BearerAuthorizer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;
use tracing::{Instrument as _, Span};

use super::authorizer::{BearerAuthorizer, Step};
use super::builder::{BearerBuilder, BearerConfigError, check_scopes};
use super::error::BearerError;
use super::principal::Principal;
use super::require_scope::RequireScopeLayer;
use crate::Provider;
use crate::body::ResponseBody;
use crate::gate::{Gate, GateFuture, Reply, Settle, Then};
use crate::token::ScopeRule;

/// Protects a service with Feide JWT access tokens (RFC 6750).
///
/// A request with a valid `Authorization: Bearer` token reaches the inner service with a
/// [`Principal`] in its extensions; any other gets a 401, 403 or 503 [`Challenge`](super::Challenge) and the inner
/// service is not called. Works with any `http` 1 service: axum, hyper, tonic, plain tower.
///
/// Build it once with [`builder`](Self::builder); cloning is cheap.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::convert::Infallible;
/// use feide_tower::bearer::{BearerBuilder, Principal};
/// use feide_tower::token::Jwks;
/// use feide_tower::token::{KeySet, Validator};
/// use tower::{ServiceBuilder, ServiceExt};
///
/// // Normally `BearerJwtLayer::builder(&provider)`; a fixed (empty) key set keeps this offline.
/// let keys = Validator::builder(Jwks::fixed(KeySet::default())).issuer("https://auth.dataporten.no");
/// let bearer = BearerBuilder::new(keys)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .require_scope("readUser")
///     .build()?;
///
/// let service = ServiceBuilder::new().layer(bearer).service_fn(|req: http::Request<String>| async move {
///     let who = req.extensions().get::<Principal>().and_then(|p| p.subject().map(String::from));
///     Ok::<_, Infallible>(http::Response::new(format!("hello {who:?}")))
/// });
///
/// let response = service.oneshot(http::Request::new(String::new())).await?;
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="api""#);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BearerJwtLayer {
    authorizer: BearerAuthorizer,
}

impl BearerJwtLayer {
    /// Starts configuring with the provider's issuer and key cache.
    pub fn builder(provider: &Provider) -> BearerBuilder {
        BearerBuilder::for_provider(provider)
    }

    /// A layer over an authorizer you built with [`BearerBuilder::build_authorizer`].
    pub fn new(authorizer: BearerAuthorizer) -> Self {
        Self { authorizer }
    }

    /// The authorizer, for checking tokens outside the layer with the same configuration.
    pub fn authorizer(&self) -> &BearerAuthorizer {
        &self.authorizer
    }

    /// A route layer that additionally needs `scope`, answering in this layer's realm. Put it
    /// inside (after) this layer, which supplies the [`Principal`] it checks.
    ///
    /// Fails if `scope` is not a valid scope (empty, or with spaces, quotes or backslashes).
    pub fn require_scope(
        &self,
        scope: impl Into<String>,
    ) -> Result<RequireScopeLayer, BearerConfigError> {
        self.require_scopes([scope], ScopeRule::AllOf)
    }

    /// A route layer that additionally needs `scopes` (all of them, or any one, per `rule`).
    pub fn require_scopes(
        &self,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        rule: ScopeRule,
    ) -> Result<RequireScopeLayer, BearerConfigError> {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        check_scopes(&scopes, true)?;
        RequireScopeLayer::rendered(
            self.authorizer.realm(),
            scopes,
            rule,
            self.authorizer.renderer(),
        )
    }
}

impl<S> Layer<S> for BearerJwtLayer {
    type Service = BearerJwt<S>;

    fn layer(&self, inner: S) -> BearerJwt<S> {
        BearerJwt::new(inner, self.authorizer.clone())
    }
}

/// The service of [`BearerJwtLayer`].
#[derive(Debug, Clone)]
pub struct BearerJwt<S> {
    gate: Gate<S, BearerAuthorizer>,
}

impl<S> BearerJwt<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, authorizer: BearerAuthorizer) -> Self {
        Self {
            gate: Gate::new(inner, authorizer),
        }
    }

    crate::gate::inner_service_accessors!();
}

type Verification = Pin<Box<dyn Future<Output = Result<Principal, BearerError>> + Send>>;

/// The second half of a verification that waited for keys: log it, then let in or refuse.
struct Verified {
    authorizer: BearerAuthorizer,
    span: Span,
}

impl<ReqBody> Settle<ReqBody> for Verified {
    type Outcome = Result<Principal, BearerError>;

    fn settle(
        self,
        result: Self::Outcome,
        request: &mut Request<ReqBody>,
    ) -> Result<Vec<HeaderValue>, Reply> {
        let cache = self.authorizer.miss_use();
        self.authorizer.observe(&self.span, &result, cache);
        let principal = result.map_err(|error| self.authorizer.challenge(&error).to_response())?;
        request.extensions_mut().insert(principal);
        Ok(Vec::new())
    }
}

/// Boxed whole, like the verification in it: the rare path pays one more allocation so that the
/// response future of a cache hit stays small (it is moved by value).
type Deferred<S, ReqBody> = Pin<Box<Then<S, ReqBody, Verification, Verified>>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BearerJwt<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let authorizer = self.gate.policy();
        let span = authorizer.span();
        let token = match authorizer.start(request.headers()) {
            // Decided without waiting (a cache hit or a refusal): the service that was polled
            // ready is called right here.
            Step::Done(result, cache) => {
                authorizer.observe(&span, &result, cache);
                let state = match result {
                    Ok(principal) => {
                        request.extensions_mut().insert(principal);
                        self.gate.pass(request, Vec::new())
                    }
                    Err(error) => GateFuture::answer(authorizer.challenge(&error).to_response()),
                };
                return ResponseFuture { state };
            }
            // The keys must be fetched first (an unknown `kid`): rare, so the copy is fine.
            Step::Verify { token } => token.to_owned(),
        };
        let authorizer = authorizer.clone();
        let verifier = authorizer.clone();
        let verification: Verification =
            Box::pin(async move { verifier.verify(&token).await }.instrument(span.clone()));
        let settle = Verified { authorizer, span };
        ResponseFuture {
            state: self
                .gate
                .defer(|service| Box::pin(Then::new(verification, service, request, settle))),
        }
    }
}

pin_project! {
    /// The response future of [`BearerJwt`].
    pub struct ResponseFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: GateFuture<S::Future, Deferred<S, ReqBody>>,
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
