//! [`RequireLoginLayer`]: routes that need a signed-in user.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{ACCEPT, AUTHORIZATION};
use http::{HeaderMap, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::tenants::{Logins, unknown_host};
use super::{FeideLogin, LoginConfigError};
use crate::answer::Answer;
use crate::body::ResponseBody;
use crate::gate::{Gate, GateFuture, Never};
use crate::session::{FeideSession, SessionUnavailable};
use tracing::Span;
use tracing::field::Empty;

/// Lets a request through only with a [`FeideSession`] in its extensions (put there by
/// [`FeideLoginLayer`](super::FeideLoginLayer), which must wrap this layer).
///
/// Without one, browsers (an `Accept` that includes `text/html` and no `Authorization` header)
/// are redirected to `/login?return_to=<path>`; API callers get `401` with a small JSON body.
/// Make it with [`FeideLogin::require_login`](super::FeideLogin::require_login).
///
/// With several logins in one app, the session must be this login's (its
/// [name](super::FeideLoginBuilder::name)) unless [`any_provider`](Self::any_provider) is set,
/// and browsers are sent to this login's path unless [`redirect_to`](Self::redirect_to) names a
/// page of the app where the user picks one.
#[derive(Clone, Debug)]
pub struct RequireLoginLayer {
    logins: Logins,
    policy: Arc<Policy>,
}

/// What the guard accepts and where it sends browsers.
#[derive(Debug, Default)]
struct Policy {
    /// A page of the app instead of the login path.
    redirect_to: Option<String>,
    /// Whether any login's session will do.
    any_provider: bool,
}

impl RequireLoginLayer {
    pub(crate) fn new(login: FeideLogin) -> Self {
        Self::from_logins(Logins::One(login))
    }

    /// The layer for one login or [several, by host](super::Tenants).
    pub(crate) fn from_logins(logins: Logins) -> Self {
        Self {
            logins,
            policy: Arc::default(),
        }
    }

    /// Sends browsers without a session to `path` (a path of this app, e.g. a page where the
    /// user picks a provider) instead of this login's path, with the same
    /// `return_to=<path and query of the request>` appended (`?` or `&`).
    ///
    /// The page should pass `return_to` on unchanged to the login path the user picks
    /// (`/feide/login?return_to=...`); the login checks it there (same-origin path only), so
    /// the chooser need not. Refused unless `path` starts with a single `/` and has only
    /// visible ASCII without `\`.
    ///
    /// ```no_run
    /// # fn run(feide: feide_tower::login::FeideLogin) -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Router, routing::get};
    ///
    /// let guard = feide.require_login().any_provider().redirect_to("/choose")?;
    /// let app: Router = Router::new()
    ///     .route("/me", get(|| async { "signed in" }).route_layer(guard));
    /// # Ok(()) }
    /// ```
    pub fn redirect_to(self, path: impl Into<String>) -> Result<Self, LoginConfigError> {
        let path = path.into();
        let valid = path.starts_with('/')
            && !path.starts_with("//")
            && path.bytes().all(|b| matches!(b, b'!'..=b'~') && b != b'\\');
        if !valid {
            return Err(LoginConfigError::RedirectNotAPath { path });
        }
        Ok(self.with(|p| p.redirect_to = Some(path)))
    }

    /// Accepts the session of any login of the app, not only this one's (for routes any
    /// signed-in user may see, typically with [`redirect_to`](Self::redirect_to) a chooser).
    pub fn any_provider(self) -> Self {
        self.with(|p| p.any_provider = true)
    }

    fn with(self, change: impl FnOnce(&mut Policy)) -> Self {
        let mut policy = Policy {
            redirect_to: self.policy.redirect_to.clone(),
            any_provider: self.policy.any_provider,
        };
        change(&mut policy);
        Self {
            logins: self.logins,
            policy: Arc::new(policy),
        }
    }
}

impl<S> Layer<S> for RequireLoginLayer {
    type Service = RequireLogin<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireLogin {
            gate: Gate::new(inner, self.clone()),
        }
    }
}

/// The service made by [`RequireLoginLayer`].
#[derive(Clone, Debug)]
pub struct RequireLogin<S> {
    gate: Gate<S, RequireLoginLayer>,
}

impl<S> RequireLogin<S> {
    crate::gate::inner_service_accessors!();
}

impl RequireLoginLayer {
    /// The answer to a request without the session this guard needs, or `None` to let it in.
    fn refusal<B>(&self, request: &Request<B>) -> Option<Answer> {
        // With tenants, the request's host's login (an unknown host never got this far: the
        // login layer answered it).
        let Some(login) = self.logins.for_request(request) else {
            return Some(unknown_host());
        };
        let extensions = request.extensions();
        let signed_in = if self.policy.any_provider {
            extensions.get::<FeideSession>().is_some()
        } else {
            FeideSession::for_provider(extensions, login.name()).is_some()
        };
        if signed_in {
            return None;
        }
        // The store could not say whether this request is signed in: not "signed out".
        if extensions
            .get::<SessionUnavailable>()
            .is_some_and(|u| self.policy.any_provider || u.login() == login.name())
        {
            return Some(login.store_unavailable(request.headers()));
        }
        let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let page = self
            .policy
            .redirect_to
            .as_deref()
            .unwrap_or(&login.config.paths.login);
        Some(login.login_required_at(page, target, request.headers()))
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireLogin<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = RequireLoginFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // Debug level and recorded only when enabled: this runs on every protected request.
        let span = tracing::debug_span!(
            "feide.require_login",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        let refusal = self.gate.policy().refusal(&request);
        if !span.is_disabled() {
            observe(&span, refusal.as_ref());
        }
        let state = match refusal {
            Some(answer) => GateFuture::answer(answer.into_reply()),
            None => self.gate.pass(request, Vec::new()),
        };
        RequireLoginFuture { state }
    }
}

/// Records a `feide.require_login` decision: `outcome` = `allowed` | `login_required` |
/// `unavailable` (the session store could not say; `reason` = `store_unavailable`) |
/// `refused` (`reason` = `unknown_host`), and emits one event.
fn observe(span: &Span, refusal: Option<&Answer>) {
    let Some(answer) = refusal else {
        span.record("outcome", "allowed");
        span.in_scope(|| tracing::debug!("signed in"));
        return;
    };
    match answer.status {
        StatusCode::SERVICE_UNAVAILABLE => {
            span.record("outcome", "unavailable");
            span.record("reason", "store_unavailable");
        }
        StatusCode::MISDIRECTED_REQUEST => {
            span.record("outcome", "refused");
            span.record("reason", "unknown_host");
        }
        _ => {
            span.record("outcome", "login_required");
        }
    }
    span.in_scope(|| tracing::debug!("sign-in required"));
}

pin_project! {
    /// The response future of [`RequireLogin`].
    pub struct RequireLoginFuture<F> {
        #[pin]
        state: GateFuture<F, Never<F>>,
    }
}

impl<F, ResBody, E> Future for RequireLoginFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}

/// Whether the caller is a browser navigating (gets a redirect) rather than an API client.
pub(super) fn is_browser(headers: &HeaderMap) -> bool {
    !headers.contains_key(AUTHORIZATION)
        && headers
            .get_all(ACCEPT)
            .iter()
            .any(|v| v.to_str().is_ok_and(|s| s.contains("text/html")))
}

impl FeideLogin {
    /// The answer to a request that needs a user and has none: browsers are redirected to the
    /// login path with `return_to=<target>` (the request's path and query); API callers get `401`
    /// with `{"error":"login_required"}`.
    ///
    /// With a [`render_body`](super::FeideLoginBuilder::render_body) renderer, the body is the
    /// renderer's ([`Denial::Login`](crate::denial::Denial::Login)).
    pub fn login_required(&self, target: &str, headers: &HeaderMap) -> Answer {
        self.login_required_at(&self.config.paths.login, target, headers)
    }

    /// [`login_required`](Self::login_required), sending browsers to `page` (the login path or
    /// an app-defined chooser) instead.
    fn login_required_at(&self, page: &str, target: &str, headers: &HeaderMap) -> Answer {
        let response = self.default_login_required(page, target, headers);
        match &self.config.renderer {
            Some(renderer) => renderer.login(crate::denial::Denial::Login(response)),
            None => response,
        }
    }

    fn default_login_required(&self, page: &str, target: &str, headers: &HeaderMap) -> Answer {
        if is_browser(headers) {
            let return_to: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
            let separator = if page.contains('?') { '&' } else { '?' };
            return Answer::redirect(
                StatusCode::FOUND,
                &format!("{page}{separator}return_to={return_to}"),
            );
        }
        Answer::json(
            StatusCode::UNAUTHORIZED,
            r#"{"error":"login_required","error_description":"Sign in first"}"#,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderValue;

    use super::*;
    use crate::Provider;

    async fn login() -> FeideLogin {
        let provider = Provider::builder("http://127.0.0.1:9")
            .discovery(false)
            .jwks_uri("http://127.0.0.1:9/jwks")
            .authorization_endpoint("http://127.0.0.1:9/authorize")
            .token_endpoint("http://127.0.0.1:9/token")
            .client("client", "secret")
            .timeout(Duration::from_millis(200))
            .build()
            .await
            .unwrap();
        FeideLogin::builder(&provider)
            .redirect_uri("http://127.0.0.1:8080/callback")
            .secret_keys("v7+rpONHTSlzZ6Q/mdSuQSbMSi5egNukDpGGHrxXYaQ=")
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn the_chooser_must_be_a_path_of_this_site() {
        let login = login().await;
        for good in ["/choose", "/login/pick?lang=nb"] {
            assert!(login.require_login().redirect_to(good).is_ok(), "{good}");
        }
        for bad in [
            "choose",
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example/",
            "/a b",
            "/a\r\nSet-Cookie: x=1",
            "",
        ] {
            assert!(login.require_login().redirect_to(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn return_to_is_appended_to_the_chooser() {
        let login = login().await;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/html"));
        let location = |page: &str| {
            let answer = login.login_required_at(page, "/a?b=c&d", &headers);
            answer.headers[http::header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(location("/choose"), "/choose?return_to=%2Fa%3Fb%3Dc%26d");
        assert_eq!(
            location("/choose?x=1"),
            "/choose?x=1&return_to=%2Fa%3Fb%3Dc%26d"
        );
    }
}
