//! Which RFC 6750 refusal ([`Challenge`]) answers which [`BearerError`]: the bearer rules'
//! side of the challenge; the challenge itself (plain data and its rendering) sits below, shared
//! with the access guard and the actix bridge.

use std::time::Duration;

use http::StatusCode;

use super::error::BearerError;
pub use crate::denial::Challenge;
use crate::denial::challenge_header as header;
use crate::token::{ScopeRule, Scopes, TokenError};

/// How long a client should wait before retrying when the provider's keys are unavailable.
pub(crate) const RETRY_AFTER_UNAVAILABLE: Duration = Duration::from_secs(5);

impl Challenge {
    /// The answer to `error`, in protection space `realm`.
    ///
    /// | error | status | `WWW-Authenticate` |
    /// |---|---|---|
    /// | [`MissingToken`](BearerError::MissingToken) | 401 | `Bearer realm="…"` |
    /// | [`InvalidRequest`](BearerError::InvalidRequest) | 401 | `…, error="invalid_request"` |
    /// | [`InvalidToken`](BearerError::InvalidToken) | 401 | `…, error="invalid_token"` |
    /// | [`InsufficientScope`](BearerError::InsufficientScope) | 403 | `…, error="insufficient_scope", scope="…"` |
    /// | [`UserRequired`](BearerError::UserRequired) | 403 | `…, error="insufficient_scope", scope="…"` |
    /// | [`Unavailable`](BearerError::Unavailable) | 503 | none; `Retry-After: 5` |
    ///
    /// Descriptions are fixed sentences; the only variation is "expired" versus "invalid". Every
    /// 403 names the scopes required in `scope`: those missing, or, for a token without a user,
    /// those the layer requires (none named when it requires none).
    pub fn for_error(error: &BearerError, realm: &str) -> Challenge {
        match error {
            BearerError::MissingToken => Challenge::new(
                StatusCode::UNAUTHORIZED,
                Some(header(realm, &[])),
                "unauthorized",
                "A bearer access token is required",
            ),
            BearerError::InvalidRequest => Self::refusal(
                StatusCode::UNAUTHORIZED,
                realm,
                "invalid_request",
                MALFORMED,
                None,
            ),
            BearerError::InvalidToken(TokenError::Expired) => Self::refusal(
                StatusCode::UNAUTHORIZED,
                realm,
                "invalid_token",
                EXPIRED,
                None,
            ),
            BearerError::InvalidToken(_) => Self::refusal(
                StatusCode::UNAUTHORIZED,
                realm,
                "invalid_token",
                INVALID,
                None,
            ),
            BearerError::InsufficientScope { required, rule } => {
                Self::insufficient_scope(realm, required, *rule)
            }
            BearerError::UserRequired { required, .. } => {
                let scope = required.to_string();
                Self::refusal(
                    StatusCode::FORBIDDEN,
                    realm,
                    "insufficient_scope",
                    USER_REQUIRED,
                    (!required.is_empty()).then_some(scope.as_str()),
                )
            }
            BearerError::Unavailable => Challenge {
                retry_after: Some(RETRY_AFTER_UNAVAILABLE),
                ..Challenge::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    None,
                    "temporarily_unavailable",
                    UNAVAILABLE,
                )
            },
        }
    }

    /// 403 `insufficient_scope` naming the scopes `required` (all of them, or any one).
    pub fn insufficient_scope(realm: &str, required: &Scopes, rule: ScopeRule) -> Challenge {
        let description = match rule {
            ScopeRule::AllOf => "The access token lacks a scope this resource requires",
            ScopeRule::AnyOf => "The access token has none of the scopes this resource accepts",
        };
        let scope = required.to_string();
        Self::refusal(
            StatusCode::FORBIDDEN,
            realm,
            "insufficient_scope",
            description,
            Some(&scope),
        )
    }
}

const MALFORMED: &str = "The Authorization header is malformed";
const EXPIRED: &str = "The access token has expired";
const INVALID: &str = "The access token is invalid";
const USER_REQUIRED: &str = "The access token is not issued on behalf of a user";
const UNAVAILABLE: &str = "The access token cannot be verified right now; try again later";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::denial::quote_into;
    use http::header::{CACHE_CONTROL, RETRY_AFTER, WWW_AUTHENTICATE};

    fn www(c: &Challenge) -> &str {
        c.www_authenticate.as_ref().unwrap().to_str().unwrap()
    }

    #[test]
    fn missing_token_has_no_error_code() {
        let c = Challenge::for_error(&BearerError::MissingToken, "api");
        assert_eq!(c.status, StatusCode::UNAUTHORIZED);
        assert_eq!(www(&c), r#"Bearer realm="api""#);
    }

    #[test]
    fn parameters_are_comma_separated_and_quoted() {
        let c = Challenge::for_error(&BearerError::InvalidToken(TokenError::Malformed), "a\"b\\c");
        assert_eq!(
            www(&c),
            r#"Bearer realm="a\"b\\c", error="invalid_token", error_description="The access token is invalid""#
        );
        let body: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(body["error"], "invalid_token");
    }

    #[test]
    fn control_characters_never_reach_the_header() {
        let mut s = String::new();
        quote_into(&mut s, "x\r\ny\u{7f}æ");
        assert_eq!(s, "\"xy\"");
    }

    #[test]
    fn insufficient_scope_names_the_scopes() {
        let c = Challenge::for_error(
            &BearerError::InsufficientScope {
                required: Scopes::parse("read write"),
                rule: ScopeRule::AllOf,
            },
            "api",
        );
        assert_eq!(c.status, StatusCode::FORBIDDEN);
        assert!(www(&c).ends_with(r#", scope="read write""#), "{}", www(&c));
    }

    #[test]
    fn the_refusal_of_a_client_token_names_the_required_scopes() {
        let refusal = |scopes: &str| {
            Challenge::for_error(
                &BearerError::UserRequired {
                    required: Scopes::parse(scopes),
                    rule: ScopeRule::AnyOf,
                },
                "api",
            )
        };
        let c = refusal("read write");
        assert_eq!(c.status, StatusCode::FORBIDDEN);
        assert_eq!(
            www(&c),
            r#"Bearer realm="api", error="insufficient_scope", error_description="The access token is not issued on behalf of a user", scope="read write""#
        );
        assert!(
            !www(&refusal("")).contains("scope=\""),
            "{}",
            www(&refusal(""))
        );
    }

    #[test]
    fn unavailable_is_503_with_retry_after() {
        let c = Challenge::for_error(&BearerError::Unavailable, "api");
        let response = c.to_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "5");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
    }
}
