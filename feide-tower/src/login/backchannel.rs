//! The back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.5, §2.8): the
//! provider posts a logout token, and the sessions it names end on every replica.

use crate::telemetry::labels::RevocationCause;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, StatusCode};

use super::FeideLogin;
use super::decision_span;
use super::logout_token::Refusal;
use super::revocations::Revoked;
use crate::answer::Answer;
use tracing::Instrument as _;
use tracing::field::Empty;

/// Largest accepted request body: a logout token is about a kilobyte.
pub(crate) const MAX_BACKCHANNEL_BODY: usize = 64 * 1024;

impl FeideLogin {
    /// Handles a back-channel logout request (the
    /// [back-channel path](super::FeideLoginBuilder::backchannel_logout_path), which the layer
    /// answers itself): `headers` and the whole `body` of the provider's `POST`.
    ///
    /// The body must be `application/x-www-form-urlencoded` with exactly one `logout_token`,
    /// which must be a valid logout token of the provider for this client, never seen before
    /// (see [`FeideLoginBuilder::logout_token_max_age`](super::FeideLoginBuilder::logout_token_max_age)
    /// for every check). Then the sessions of its `sid` end or, with only a `sub`, every
    /// session of that user: deleted from the [session store](super::FeideLoginBuilder::session_store)
    /// when there is one (every replica refuses them within the
    /// [revocation bound](super::FeideLoginBuilder::revocation_bound)), else put on this
    /// process's revocation list.
    ///
    /// Answers (all with `Cache-Control: no-store`): `200` when the sessions are ended (also
    /// when none was found); `400` with `{"error":"invalid_request","error_description":…}`
    /// for a refused token or body, and nothing is revoked; `503` with
    /// `{"error":"temporarily_unavailable"}` and `Retry-After` when the provider's keys or the
    /// store cannot be reached, and the token is not counted as used, so the provider's retry
    /// is accepted.
    ///
    /// One `feide.backchannel_logout` span (debug level): `outcome` = `ended` | `refused` |
    /// `unavailable`, `reason` for a refusal (the token's reason code, `replayed`,
    /// `invalid_request`, `not_enabled`, `keys_unavailable`, `store_unavailable`); never the token.
    pub async fn backchannel_logout(&self, headers: &HeaderMap, body: &[u8]) -> Answer {
        let span = backchannel_span();
        let answer = self
            .backchannel_logout_in(headers, body)
            .instrument(span.clone())
            .await;
        decision_span::finish(&span, answer, "ended")
    }

    async fn backchannel_logout_in(&self, headers: &HeaderMap, body: &[u8]) -> Answer {
        let token = match logout_token_of(headers, body) {
            Ok(token) => token,
            Err(description) => {
                decision_span::reason("invalid_request");
                return refused(description);
            }
        };
        let cfg = &*self.config;
        let Some(provider_logout) = cfg.provider_logout.as_ref() else {
            decision_span::reason("not_enabled");
            return refused("back-channel logout is not enabled");
        };
        let now = crate::token::now();
        let notice = match provider_logout.tokens.accept(&token, now).await {
            Ok(notice) => notice,
            Err(Refusal::Invalid(error)) => {
                decision_span::reason(error.kind());
                tracing::info!(reason = error.kind(), %error, "back-channel logout token refused");
                return refused(&format!("the logout token is not valid: {error}"));
            }
            Err(Refusal::Replayed) => {
                decision_span::reason("replayed");
                tracing::warn!(
                    reason = "replayed",
                    "back-channel logout token refused: already used"
                );
                return refused("the logout token was already used");
            }
            Err(Refusal::Unavailable(what)) => {
                decision_span::reason(if what == "the session store" {
                    "store_unavailable"
                } else {
                    "keys_unavailable"
                });
                tracing::warn!(unavailable = what, "back-channel logout not carried out");
                return unavailable();
            }
        };
        let whom = match (&notice.sid, &notice.sub) {
            (Some(sid), _) => Revoked::Sid(sid),
            (None, Some(sub)) => Revoked::Sub(sub),
            // The token's kind requires one of them.
            (None, None) => {
                decision_span::reason("invalid_request");
                return refused("the logout token names neither sid nor sub");
            }
        };
        match self
            .end_provider_sessions(whom, RevocationCause::Backchannel)
            .await
        {
            Ok(_) => {
                let mut answer = Answer::page(StatusCode::OK, String::new());
                answer.headers.remove(CONTENT_TYPE);
                answer
            }
            Err(error) => {
                decision_span::reason("store_unavailable");
                tracing::warn!(%error, "back-channel logout not carried out");
                provider_logout.tokens.forget(&notice).await;
                unavailable()
            }
        }
    }
}

/// The span of one back-channel logout request.
fn backchannel_span() -> tracing::Span {
    tracing::debug_span!(
        "feide.backchannel_logout",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    )
}

/// The `logout_token` of a form-encoded body, or why there is none.
fn logout_token_of(headers: &HeaderMap, body: &[u8]) -> Result<String, &'static str> {
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err("the body must be application/x-www-form-urlencoded");
    }
    if body.len() > MAX_BACKCHANNEL_BODY {
        return Err("the body is too large");
    }
    let mut token = None;
    for (name, value) in form_urlencoded::parse(body) {
        if name == "logout_token" {
            if token.is_some() {
                return Err("logout_token is repeated");
            }
            token = Some(value.into_owned());
        }
    }
    token
        .filter(|t| !t.is_empty())
        .ok_or("logout_token is missing")
}

/// `400` with an OAuth-style error; `description` names what is wrong, never a value.
pub(crate) fn refused(description: &str) -> Answer {
    let body = serde_json::json!({
        "error": "invalid_request",
        "error_description": description,
    });
    Answer::json(StatusCode::BAD_REQUEST, body.to_string())
}

/// `503`: the provider should try again.
fn unavailable() -> Answer {
    let mut answer = Answer::json(
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"error":"temporarily_unavailable"}"#,
    );
    answer
        .headers
        .insert(RETRY_AFTER, HeaderValue::from_static("5"));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        headers
    }

    #[test]
    fn the_token_comes_from_a_form_once() {
        assert_eq!(
            logout_token_of(&form(), b"logout_token=a.b.c&x=y").as_deref(),
            Ok("a.b.c")
        );
        assert_eq!(
            logout_token_of(&form(), b"logout_token=a&logout_token=b"),
            Err("logout_token is repeated")
        );
        assert_eq!(
            logout_token_of(&form(), b"x=y"),
            Err("logout_token is missing")
        );
        assert_eq!(
            logout_token_of(&form(), b"logout_token="),
            Err("logout_token is missing")
        );
        assert!(logout_token_of(&HeaderMap::new(), b"logout_token=a").is_err());
        let big = vec![b'a'; MAX_BACKCHANNEL_BODY + 1];
        assert_eq!(logout_token_of(&form(), &big), Err("the body is too large"));
    }

    #[test]
    fn refusals_are_json_and_not_cached() {
        let answer = refused("logout_token is missing");
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.headers[CONTENT_TYPE], "application/json");
        assert_eq!(answer.headers[http::header::CACHE_CONTROL], "no-store");
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(body["error"], "invalid_request");
    }
}
