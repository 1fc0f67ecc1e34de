//! [`BearerJwtLayer`] and its service: a thin tower wrapper over [`BearerAuthorizer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;
use tracing::{Instrument as _, Span};

use super::authorizer::{BearerAuthorizer, Step};
use super::builder::{BearerBuilder, BearerConfigError, check_scopes};
use super::challenge::Challenge;
use super::error::BearerError;
use super::principal::Principal;
use super::require_scope::RequireScopeLayer;
use crate::Provider;
use crate::body::{self, ResponseBody};
use crate::take_ready::take_ready;
use crate::token::ScopeRule;

/// Protects a service with Feide JWT access tokens (RFC 6750).
///
/// A request with a valid `Authorization: Bearer` token reaches the inner service with a
/// [`Principal`] in its extensions; any other gets a 401, 403 or 503 [`Challenge`] and the inner
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
    inner: S,
    authorizer: BearerAuthorizer,
}

impl<S> BearerJwt<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, authorizer: BearerAuthorizer) -> Self {
        Self { inner, authorizer }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

type Verification = Pin<Box<dyn Future<Output = Result<Principal, BearerError>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BearerJwt<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let span = self.authorizer.span();
        let token = match self.authorizer.start(request.headers(), &span) {
            // Decided without waiting (a cache hit or a refusal): `self.inner` is the service that
            // was polled ready, and it is called right here.
            Step::Done(result) => {
                self.authorizer.observe(&span, &result);
                let state = match result {
                    Ok(principal) => {
                        request.extensions_mut().insert(principal);
                        State::Inner {
                            future: self.inner.call(request),
                        }
                    }
                    Err(error) => State::Refused {
                        challenge: Some(self.authorizer.challenge(&error)),
                    },
                };
                return ResponseFuture { state };
            }
            // The keys must be fetched first (an unknown `kid`): rare, so the copy is fine.
            Step::Verify { token } => token.to_owned(),
        };
        let authorizer = self.authorizer.clone();
        let verification: Verification =
            Box::pin(async move { authorizer.verify(&token).await }.instrument(span.clone()));
        let service = take_ready(&mut self.inner);
        ResponseFuture {
            state: State::Verifying {
                verification,
                request: Some(request),
                service,
                authorizer: self.authorizer.clone(),
                span,
            },
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
        state: State<S, ReqBody, S::Future>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody, F> {
        // The signature is being checked; then the request goes to `service` or is refused.
        Verifying {
            verification: Verification,
            request: Option<Request<ReqBody>>,
            service: S,
            authorizer: BearerAuthorizer,
            span: Span,
        },
        Inner {
            #[pin]
            future: F,
        },
        Refused {
            challenge: Option<Challenge>,
        },
    }
}

impl<S, ReqBody, ResBody> Future for ResponseFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                StateProj::Verifying {
                    verification,
                    request,
                    service,
                    authorizer,
                    span,
                } => {
                    let result = ready!(verification.as_mut().poll(cx));
                    authorizer.observe(span, &result);
                    match result {
                        Ok(principal) => {
                            // Taken once: the state changes right below.
                            let mut request = request.take().expect("request taken only once");
                            request.extensions_mut().insert(principal);
                            State::Inner {
                                future: service.call(request),
                            }
                        }
                        Err(error) => State::Refused {
                            challenge: Some(authorizer.challenge(&error)),
                        },
                    }
                }
                StateProj::Inner { future } => {
                    return future.poll(cx).map_ok(|response| response.map(body::inner));
                }
                StateProj::Refused { challenge } => {
                    // Taken once: a future is not polled again after it returned Ready.
                    let challenge = challenge
                        .take()
                        .expect("ResponseFuture polled after completion");
                    return Poll::Ready(Ok(challenge.into_layer_response()));
                }
            };
            this.state.set(next);
        }
    }
}
