//! [`FeideLoginLayer`]: the tower wrapper over [`FeideLogin`]'s plain functions.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{HeaderValue, Method, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::response::LoginResponse;
use super::{FeideLogin, LoginRoute};
use crate::body::{self, ResponseBody};
use crate::session::insert_session;

/// Wraps a service with Feide login: answers the login, callback and logout paths itself and
/// passes every other request on, with the [`FeideSession`](crate::session::FeideSession) (if
/// any) in its extensions.
///
/// Several login layers (each [named](super::FeideLoginBuilder::name), with its own paths and
/// cookie) can wrap one app. A request signed in with several carries the innermost layer's
/// session as `FeideSession`; [`FeideSession::for_provider`](crate::session::FeideSession::for_provider)
/// finds any of them by name.
///
/// ```no_run
/// # async fn run(provider: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
/// use feide_tower::login::FeideLogin;
///
/// let login = FeideLogin::builder(&provider)
///     .redirect_uri("https://app.example.no/callback")
///     .secret_keys(&std::env::var("APP_SECRET_KEY")?)
///     .build()?;
/// let app: Router = Router::new()
///     .route("/me", get(|| async { "secret" }).route_layer(login.require_login()))
///     .route("/", get(|| async { "public" }))
///     .layer(login.layer());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FeideLoginLayer {
    login: FeideLogin,
}

impl FeideLoginLayer {
    /// A layer over `login`.
    pub fn new(login: FeideLogin) -> Self {
        Self { login }
    }
}

impl<S> Layer<S> for FeideLoginLayer {
    type Service = FeideLoginService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FeideLoginService {
            inner,
            login: self.login.clone(),
        }
    }
}

/// The service made by [`FeideLoginLayer`].
#[derive(Clone, Debug)]
pub struct FeideLoginService<S> {
    inner: S,
    login: FeideLogin,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for FeideLoginService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let login = &self.login;
        match login.route(request.uri().path()) {
            LoginRoute::Login if matches!(*request.method(), Method::GET | Method::HEAD) => {
                ResponseFuture::ready(login.start_login(request.uri().query()))
            }
            LoginRoute::Callback if matches!(*request.method(), Method::GET | Method::HEAD) => {
                let login = login.clone();
                let query = request.uri().query().map(str::to_owned);
                let headers = std::mem::take(request.headers_mut());
                ResponseFuture::boxed(async move {
                    login.complete_login(query.as_deref(), &headers).await
                })
            }
            LoginRoute::Login | LoginRoute::Callback => {
                ResponseFuture::ready(LoginResponse::method_not_allowed("GET"))
            }
            LoginRoute::Logout => {
                ResponseFuture::ready(login.logout(request.method(), request.headers()))
            }
            LoginRoute::Other => {
                let lookup = login.session(request.headers());
                if let Some(session) = lookup.session {
                    insert_session(request.extensions_mut(), session);
                }
                ResponseFuture::inner(self.inner.call(request), lookup.set_cookies)
            }
        }
    }
}

pin_project! {
    /// The response future of [`FeideLoginService`].
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = Projection]
    enum Kind<F> {
        // A response the layer wrote itself; taken when polled.
        Ready { response: Option<LoginResponse> },
        // The callback, which talks to the provider.
        Callback { future: Pin<Box<dyn Future<Output = LoginResponse> + Send>> },
        // The inner service, with `Set-Cookie` headers to append to its response.
        Inner { #[pin] future: F, set_cookies: Vec<HeaderValue> },
    }
}

impl<F> ResponseFuture<F> {
    fn ready(response: LoginResponse) -> Self {
        Self {
            kind: Kind::Ready {
                response: Some(response),
            },
        }
    }

    fn boxed(future: impl Future<Output = LoginResponse> + Send + 'static) -> Self {
        Self {
            kind: Kind::Callback {
                future: Box::pin(future),
            },
        }
    }

    fn inner(future: F, set_cookies: Vec<HeaderValue>) -> Self {
        Self {
            kind: Kind::Inner {
                future,
                set_cookies,
            },
        }
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            Projection::Ready { response } => {
                // Polled again after completion only by a broken executor; answer 500 then.
                let response = response
                    .take()
                    .unwrap_or_else(LoginResponse::internal_error);
                Poll::Ready(Ok(response.into_response()))
            }
            Projection::Callback { future } => {
                Poll::Ready(Ok(ready!(future.as_mut().poll(cx)).into_response()))
            }
            Projection::Inner {
                future,
                set_cookies,
            } => {
                let response = ready!(future.poll(cx))?;
                let (mut parts, inner) = response.into_parts();
                for cookie in set_cookies.drain(..) {
                    parts.headers.append(http::header::SET_COOKIE, cookie);
                }
                Poll::Ready(Ok(Response::from_parts(parts, body::inner(inner))))
            }
        }
    }
}
