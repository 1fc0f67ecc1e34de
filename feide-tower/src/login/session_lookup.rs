//! Every other request: open the session cookie, if any. Sync and allocation-light: this runs
//! on every request that passes through the login layer.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use super::FeideLogin;
use crate::session::{Envelope, FeideSession, SessionData, request_cookies};
use crate::token::now;

/// The session of a request, and the cookies to write back with its response.
#[derive(Debug, Default)]
pub struct SessionLookup {
    /// The signed-in user, if the request carries a valid session.
    pub session: Option<FeideSession>,
    /// `Set-Cookie` headers for the response: the refreshed session (activity, key rotation),
    /// or deletions of a session that failed to open.
    pub set_cookies: Vec<HeaderValue>,
}

impl FeideLogin {
    /// Opens the session cookie(s) of a request.
    ///
    /// Any failure (tampered, truncated, wrong key, expired, idle, too many chunks) means "not
    /// logged in", and the stale cookies are deleted with the response.
    pub fn session(&self, headers: &HeaderMap) -> SessionLookup {
        let cfg = &*self.config;
        let name = cfg.session_cookie.as_str();
        let value = match cfg.chunker.join(name, request_cookies(headers)) {
            Ok(None) => return SessionLookup::default(),
            Ok(Some(value)) => value,
            Err(_) => return self.clear(headers, "chunks"),
        };
        let now = now() as u64;
        let mut envelope: Envelope<SessionData> =
            match cfg.codec.open_envelope(name, &value, now, cfg.idle_timeout) {
                Ok(envelope) => envelope,
                Err(error) => {
                    tracing::debug!(%error, "session cookie refused");
                    return self.clear(headers, "open");
                }
            };
        let mut set_cookies = Vec::new();
        let stale = cfg.idle_timeout.is_some() && envelope.touch_after(now, cfg.touch_interval);
        if (stale || envelope.sealed_with_old_key())
            && let Ok(value) = cfg.codec.reseal_envelope(name, &envelope)
        {
            set_cookies = cfg
                .session_options
                .set_cookies(&cfg.chunker, name, &value, request_cookies(headers))
                .unwrap_or_default();
        }
        let expires_at = envelope.expires_at;
        SessionLookup {
            session: Some(FeideSession::new(Arc::new(envelope.data), expires_at)),
            set_cookies,
        }
    }

    fn clear(&self, headers: &HeaderMap, reason: &'static str) -> SessionLookup {
        let cfg = &*self.config;
        tracing::debug!(reason, "clearing unusable session cookies");
        let set_cookies = cfg
            .session_options
            .clear_cookies(&cfg.chunker, &cfg.session_cookie, request_cookies(headers))
            .unwrap_or_default();
        SessionLookup {
            session: None,
            set_cookies,
        }
    }
}
