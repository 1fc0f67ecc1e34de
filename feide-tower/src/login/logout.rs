//! `/logout`: delete the session cookies, then RP-initiated logout at the provider.

use http::header::ORIGIN;
use http::{HeaderMap, Method, StatusCode};

use super::FeideLogin;
use super::values::CsrfState;
use crate::answer::Answer;
use crate::session::cookie::request_cookies;

impl FeideLogin {
    /// Logs out (the logout route).
    ///
    /// `POST` always; `GET` only if [`allow_get_logout`](super::FeideLoginBuilder::allow_get_logout)
    /// is on. A `POST` whose `Origin` is another site is refused. The session cookies are deleted
    /// and the browser is sent to the provider's `end_session_endpoint` with `id_token_hint`, the
    /// configured `post_logout_redirect_uri` and a `state`; without an end-session endpoint, to
    /// the post-logout URI or the after-logout path.
    pub fn logout(&self, method: &Method, headers: &HeaderMap) -> Answer {
        let cfg = &*self.config;
        let allowed = *method == Method::POST || (*method == Method::GET && cfg.allow_get_logout);
        if !allowed {
            return Answer::method_not_allowed(if cfg.allow_get_logout {
                "GET, POST"
            } else {
                "POST"
            });
        }
        if *method == Method::POST
            && let Some(origin) = headers.get(ORIGIN)
            && origin.as_bytes() != cfg.paths.origin.as_bytes()
        {
            tracing::warn!(reason = "cross_origin_logout", "logout refused");
            return cfg.failure(
                StatusCode::FORBIDDEN,
                "cross_origin_logout",
                "Sign-out refused",
                "Sign-out must come from this site.".into(),
                "/",
            );
        }
        let session = self.session(headers).session;
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
        Answer::redirect(status, &location).with_cookies(clear)
    }
}
