//! `/logout`: delete the session cookies, then RP-initiated logout at the provider.

use http::header::ORIGIN;
use http::{HeaderMap, Method, StatusCode};

use super::FeideLogin;
use super::decision_span;
use super::values::CsrfState;
use crate::answer::Answer;
use crate::session::cookie::request_cookies;
use crate::telemetry;
use crate::telemetry::labels::RevocationCause;
use tracing::Instrument as _;
use tracing::field::Empty;

impl FeideLogin {
    /// Logs out (the logout route).
    ///
    /// `POST` always; `GET` only if [`allow_get_logout`](super::FeideLoginBuilder::allow_get_logout)
    /// is on. A `POST` whose `Origin` is another site is refused. The session cookies are deleted
    /// and the browser is sent to the provider's `end_session_endpoint` with `id_token_hint`, the
    /// configured `post_logout_redirect_uri` and a `state`; without an end-session endpoint, to
    /// the post-logout URI or the after-logout path.
    ///
    /// With a [session store](super::FeideLoginBuilder::session_store) the stored session must
    /// be deleted, which takes the store: use [`sign_out`](Self::sign_out) (as the layer does).
    /// Called anyway, this answers `500` and signs nobody out.
    ///
    /// One `feide.logout` span (debug level): `outcome` = `logged_out` | `refused` |
    /// `unavailable` | `misconfigured`, `reason` for a refusal.
    pub fn logout(&self, method: &Method, headers: &HeaderMap) -> Answer {
        let span = logout_span();
        let answer = span.in_scope(|| self.logout_in(method, headers));
        decision_span::finish(&span, answer, "logged_out")
    }

    fn logout_in(&self, method: &Method, headers: &HeaderMap) -> Answer {
        if let Some(refusal) = self.logout_allowed(method, headers) {
            return refusal;
        }
        if self.config.stored.is_some() {
            decision_span::reason("misconfigured");
            tracing::error!("logout() cannot delete a stored session: call sign_out()");
            return Answer::json(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":"server_error"}"#,
            );
        }
        let session = self.session(headers).session;
        self.logged_out(method, headers, session)
    }

    /// Logs out (the logout route), for cookie and stored sessions alike: as
    /// [`logout`](Self::logout), and with a [session store](super::FeideLoginBuilder::session_store)
    /// the stored session is deleted first, so the same cookie is refused on every replica
    /// within the [revocation bound](super::FeideLoginBuilder::revocation_bound). A store that
    /// cannot answer gets `503` with `Retry-After` and the cookie kept: the user is told, not
    /// signed out on this browser only.
    ///
    /// The same `feide.logout` span as `logout`.
    pub async fn sign_out(&self, method: &Method, headers: &HeaderMap) -> Answer {
        let span = logout_span();
        let answer = self
            .sign_out_in(method, headers)
            .instrument(span.clone())
            .await;
        decision_span::finish(&span, answer, "logged_out")
    }

    async fn sign_out_in(&self, method: &Method, headers: &HeaderMap) -> Answer {
        if let Some(refusal) = self.logout_allowed(method, headers) {
            return refusal;
        }
        if self.config.stored.is_none() {
            let session = self.session(headers).session;
            return self.logged_out(method, headers, session);
        }
        match self.take_stored(headers).await {
            Ok(session) => self.logged_out(method, headers, session),
            Err(error) => {
                decision_span::reason("store_unavailable");
                tracing::warn!(%error, "logout failed: session store unavailable");
                self.store_unavailable(headers)
            }
        }
    }

    /// The refusal of a logout request that may not log out; `None` to go on.
    fn logout_allowed(&self, method: &Method, headers: &HeaderMap) -> Option<Answer> {
        let cfg = &*self.config;
        let allowed = *method == Method::POST || (*method == Method::GET && cfg.allow_get_logout);
        if !allowed {
            return Some(Answer::method_not_allowed(if cfg.allow_get_logout {
                "GET, POST"
            } else {
                "POST"
            }));
        }
        if *method == Method::POST
            && let Some(origin) = headers.get(ORIGIN)
            && origin.as_bytes() != cfg.paths.origin.as_bytes()
        {
            decision_span::reason("cross_origin_logout");
            tracing::warn!(reason = "cross_origin_logout", "logout refused");
            return Some(cfg.failure(
                StatusCode::FORBIDDEN,
                "cross_origin_logout",
                "Sign-out refused",
                "Sign-out must come from this site.".into(),
                "/",
            ));
        }
        None
    }

    /// The answer of an allowed logout of `session`: delete the cookies, go to the provider.
    fn logged_out(
        &self,
        method: &Method,
        headers: &HeaderMap,
        session: Option<crate::session::FeideSession>,
    ) -> Answer {
        let cfg = &*self.config;
        let clear = cfg
            .session
            .options
            .clear_cookies(
                &cfg.session.chunker,
                &cfg.session.name,
                request_cookies(headers),
            )
            .unwrap_or_default();
        let status = if *method == Method::POST {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FOUND
        };
        let end_session = cfg
            .provider
            .metadata()
            .end_session_endpoint
            .as_deref()
            .and_then(|e| url::Url::parse(e).ok());
        let location = match end_session {
            Some(mut url) => {
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("client_id", &cfg.client_id);
                    if let Some(session) = &session {
                        q.append_pair("id_token_hint", session.data().id_token.expose());
                    }
                    if let Some(uri) = &cfg.post_logout_redirect_uri {
                        q.append_pair("post_logout_redirect_uri", uri);
                    }
                    q.append_pair("state", CsrfState::random().as_str());
                }
                url.to_string()
            }
            None => cfg
                .post_logout_redirect_uri
                .clone()
                .unwrap_or_else(|| cfg.paths.after_logout.clone()),
        };
        tracing::info!(had_session = session.is_some(), "logout");
        if session.is_some() {
            telemetry::revocation(RevocationCause::Logout);
        }
        Answer::redirect(status, &location).with_cookies(clear)
    }
}

/// The span of one logout (`logout` or `sign_out`).
fn logout_span() -> tracing::Span {
    tracing::debug_span!(
        "feide.logout",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    )
}
