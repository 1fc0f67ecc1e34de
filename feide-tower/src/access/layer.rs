//! [`AccessLayer`] and its service: a thin tower wrapper over [`AccessGuard`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::header::SET_COOKIE;
use http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::guard::{Access, AccessGuard};
use crate::body::{self, ResponseBody};
use crate::denial::Denial;
use crate::session::FeideSession;
use crate::take_ready::take_ready;

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
            inner,
            guard: self.guard.clone(),
        }
    }
}

/// The service made by [`AccessLayer`].
#[derive(Clone)]
pub struct AccessService<S> {
    inner: S,
    guard: AccessGuard,
}

impl<S: fmt::Debug> fmt::Debug for AccessService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessService")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

type Decision = Pin<Box<dyn Future<Output = Result<Access, Denial>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let guard = self.guard.clone();
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let headers = request.headers().clone();
        // This guard's login's session: with several login layers, not necessarily the one
        // `get::<FeideSession>()` gives.
        let session =
            FeideSession::for_provider(request.extensions(), self.guard.login().name()).cloned();
        let decision: Decision =
            Box::pin(async move { guard.decide_with_session(&target, &headers, session).await });
        let service = take_ready(&mut self.inner);
        ResponseFuture {
            state: State::Deciding {
                decision,
                request: Some(request),
                service,
                guard: self.guard.clone(),
            },
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
        state: State<S, ReqBody>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        Deciding {
            decision: Decision,
            request: Option<Request<ReqBody>>,
            service: S,
            guard: AccessGuard,
        },
        Inner {
            #[pin]
            future: S::Future,
            set_cookies: Vec<HeaderValue>,
        },
        Done,
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
            match this.state.as_mut().project() {
                StateProj::Deciding {
                    decision,
                    request,
                    service,
                    guard,
                } => {
                    let outcome = ready!(decision.as_mut().poll(cx));
                    let Some(mut request) = request.take() else {
                        this.state.set(State::Done);
                        continue;
                    };
                    match outcome {
                        Ok(access) => {
                            if let Some(identity) = access.identity {
                                request.extensions_mut().insert(identity);
                            }
                            let future = service.call(request);
                            this.state.set(State::Inner {
                                future,
                                set_cookies: access.set_cookies,
                            });
                        }
                        Err(denial) => {
                            let response = denial.into_response(guard.renderer());
                            this.state.set(State::Done);
                            return Poll::Ready(Ok(response));
                        }
                    }
                }
                StateProj::Inner {
                    future,
                    set_cookies,
                } => {
                    let result = ready!(future.poll(cx));
                    let cookies = std::mem::take(set_cookies);
                    this.state.set(State::Done);
                    return Poll::Ready(result.map(|response| {
                        let mut response = response.map(body::inner);
                        let headers = response.headers_mut();
                        for cookie in cookies {
                            headers.append(SET_COOKIE, cookie);
                        }
                        response
                    }));
                }
                // Polled after completion (a contract violation): stay pending rather than panic.
                StateProj::Done => return Poll::Pending,
            }
        }
    }
}
