//! [`RequireAuthLevelLayer`]: step-up per route. A route that needs a stronger or more recent
//! authentication than the session has (an `acr` level, a maximum authentication age) sends a
//! browser through login again with `acr_values` (and `max_age`, `prompt=login`), back to the
//! same page with the new session; an API caller gets the RFC 9470 challenge.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::WWW_AUTHENTICATE;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::controls::{LoginControls, MAX_MAX_AGE};
use super::require_login::is_browser;
use super::return_to::ReturnTo;
use super::{FeideLogin, LoginConfigError};
use crate::answer::Answer;
use crate::body::ResponseBody;
use crate::gate::{Gate, GateFuture, Verdict};
use crate::session::{FeideSession, SessionUnavailable};
use tracing::field::Empty;

/// Longest accepted `acr` value, and most values in one list.
const MAX_ACR_LEN: usize = 256;
const MAX_ACR_VALUES: usize = 8;

/// Lets a request through only when its session (of this login) is strong and recent enough:
/// its `acr` is one of the accepted levels and/or it authenticated at most a given time ago.
/// Make it with [`FeideLogin::require_acr`] or [`FeideLogin::require_recent_login`]; it must be
/// wrapped by [`FeideLoginLayer`](super::FeideLoginLayer), like
/// [`RequireLoginLayer`](super::RequireLoginLayer).
///
/// A request whose session falls short:
///
/// - a browser (as [`RequireLoginLayer`](super::RequireLoginLayer) tells them apart) is sent
///   straight to the provider with `acr_values` (the accepted levels), and, for the age,
///   `max_age` and `prompt=login`; the login returns to the same path and query, and its new
///   session replaces the old. The ID token must then show one of the levels (`acr`) and a
///   recent enough `auth_time`, else the login fails with the usual error page;
/// - an API caller gets `401` with the RFC 9470 challenge,
///   `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values="…"`
///   and/or `max_age="…"`, and a JSON body with the same `error`.
///
/// Without a session: browsers go to the same step-up login; API callers get the usual `401`
/// `login_required` (and `503` when the session store could not answer).
///
/// ```no_run
/// # async fn run(login: feide_tower::login::FeideLogin) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use axum::{Router, routing::get};
/// use feide_tower::login::FEIDE_MFA_ACR;
///
/// let app: Router = Router::new()
///     // Feide's multi-factor level.
///     .route("/mfa", get(|| async { "strong" }).route_layer(login.require_acr([FEIDE_MFA_ACR])?))
///     // Signed in within the last 5 minutes, whatever the level.
///     .route(
///         "/transfer",
///         get(|| async { "fresh" })
///             .route_layer(login.require_recent_login(Duration::from_secs(300))?),
///     )
///     .layer(login.layer());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RequireAuthLevelLayer {
    login: FeideLogin,
    policy: Arc<Levels>,
}

/// What a route requires.
#[derive(Debug, Default)]
struct Levels {
    /// Accepted `acr` values, as sent in `acr_values` (space-separated); `None`: any.
    acr: Option<String>,
    /// Longest time since the user authenticated.
    max_age: Option<u64>,
}

/// Whether `value` can be one `acr` value: visible ASCII, no space, quote or backslash (it goes
/// into a query string and a quoted `WWW-Authenticate` parameter).
fn is_acr_value(value: &str) -> bool {
    (1..=MAX_ACR_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| matches!(b, b'!'..=b'~') && b != b'"' && b != b'\\')
}

impl FeideLogin {
    /// A layer for routes that need an authentication level: the session's `acr` must be one
    /// of `levels`. List every level that will do (for an ordered scale, the required level
    /// and each higher one), in the order the provider should prefer them: they are sent as
    /// `acr_values`. For Feide's multi-factor authentication:
    /// `login.require_acr([FEIDE_MFA_ACR])`. See [`RequireAuthLevelLayer`].
    ///
    /// # Errors
    ///
    /// [`LoginConfigError::InvalidAcr`] for an empty list, more than 8 values, or a value that
    /// is empty, longer than 256 bytes, or has a space, `"`, `\` or a non-ASCII character.
    pub fn require_acr<I>(&self, levels: I) -> Result<RequireAuthLevelLayer, LoginConfigError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        RequireAuthLevelLayer::new(self.clone()).acr(levels)
    }

    /// A layer for routes that need a recent authentication: the session's user must have
    /// authenticated at the provider at most `max_age` ago (whole seconds, at most a year).
    /// See [`RequireAuthLevelLayer`].
    ///
    /// # Errors
    ///
    /// [`LoginConfigError::InvalidLoginControl`] (`max_age`) when longer than a year.
    pub fn require_recent_login(
        &self,
        max_age: Duration,
    ) -> Result<RequireAuthLevelLayer, LoginConfigError> {
        RequireAuthLevelLayer::new(self.clone()).max_auth_age(max_age)
    }
}

impl RequireAuthLevelLayer {
    fn new(login: FeideLogin) -> Self {
        Self {
            login,
            policy: Arc::default(),
        }
    }

    /// Also requires one of these `acr` levels (see [`FeideLogin::require_acr`]).
    ///
    /// # Errors
    ///
    /// As [`FeideLogin::require_acr`].
    pub fn acr<I>(self, levels: I) -> Result<Self, LoginConfigError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let levels: Vec<String> = levels.into_iter().map(Into::into).collect();
        let valid =
            (1..=MAX_ACR_VALUES).contains(&levels.len()) && levels.iter().all(|l| is_acr_value(l));
        if !valid {
            return Err(LoginConfigError::InvalidAcr);
        }
        let acr = Some(levels.join(" "));
        Ok(self.with(|p| p.acr = acr))
    }

    /// Also requires an authentication at most `max_age` ago (see
    /// [`FeideLogin::require_recent_login`]).
    ///
    /// # Errors
    ///
    /// As [`FeideLogin::require_recent_login`].
    pub fn max_auth_age(self, max_age: Duration) -> Result<Self, LoginConfigError> {
        let secs = max_age.as_secs();
        if secs > MAX_MAX_AGE {
            return Err(LoginConfigError::InvalidLoginControl { setting: "max_age" });
        }
        Ok(self.with(|p| p.max_age = Some(secs)))
    }

    fn with(self, change: impl FnOnce(&mut Levels)) -> Self {
        let mut policy = Levels {
            acr: self.policy.acr.clone(),
            max_age: self.policy.max_age,
        };
        change(&mut policy);
        Self {
            login: self.login,
            policy: Arc::new(policy),
        }
    }

    /// What the session lacks: (`acr` too weak, authentication too old).
    fn shortfall(&self, session: &FeideSession, now: u64) -> (bool, bool) {
        let weak = self
            .policy
            .acr
            .as_deref()
            .is_some_and(|asked| !super::callback::acr_satisfies(session.acr(), asked));
        let old = self
            .policy
            .max_age
            .is_some_and(|max| now.saturating_sub(session.auth_time()) > max);
        (weak, old)
    }

    /// The answer to a request whose session is missing or falls short, or `None` to let it in.
    fn refusal<B>(&self, request: &Request<B>, now: u64) -> Option<Decision> {
        let extensions = request.extensions();
        let session = FeideSession::for_provider(extensions, self.login.name());
        let unavailable = extensions
            .get::<SessionUnavailable>()
            .is_some_and(|u| u.login() == self.login.name());
        let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        self.decision(session, unavailable, target, request.headers(), now)
    }

    /// The plain decision (for frameworks other than tower): `None` lets the request in,
    /// otherwise the answer to send. `session` is this login's session of the request
    /// ([`FeideLogin::session`]), `store_unavailable` whether its store could not say,
    /// `target` the request's path and query (where the step-up login returns), `headers` the
    /// request's (browser or API caller), `now` in Unix seconds.
    ///
    /// With [pushed authorization requests](super::FeideLoginBuilder::pushed_authorization_requests)
    /// a step-up login cannot start without waiting for the provider: this then answers 500 for
    /// it (the layer pushes).
    pub fn decide(
        &self,
        session: Option<&FeideSession>,
        store_unavailable: bool,
        target: &str,
        headers: &HeaderMap,
        now: u64,
    ) -> Option<Answer> {
        self.decision(session, store_unavailable, target, headers, now)
            .map(|decision| match decision {
                Decision::Answer(answer) => answer,
                Decision::Login(start) => start.redirect(),
            })
    }

    /// [`decide`](Self::decide), with the step-up login left to start (now, or after a push).
    ///
    /// One `feide.step_up` span (debug level): `outcome` = `allowed` | `step_up` (a browser
    /// sent to log in again) | `challenged` (an API caller's `401`) | `login_required` (no
    /// session) | `unavailable` (the store could not say); `reason` = `acr`, `auth_age` or
    /// `acr_and_auth_age` for what fell short, `store_unavailable`.
    fn decision(
        &self,
        session: Option<&FeideSession>,
        store_unavailable: bool,
        target: &str,
        headers: &HeaderMap,
        now: u64,
    ) -> Option<Decision> {
        let span = tracing::debug_span!(
            "feide.step_up",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        // Every event of the decision inside it (a `[feide.step_up]` filter selects them).
        let _entered = span.enter();
        let (weak, old) = match session {
            Some(session) => self.shortfall(session, now),
            None => (true, true),
        };
        if !weak && !old {
            span.record("outcome", "allowed");
            tracing::debug!("authentication strong and recent enough");
            return None;
        }
        if session.is_none() && store_unavailable {
            span.record("outcome", "unavailable");
            span.record("reason", "store_unavailable");
            tracing::debug!("session store unavailable");
            return Some(Decision::Answer(self.login.store_unavailable(headers)));
        }
        if session.is_some() {
            span.record(
                "reason",
                match (weak, old) {
                    (true, true) => "acr_and_auth_age",
                    (true, false) => "acr",
                    _ => "auth_age",
                },
            );
        }
        if !is_browser(headers) {
            if session.is_none() {
                span.record("outcome", "login_required");
                tracing::debug!("sign-in required");
                return Some(Decision::Answer(self.login.login_required(target, headers)));
            }
            span.record("outcome", "challenged");
            tracing::debug!(weak, old, "step-up challenge");
            return Some(Decision::Answer(self.challenge(weak, old)));
        }
        span.record(
            "outcome",
            if session.is_some() {
                "step_up"
            } else {
                "login_required"
            },
        );
        let controls = LoginControls {
            prompt: old.then(|| "login".to_owned()),
            max_age: self.policy.max_age,
            ui_locales: self.login.config.controls.ui_locales.clone(),
        };
        tracing::debug!(weak, old, "step-up login");
        Some(Decision::Login(StepUpStart {
            login: self.login.clone(),
            return_to: ReturnTo::parse_or_root(target),
            controls,
            acr: self.policy.acr.clone(),
        }))
    }

    /// RFC 9470 §3: `401` with `error="insufficient_user_authentication"` and what would do.
    fn challenge(&self, weak: bool, old: bool) -> Answer {
        let mut value = String::from(
            "Bearer error=\"insufficient_user_authentication\", \
             error_description=\"A stronger or more recent authentication is required\"",
        );
        if let Some(acr) = self.policy.acr.as_deref().filter(|_| weak) {
            value.push_str(&format!(", acr_values=\"{acr}\""));
        }
        if let Some(max_age) = self.policy.max_age.filter(|_| old) {
            value.push_str(&format!(", max_age=\"{max_age}\""));
        }
        let mut answer = Answer::json(
            StatusCode::UNAUTHORIZED,
            r#"{"error":"insufficient_user_authentication","error_description":"A stronger or more recent authentication is required"}"#,
        );
        // Every part was checked to be visible ASCII without quotes.
        if let Ok(value) = HeaderValue::try_from(value) {
            answer.headers.insert(WWW_AUTHENTICATE, value);
        }
        answer
    }
}

/// What a request that falls short gets: an answer now, or a step-up login to start.
enum Decision {
    Answer(Answer),
    Login(StepUpStart),
}

/// A step-up login, decided: where it returns, its controls and `acr_values`.
struct StepUpStart {
    login: FeideLogin,
    return_to: ReturnTo,
    controls: LoginControls,
    acr: Option<String>,
}

impl StepUpStart {
    /// The redirect to the provider now (500 when authorization requests must be pushed).
    fn redirect(self) -> Answer {
        let hint = self.login.config.login_hint.clone();
        self.login
            .begin_login(self.return_to, hint.as_deref(), &self.controls, self.acr)
    }

    /// The authorization request pushed (RFC 9126), then the redirect.
    async fn pushed(self) -> Answer {
        let hint = self.login.config.login_hint.clone();
        self.login
            .begin_login_async(self.return_to, hint.as_deref(), &self.controls, self.acr)
            .await
    }
}

/// The step-up login (pushed first), then nothing else: the layer's deferred answer.
type Deferred<F> = Pin<Box<dyn Future<Output = Verdict<F>> + Send>>;

impl<S> Layer<S> for RequireAuthLevelLayer {
    type Service = RequireAuthLevel<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuthLevel {
            gate: Gate::new(inner, self.clone()),
        }
    }
}

/// The service made by [`RequireAuthLevelLayer`].
#[derive(Clone, Debug)]
pub struct RequireAuthLevel<S> {
    gate: Gate<S, RequireAuthLevelLayer>,
}

impl<S> RequireAuthLevel<S> {
    crate::gate::inner_service_accessors!();
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireAuthLevel<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = RequireAuthLevelFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let now = crate::token::now().max(0) as u64;
        let state = match self.gate.policy().refusal(&request, now) {
            None => self.gate.pass(request, Vec::new()),
            Some(Decision::Answer(answer)) => GateFuture::answer(answer.into_reply()),
            Some(Decision::Login(start)) if start.login.pushes_authorization() => {
                // Pushed first (RFC 9126), then the redirect.
                GateFuture::later(Box::pin(async move {
                    Verdict::Answer(start.pushed().await.into_reply())
                }) as Deferred<S::Future>)
            }
            Some(Decision::Login(start)) => GateFuture::answer(start.redirect().into_reply()),
        };
        RequireAuthLevelFuture { state }
    }
}

pin_project! {
    /// The response future of [`RequireAuthLevel`].
    pub struct RequireAuthLevelFuture<F> {
        #[pin]
        state: GateFuture<F, Deferred<F>>,
    }
}

impl<F, ResBody, E> Future for RequireAuthLevelFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acr_values() {
        assert!(is_acr_value("urn:mace:feide.no:auth:level:fad08:3"));
        assert!(is_acr_value("1"));
        for bad in ["", "a b", "a\"b", "a\\b", "æ", "a\r\nb", &"a".repeat(257)] {
            assert!(!is_acr_value(bad), "{bad:?}");
        }
    }
}
