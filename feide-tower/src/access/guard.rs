//! [`AccessGuard`]: the bearer-or-session decision as a plain async function on plain types.

use std::fmt;
use std::sync::Arc;

use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue};

use super::identity::Identity;
use super::judge::BearerJudge;
use crate::denial::{Denial, ErrorRenderer, SharedRenderer};
use crate::login::FeideLogin;
use crate::session::FeideSession;
use tracing::field::Empty;
use tracing::{Instrument as _, Span};

/// Decides whether a request to a route serving both browsers and API clients gets in, and as
/// which [`Identity`] (flask-pyoidc's `access_control`).
///
/// - A request with **any** `Authorization` header (whatever the scheme) is judged by the bearer
///   rules only: an invalid, expired or under-scoped token gets the RFC 6750 answer and is never
///   downgraded to the session cookie. (`Basic ...` gets the bearer answer for a missing token.)
/// - Without one, the session decides: a valid session lets the request in; otherwise browsers
///   are redirected to the login page and API callers get `401 login_required`. A session cookie
///   that fails to open is deleted with the answer.
/// - In [optional](AccessGuardBuilder::optional) mode a request with neither credential passes
///   as anonymous (no identity). A present-but-invalid bearer token is still refused; a broken
///   session cookie passes as anonymous, and the cookie is deleted with the response.
///
/// Cheap to clone. [`AccessLayer`](super::AccessLayer) is the tower wrapper.
#[derive(Clone)]
pub struct AccessGuard {
    inner: Arc<Config>,
}

struct Config {
    bearer: BearerJudge,
    login: FeideLogin,
    optional: bool,
    renderer: Option<SharedRenderer>,
}

/// A request let in by [`AccessGuard::decide`].
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Who the request speaks for; `None` for an anonymous request in optional mode.
    pub identity: Option<Identity>,
    /// `Set-Cookie` headers for the response (a refreshed or deleted session cookie).
    pub set_cookies: Vec<HeaderValue>,
}

impl fmt::Debug for AccessGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessGuard")
            .field("bearer", &self.inner.bearer)
            .field("login", &self.inner.login)
            .field("optional", &self.inner.optional)
            .field("renderer", &self.inner.renderer.is_some())
            .finish()
    }
}

/// Configures an [`AccessGuard`], following the crate's construction convention:
/// [`AccessGuard::builder`]`(bearer, login)`, settings, [`build`](Self::build)`()` gives the
/// guard (infallible: its parts were checked when they were built), then
/// [`AccessGuard::layer`] the tower layer.
pub struct AccessGuardBuilder {
    config: Config,
}

impl fmt::Debug for AccessGuardBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessGuardBuilder")
            .field("optional", &self.config.optional)
            .finish_non_exhaustive()
    }
}

impl AccessGuardBuilder {
    /// Optional authentication: a request with neither an `Authorization` header nor a valid
    /// session passes as anonymous instead of being refused. Default off.
    pub fn optional(mut self, on: bool) -> Self {
        self.config.optional = on;
        self
    }

    /// Renders the body of refusals (see [`ErrorRenderer`]). Status, `WWW-Authenticate`,
    /// `Location`, `Set-Cookie` and `Retry-After` stay the guard's.
    pub fn render_body(mut self, renderer: impl ErrorRenderer) -> Self {
        self.config.renderer = Some(SharedRenderer::new(renderer));
        self
    }

    /// The guard; [`AccessGuard::layer`] gives the tower layer over it.
    ///
    /// Infallible, unlike the other builders: the bearer check and the login it combines were
    /// checked when they were built, and nothing set here can be wrong.
    pub fn build(self) -> AccessGuard {
        AccessGuard {
            inner: Arc::new(self.config),
        }
    }

    /// The guard as a tower layer: `build().layer()` in one step.
    pub fn layer(self) -> super::AccessLayer {
        super::AccessLayer::new(self.build())
    }
}

impl AccessGuard {
    /// Starts configuring a guard that judges bearer tokens with `bearer` (a
    /// [`BearerAuthorizer`](crate::bearer::BearerAuthorizer) for JWTs, or an
    /// [`Introspector`](crate::introspection::Introspector) for opaque tokens) and sessions
    /// with `login`.
    pub fn builder(bearer: impl Into<BearerJudge>, login: FeideLogin) -> AccessGuardBuilder {
        AccessGuardBuilder {
            config: Config {
                bearer: bearer.into(),
                login,
                optional: false,
                renderer: None,
            },
        }
    }

    /// The tower layer over this guard (cheap: the guard is shared, not copied).
    pub fn layer(&self) -> super::AccessLayer {
        super::AccessLayer::new(self.clone())
    }

    /// The login whose sessions this guard accepts.
    pub(crate) fn login(&self) -> &FeideLogin {
        &self.inner.login
    }

    /// Whether anonymous requests pass.
    pub fn is_optional(&self) -> bool {
        self.inner.optional
    }

    /// The renderer of refusal bodies, if one was configured.
    pub fn renderer(&self) -> Option<&dyn ErrorRenderer> {
        self.inner.renderer.as_ref().map(SharedRenderer::as_dyn)
    }

    /// Decides for a request to `target` (its path and query, for the login redirect's
    /// `return_to`) with `headers`, opening the session cookie if needed.
    pub async fn decide(&self, target: &str, headers: &HeaderMap) -> Result<Access, Denial> {
        self.decide_with_session(target, headers, None).await
    }

    /// Like [`decide`](Self::decide), with the session already opened by an outer
    /// [`FeideLoginLayer`](crate::login::FeideLoginLayer) (then the cookie is not opened again).
    ///
    /// One `feide.access` span (debug level) per decision: `outcome` = `bearer` | `session` |
    /// `anonymous` (let in without an identity: [`optional`](AccessGuardBuilder::optional)) |
    /// `refused` (a bearer token refused; `reason` = [`BearerError::kind`](crate::bearer::BearerError::kind),
    /// `unavailable` when the keys or the provider could not be reached) | `login_required` |
    /// `unavailable` (the session store could not say; `reason` = `store_unavailable`). The
    /// bearer and session decisions inside are its children.
    pub async fn decide_with_session(
        &self,
        target: &str,
        headers: &HeaderMap,
        session: Option<FeideSession>,
    ) -> Result<Access, Denial> {
        let span = tracing::debug_span!(
            "feide.access",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        let decided = self
            .decide_in(target, headers, session, &span)
            .instrument(span.clone())
            .await;
        span.in_scope(|| tracing::debug!("access decided"));
        decided
    }

    async fn decide_in(
        &self,
        target: &str,
        headers: &HeaderMap,
        session: Option<FeideSession>,
        span: &Span,
    ) -> Result<Access, Denial> {
        let cfg = &*self.inner;
        if headers.contains_key(AUTHORIZATION) {
            return match cfg.bearer.authorize(headers).await {
                Ok(principal) => {
                    span.record("outcome", "bearer");
                    Ok(Access {
                        identity: Some(Identity::Bearer(principal)),
                        set_cookies: Vec::new(),
                    })
                }
                Err(error) => {
                    span.record("outcome", "refused");
                    span.record("reason", error.kind());
                    Err(Denial::Bearer(cfg.bearer.challenge(&error)))
                }
            };
        }
        let (session, set_cookies) = match session {
            Some(session) => (Some(session), Vec::new()),
            None if cfg.login.stores_sessions() => {
                let lookup = match cfg.login.session_refreshed(headers).await {
                    Ok(lookup) => lookup,
                    Err(answer) => {
                        span.record("outcome", "unavailable");
                        span.record("reason", "provider_unreachable");
                        return Err(Denial::Login(answer));
                    }
                };
                if lookup.store_error.is_some() && lookup.session.is_none() {
                    span.record("outcome", "unavailable");
                    span.record("reason", "store_unavailable");
                    return Err(Denial::Login(cfg.login.store_unavailable(headers)));
                }
                (lookup.session, lookup.set_cookies)
            }
            None => {
                let lookup = cfg.login.session(headers);
                (lookup.session, lookup.set_cookies)
            }
        };
        match session {
            Some(session) => {
                span.record("outcome", "session");
                Ok(Access {
                    identity: Some(Identity::Session(session)),
                    set_cookies,
                })
            }
            None if cfg.optional => {
                span.record("outcome", "anonymous");
                Ok(Access {
                    identity: None,
                    set_cookies,
                })
            }
            None => {
                span.record("outcome", "login_required");
                let mut answer = cfg.login.login_required(target, headers);
                for cookie in set_cookies {
                    answer.headers.append(http::header::SET_COOKIE, cookie);
                }
                Err(Denial::Login(answer))
            }
        }
    }
}
