//! [`IntrospectionLayer`] and its service: a thin tower wrapper over [`Introspector`], for APIs
//! protected by opaque tokens without a login.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::introspector::{Introspector, bearer_token};
use crate::bearer::{BearerError, Principal};
use crate::body::ResponseBody;
use crate::gate::{Gate, GateFuture, Reply, Settle, Then};

/// Protects a service with opaque access tokens, checked by RFC 7662 introspection (whatever the
/// [`Introspector`] accepts, JWTs included if the provider introspects them).
///
/// A request with a token the introspector accepts reaches the inner service with the same
/// [`Principal`] in its extensions as [`BearerJwtLayer`](crate::bearer::BearerJwtLayer) puts
/// there; any other gets the same RFC 6750 [`Challenge`](crate::bearer::Challenge) (401 without
/// or with a bad token, 403 when scopes are missing, 503 when the introspection endpoint fails)
/// and the inner service is not called. No login is needed. Made with
/// [`Introspector::layer`]; cloning is cheap.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::convert::Infallible;
/// use feide_tower::Provider;
/// use feide_tower::bearer::Principal;
/// use feide_tower::introspection::Introspector;
/// use tower::{ServiceBuilder, ServiceExt};
///
/// // Normally `Provider::builder(issuer).client(id, secret).build().await?` with discovery.
/// let provider = Provider::builder("https://auth.example.org")
///     .discovery(false)
///     .jwks_uri("https://auth.example.org/jwks")
///     .introspection_endpoint("https://auth.example.org/introspect")
///     .client("my-api", "secret")
///     .build()
///     .await?;
/// let introspection = Introspector::builder(&provider)
///     .audience("https://api.example.org")
///     .require_scope("read")
///     .build()?
///     .layer();
///
/// let service = ServiceBuilder::new()
///     .layer(introspection)
///     .service_fn(|req: http::Request<String>| async move {
///         let who = req.extensions().get::<Principal>().and_then(|p| p.subject().map(String::from));
///         Ok::<_, Infallible>(http::Response::new(format!("hello {who:?}")))
///     });
///
/// // No token: refused here, without asking the provider.
/// let response = service.oneshot(http::Request::new(String::new())).await?;
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="api""#);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct IntrospectionLayer {
    introspector: Introspector,
}

impl IntrospectionLayer {
    pub(crate) fn new(introspector: Introspector) -> Self {
        Self { introspector }
    }

    /// The introspector that decides, for checking tokens outside the layer.
    pub fn introspector(&self) -> &Introspector {
        &self.introspector
    }
}

impl Introspector {
    /// The tower layer that lets in only requests whose bearer token this introspector accepts.
    pub fn layer(&self) -> IntrospectionLayer {
        IntrospectionLayer::new(self.clone())
    }
}

impl<S> Layer<S> for IntrospectionLayer {
    type Service = IntrospectionService<S>;

    fn layer(&self, inner: S) -> IntrospectionService<S> {
        IntrospectionService {
            gate: Gate::new(inner, self.introspector.clone()),
        }
    }
}

/// The service of [`IntrospectionLayer`].
#[derive(Debug, Clone)]
pub struct IntrospectionService<S> {
    gate: Gate<S, Introspector>,
}

impl<S> IntrospectionService<S> {
    crate::gate::inner_service_accessors!();
}

type Introspection = Pin<Box<dyn Future<Output = Result<Principal, BearerError>> + Send>>;

/// The introspector's answer applied: the principal into the request, or the challenge.
impl<ReqBody> Settle<ReqBody> for Introspector {
    type Outcome = Result<Principal, BearerError>;

    fn settle(
        self,
        outcome: Self::Outcome,
        request: &mut Request<ReqBody>,
    ) -> Result<Vec<HeaderValue>, Reply> {
        let principal = outcome.map_err(|error| self.challenge(&error).to_response())?;
        request.extensions_mut().insert(principal);
        Ok(Vec::new())
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for IntrospectionService<S>
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
        let introspector = self.gate.policy();
        let token = match bearer_token(request.headers()) {
            Ok(token) => token.to_owned(),
            // No or a malformed header: refused now, the provider is not asked.
            Err(error) => {
                let error = introspector.refused_early(error);
                let answer = introspector.challenge(&error).to_response();
                return ResponseFuture {
                    state: GateFuture::answer(answer),
                };
            }
        };
        let settle = introspector.clone();
        let asker = introspector.clone();
        let introspection: Introspection =
            Box::pin(async move { asker.authorize_token(&token).await });
        ResponseFuture {
            state: self
                .gate
                .defer(|service| Then::new(introspection, service, request, settle)),
        }
    }
}

pin_project! {
    /// The response future of [`IntrospectionService`].
    pub struct ResponseFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: GateFuture<S::Future, Then<S, ReqBody, Introspection, Introspector>>,
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
