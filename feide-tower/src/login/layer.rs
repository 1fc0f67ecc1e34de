//! [`FeideLoginLayer`]: the tower wrapper over [`FeideLogin`]'s plain functions.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Method, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::backchannel::{MAX_BACKCHANNEL_BODY, refused};
use super::refresh::RefreshDue;
use super::session_lookup::SessionLookup;
use super::session_span::{observe, observe_unreachable, session_span};
use super::stored::{NearLookup, StoreAsk};
use super::tenants::{Logins, unknown_host};
use super::{FeideLogin, LoginRoute};
use crate::answer::Answer;
use crate::body::ResponseBody;
use crate::gate::{Gate, GateFuture, Verdict};
use crate::session::{SessionUnavailable, insert_session};
use tracing::{Instrument as _, Span};

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
    logins: Logins,
}

impl FeideLoginLayer {
    /// A layer over `login`.
    pub fn new(login: FeideLogin) -> Self {
        Self::from_logins(Logins::One(login))
    }

    /// A layer over one login or [several, by host](super::Tenants).
    pub(crate) fn from_logins(logins: Logins) -> Self {
        Self { logins }
    }
}

impl<S> Layer<S> for FeideLoginLayer {
    type Service = FeideLoginService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FeideLoginService {
            gate: Gate::new(inner, self.logins.clone()),
        }
    }
}

/// The service made by [`FeideLoginLayer`].
#[derive(Clone, Debug)]
pub struct FeideLoginService<S> {
    gate: Gate<S, Logins>,
}

impl<S> FeideLoginService<S> {
    crate::gate::inner_service_accessors!();
}

/// The callback (which talks to the provider) or a refresh (which then calls the service).
type Deferred<F> = Pin<Box<dyn Future<Output = Verdict<F>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for FeideLoginService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    ReqBody: http_body::Body + Send + 'static,
    ReqBody::Data: Send,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let Some(login) = self.gate.policy().for_request(&request) else {
            return ResponseFuture {
                state: GateFuture::answer(unknown_host().into_reply()),
            };
        };
        let state = match login.route(request.uri().path()) {
            LoginRoute::Login
                if matches!(*request.method(), Method::GET | Method::HEAD)
                    && login.pushes_authorization() =>
            {
                // RFC 9126: the authorization request goes to the provider first.
                let login = login.clone();
                let query = request.uri().query().map(str::to_owned);
                GateFuture::later(Box::pin(async move {
                    let answer = login.start_login_async(query.as_deref()).await;
                    Verdict::Answer(answer.into_reply())
                }) as Deferred<S::Future>)
            }
            LoginRoute::Login if matches!(*request.method(), Method::GET | Method::HEAD) => {
                GateFuture::answer(login.start_login(request.uri().query()).into_reply())
            }
            LoginRoute::Callback if matches!(*request.method(), Method::GET | Method::HEAD) => {
                let login = login.clone();
                let query = request.uri().query().map(str::to_owned);
                let headers = std::mem::take(request.headers_mut());
                GateFuture::later(Box::pin(async move {
                    let answer = login.complete_login(query.as_deref(), &headers).await;
                    Verdict::Answer(answer.into_reply())
                }) as Deferred<S::Future>)
            }
            LoginRoute::Login | LoginRoute::Callback => {
                GateFuture::answer(Answer::method_not_allowed("GET").into_reply())
            }
            LoginRoute::Logout if login.config.stored.is_some() => {
                // The stored session is deleted before the cookie: that takes the store.
                let login = login.clone();
                let method = request.method().clone();
                let headers = std::mem::take(request.headers_mut());
                GateFuture::later(Box::pin(async move {
                    Verdict::Answer(login.sign_out(&method, &headers).await.into_reply())
                }) as Deferred<S::Future>)
            }
            LoginRoute::Logout => GateFuture::answer(
                login
                    .logout(request.method(), request.headers())
                    .into_reply(),
            ),
            LoginRoute::BackchannelLogout if *request.method() == Method::POST => {
                let login = login.clone();
                GateFuture::later(Box::pin(async move {
                    let (parts, body) = request.into_parts();
                    let answer = match read_body(body, MAX_BACKCHANNEL_BODY).await {
                        Some(body) => login.backchannel_logout(&parts.headers, &body).await,
                        None => refused("the body could not be read or is too large"),
                    };
                    Verdict::Answer(answer.into_reply())
                }) as Deferred<S::Future>)
            }
            LoginRoute::BackchannelLogout => {
                GateFuture::answer(Answer::method_not_allowed("POST").into_reply())
            }
            LoginRoute::FrontchannelLogout
                if matches!(*request.method(), Method::GET | Method::HEAD) =>
            {
                let login = login.clone();
                let query = request.uri().query().map(str::to_owned);
                let headers = std::mem::take(request.headers_mut());
                GateFuture::later(Box::pin(async move {
                    let answer = login.frontchannel_logout(query.as_deref(), &headers).await;
                    Verdict::Answer(answer.into_reply())
                }) as Deferred<S::Future>)
            }
            LoginRoute::FrontchannelLogout => {
                GateFuture::answer(Answer::method_not_allowed("GET").into_reply())
            }
            LoginRoute::Other => {
                let now = crate::token::now().max(0) as u64;
                let cfg = &*login.config;
                // One `feide.session` span per request: debug level, so a disabled one costs
                // a few instructions and nothing is recorded.
                let span = session_span();
                if let Some(stored) = cfg.stored.as_ref() {
                    let near = span.in_scope(|| {
                        cfg.session
                            .stored_near(stored, request.headers(), now, &cfg.refresh)
                    });
                    match near {
                        NearLookup::Done(lookup) => {
                            observe(&span, &lookup);
                            let set_cookies = attach(login, &mut request, lookup);
                            self.gate.pass(request, set_cookies)
                        }
                        NearLookup::Ask(ask) => {
                            // Loading from (or writing to) the store, then calling the service
                            // that was made ready.
                            let login = login.clone();
                            self.gate.defer(|inner| {
                                Box::pin(stored_then_call(login, ask, request, inner, span))
                                    as Deferred<S::Future>
                            })
                        }
                    }
                } else {
                    let (lookup, due) = span.in_scope(|| login.lookup_at(request.headers(), now));
                    if let Some(due) = due {
                        // The rare request whose access token needs refreshing: talk to the
                        // provider first, then call the service that was made ready.
                        let login = login.clone();
                        self.gate.defer(|inner| {
                            Box::pin(refresh(login, lookup, due, request, inner, span))
                                as Deferred<S::Future>
                        })
                    } else {
                        observe(&span, &lookup);
                        let set_cookies = attach(login, &mut request, lookup);
                        self.gate.pass(request, set_cookies)
                    }
                }
            }
        };
        ResponseFuture { state }
    }
}

/// The whole body, if it can be read and holds at most `limit` bytes.
async fn read_body<B>(body: B, limit: usize) -> Option<Vec<u8>>
where
    B: http_body::Body,
{
    use bytes::Buf as _;
    use http_body_util::BodyExt as _;

    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(frame) = body.as_mut().frame().await {
        let Ok(frame) = frame else { return None };
        if let Ok(mut data) = frame.into_data() {
            let len = data.remaining();
            if out.len().checked_add(len)? > limit {
                return None;
            }
            while data.has_remaining() {
                let chunk = data.chunk();
                out.extend_from_slice(chunk);
                let n = chunk.len();
                data.advance(n);
            }
        }
    }
    Some(out)
}

/// Refreshes the request's session, then calls `inner` with it (or answers `503`).
async fn refresh<S, ReqBody>(
    login: FeideLogin,
    lookup: SessionLookup,
    due: RefreshDue,
    mut request: Request<ReqBody>,
    mut inner: S,
    span: Span,
) -> Verdict<S::Future>
where
    S: Service<Request<ReqBody>>,
{
    let refreshed = login
        .refresh(lookup, due, request.headers())
        .instrument(span.clone())
        .await;
    observed(&span, &refreshed);
    match refreshed {
        Ok(lookup) => {
            let set_cookies = attach(&login, &mut request, lookup);
            Verdict::Called(inner.call(request), set_cookies)
        }
        Err(answer) => Verdict::Answer(answer.into_reply()),
    }
}

/// Finishes a stored session's lookup, then calls `inner` with it (or answers `503`).
async fn stored_then_call<S, ReqBody>(
    login: FeideLogin,
    ask: StoreAsk,
    mut request: Request<ReqBody>,
    mut inner: S,
    span: Span,
) -> Verdict<S::Future>
where
    S: Service<Request<ReqBody>>,
{
    let looked_up = login
        .stored_session(ask, request.headers())
        .instrument(span.clone())
        .await;
    observed(&span, &looked_up);
    match looked_up {
        Ok(lookup) => {
            let set_cookies = attach(&login, &mut request, lookup);
            Verdict::Called(inner.call(request), set_cookies)
        }
        Err(answer) => Verdict::Answer(answer.into_reply()),
    }
}

/// Records the outcome of a session decision that needed waiting.
fn observed(span: &Span, result: &Result<SessionLookup, Answer>) {
    match result {
        Ok(lookup) => observe(span, lookup),
        Err(_) => observe_unreachable(span),
    }
}

/// Puts a lookup's outcome in the request for the service: the session, or, when the store
/// could not say, the [`SessionUnavailable`] marker; and a
/// [`SilentLoginFailed`](super::SilentLoginFailed) the callback left for this request. Returns
/// the cookies to write back.
fn attach<B>(
    login: &FeideLogin,
    request: &mut Request<B>,
    lookup: SessionLookup,
) -> Vec<HeaderValue> {
    if let Some(session) = lookup.session {
        insert_session(request.extensions_mut(), session);
    }
    if lookup.store_error.is_some() {
        request
            .extensions_mut()
            .insert(SessionUnavailable::new(login.name()));
    }
    let mut set_cookies = lookup.set_cookies;
    // The request right after a silent login the provider could not complete: once. (Not
    // looked for when the session lookup's pass saw no marker: the usual request.)
    if lookup.silent_marker == Some(false) {
        return set_cookies;
    }
    let now = crate::token::now().max(0) as u64;
    if let Some((failed, removal)) =
        login
            .config
            .flow
            .take_silent_marker(request.headers(), login.name(), now)
    {
        if let Some(failed) = failed {
            request.extensions_mut().insert(failed);
        }
        set_cookies.extend(removal);
    }
    set_cookies
}

pin_project! {
    /// The response future of [`FeideLoginService`].
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
