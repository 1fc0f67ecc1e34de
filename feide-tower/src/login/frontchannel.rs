//! The front-channel logout endpoint (OpenID Connect Front-Channel Logout 1.0 §2, §3): the
//! provider's sign-out page frames it in the user's browser, with `iss` and `sid`.

use crate::telemetry::labels::RevocationCause;
use http::header::CONTENT_SECURITY_POLICY;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::FeideLogin;
use super::decision_span;
use super::pages::{error_page, unavailable_page};
use super::revocations::Revoked;
use super::session_span::Refusal;
use crate::answer::Answer;
use tracing::Instrument as _;
use tracing::field::Empty;

impl FeideLogin {
    /// Handles a front-channel logout request (the
    /// [front-channel path](super::FeideLoginBuilder::frontchannel_logout_path), which the
    /// layer answers itself): the `query` and `headers` of the provider's framed `GET`.
    ///
    /// With `iss` and `sid` (required when the provider's discovery says
    /// `frontchannel_logout_session_supported`): `iss` must be this login's provider, and every
    /// session of that provider session ends, as for
    /// [back-channel logout](Self::backchannel_logout). Without them (a provider that does not
    /// send them): the session of the browser's own cookie ends, if it sends one.
    ///
    /// The answer is a small page that also deletes the session cookies, with
    /// `Cache-Control: no-store` and `Content-Security-Policy: default-src 'none';
    /// frame-ancestors <the provider's origin>`: only the provider may frame it. A wrong or
    /// repeated parameter gets `400`, and nothing is revoked; a store that cannot answer,
    /// `503`.
    ///
    /// The request carries no signature (the specification has none): whoever knows a
    /// provider session id can end its sessions here, as at the provider. Browsers do not send
    /// `SameSite=Lax` cookies into a frame of another site, so the `sid` is what ends sessions
    /// when the provider is another site; the cookie deletions take effect when it is the same
    /// site.
    ///
    /// One `feide.frontchannel_logout` span (debug level): `outcome` = `ended` | `refused` |
    /// `unavailable`, `reason` for a refusal (`not_enabled`, `invalid_request`, `wrong_issuer`,
    /// `missing_parameter`, `store_unavailable`); never the `sid`.
    pub async fn frontchannel_logout(&self, query: Option<&str>, headers: &HeaderMap) -> Answer {
        let span = tracing::debug_span!(
            "feide.frontchannel_logout",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        let answer = self
            .frontchannel_logout_in(query, headers)
            .instrument(span.clone())
            .await;
        decision_span::finish(&span, answer, "ended")
    }

    async fn frontchannel_logout_in(&self, query: Option<&str>, headers: &HeaderMap) -> Answer {
        let cfg = &*self.config;
        let Some(provider_logout) = cfg.provider_logout.as_ref() else {
            decision_span::reason("not_enabled");
            return error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "Front-channel logout is not enabled.",
                "/",
            );
        };
        let frameable = |mut answer: Answer| {
            let policy = format!(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors {}",
                provider_logout.provider_origin
            );
            if let Ok(value) = HeaderValue::try_from(policy) {
                answer.headers.insert(CONTENT_SECURITY_POLICY, value);
            }
            answer
        };
        let (iss, sid) = match params(query) {
            Ok(found) => found,
            Err(message) => {
                decision_span::reason("invalid_request");
                return frameable(bad_request(message));
            }
        };
        let session_supported = cfg
            .provider
            .metadata()
            .frontchannel_logout_session_supported;
        let ended = match (iss.as_deref(), sid.as_deref()) {
            (Some(iss), Some(sid)) => {
                if iss != cfg.provider.issuer() {
                    decision_span::reason("wrong_issuer");
                    tracing::info!(reason = "wrong_issuer", "front-channel logout refused");
                    return frameable(bad_request("The iss parameter is not this app's provider."));
                }
                self.end_provider_sessions(Revoked::Sid(sid), RevocationCause::Frontchannel)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            (None, None) if !session_supported => self
                .end_browser_session(headers)
                .await
                .map_err(|e| e.to_string()),
            _ => {
                decision_span::reason("missing_parameter");
                tracing::info!(reason = "missing_parameter", "front-channel logout refused");
                return frameable(bad_request("Front-channel logout needs both iss and sid."));
            }
        };
        if let Err(error) = ended {
            decision_span::reason("store_unavailable");
            tracing::warn!(%error, "front-channel logout not carried out");
            return frameable(unavailable_page(
                headers,
                self.login_path(),
                "Sign-out unavailable",
                "Signing you out of this service failed for now. Please try again shortly.",
                5,
            ));
        }
        let clear = cfg
            .session
            .clear(headers, Refusal::FrontchannelLogout)
            .set_cookies;
        let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Signed out</title></head><body><p>Signed out.</p></body></html>";
        frameable(Answer::page(StatusCode::OK, page.to_owned()).with_cookies(clear))
    }

    /// Ends the session of the browser's own cookie, if it sends one (a provider that does not
    /// name the session).
    async fn end_browser_session(&self, headers: &HeaderMap) -> Result<(), String> {
        let cfg = &*self.config;
        if cfg.stored.is_some() {
            return self
                .take_stored(headers)
                .await
                .map(drop)
                .map_err(|e| e.to_string());
        }
        let session = self.session(headers).session;
        let sid = session
            .as_ref()
            .and_then(|s| s.data().claims.get("sid"))
            .and_then(|v| v.as_str());
        if let Some(sid) = sid {
            self.end_provider_sessions(Revoked::Sid(sid), RevocationCause::Frontchannel)
                .await
                .map_err(|e| e.to_string())?;
        }
        // A cookie session without a `sid` ends with its cookie, deleted by the answer.
        Ok(())
    }
}

/// `iss` and `sid` of the query, each at most once.
fn params(query: Option<&str>) -> Result<(Option<String>, Option<String>), &'static str> {
    let (mut iss, mut sid) = (None, None);
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match &*name {
            "iss" => &mut iss,
            "sid" => &mut sid,
            _ => continue,
        };
        if slot.is_some() {
            return Err("A parameter is repeated.");
        }
        if value.is_empty() {
            return Err("A parameter is empty.");
        }
        *slot = Some(value.into_owned());
    }
    Ok((iss, sid))
}

fn bad_request(message: &str) -> Answer {
    error_page(StatusCode::BAD_REQUEST, "Sign-out failed", message, "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iss_and_sid_come_once_each() {
        assert_eq!(
            params(Some("iss=https%3A%2F%2Fop&sid=s1&x=1")),
            Ok((Some("https://op".into()), Some("s1".into())))
        );
        assert_eq!(params(None), Ok((None, None)));
        assert!(params(Some("sid=a&sid=b")).is_err());
        assert!(params(Some("iss=&sid=b")).is_err());
    }
}
