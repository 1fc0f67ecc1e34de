//! [`FeideLoginLayer`]: the tower wrapper over [`FeideLogin`]'s plain functions.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{HeaderValue, Method, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::refresh::RefreshDue;
use super::session_lookup::SessionLookup;
use super::{FeideLogin, LoginRoute};
use crate::answer::Answer;
use crate::body::{self, ResponseBody};
use crate::session::insert_session;
use crate::take_ready::take_ready;

/// Wraps a service with Feide login: answers the login, callback and logout paths itself and
/// passes every other request on, with the [`FeideSession`](crate::session::FeideSession) (if
/// any) in its extensions.
///
/// With a provider that issues refresh tokens (Feide does not), a request whose session's access
/// token is about to expire is held while the token is refreshed, then passed on with the
/// refreshed session and a re-sealed cookie; see
/// [`FeideLogin::session_refreshed`](super::FeideLogin::session_refreshed) for the details and
/// the failure answers. The wrapped service must be `Clone` (axum routers and `service_fn`s
/// are): the ready service handles that request, a clone the next.
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
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    ReqBody: Send + 'static,
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
                ResponseFuture::ready(Answer::method_not_allowed("GET"))
            }
            LoginRoute::Logout => {
                ResponseFuture::ready(login.logout(request.method(), request.headers()))
            }
            LoginRoute::Other => {
                let now = crate::token::now().max(0) as u64;
                let (lookup, due) = login.lookup_at(request.headers(), now);
                if let Some(due) = due {
                    // The rare request whose access token needs refreshing: talk to the provider
                    // first, then call the service that was made ready.
                    let inner = take_ready(&mut self.inner);
                    return ResponseFuture::refreshing(refresh(
                        login.clone(),
                        lookup,
                        due,
                        request,
                        inner,
                    ));
                }
                if let Some(session) = lookup.session {
                    insert_session(request.extensions_mut(), session);
                }
                ResponseFuture::inner(self.inner.call(request), lookup.set_cookies)
            }
        }
    }
}

/// Refreshes the request's session, then calls `inner` with it (or answers `503`).
async fn refresh<S, ReqBody>(
    login: FeideLogin,
    lookup: SessionLookup,
    due: RefreshDue,
    mut request: Request<ReqBody>,
    mut inner: S,
) -> Step<S::Future>
where
    S: Service<Request<ReqBody>>,
{
    match login.refresh(lookup, due, request.headers()).await {
        Ok(lookup) => {
            if let Some(session) = lookup.session {
                insert_session(request.extensions_mut(), session);
            }
            Step::Inner(inner.call(request), lookup.set_cookies)
        }
        Err(answer) => Step::Answer(answer),
    }
}

/// Where a refresh leads: the inner service, or an answer of the layer's own.
enum Step<F> {
    Inner(F, Vec<HeaderValue>),
    Answer(Answer),
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
        Ready { response: Option<Answer> },
        // The callback, which talks to the provider.
        Callback { future: Pin<Box<dyn Future<Output = Answer> + Send>> },
        // The inner service, with `Set-Cookie` headers to append to its response.
        Inner { #[pin] future: F, set_cookies: Vec<HeaderValue> },
        // A refresh of the session's access token, before the inner service is called.
        Refreshing { future: Pin<Box<dyn Future<Output = Step<F>> + Send>> },
    }
}

impl<F> ResponseFuture<F> {
    fn ready(response: Answer) -> Self {
        Self {
            kind: Kind::Ready {
                response: Some(response),
            },
        }
    }

    fn boxed(future: impl Future<Output = Answer> + Send + 'static) -> Self {
        Self {
            kind: Kind::Callback {
                future: Box::pin(future),
            },
        }
    }

    fn refreshing(future: impl Future<Output = Step<F>> + Send + 'static) -> Self {
        Self {
            kind: Kind::Refreshing {
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

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut kind = self.as_mut().project().kind;
        if let Projection::Refreshing { future } = kind.as_mut().project() {
            let next = match ready!(future.as_mut().poll(cx)) {
                Step::Inner(future, set_cookies) => Kind::Inner {
                    future,
                    set_cookies,
                },
                Step::Answer(response) => Kind::Ready {
                    response: Some(response),
                },
            };
            kind.set(next);
        }
        match kind.project() {
            Projection::Ready { response } => {
                // Polled again after completion only by a broken executor; answer 500 then.
                let response = response.take().unwrap_or_else(Answer::internal_error);
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
            // Replaced above as soon as it is done.
            Projection::Refreshing { .. } => Poll::Pending,
        }
    }
}
