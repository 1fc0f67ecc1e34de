//! RFC 6750 §3 answers as plain data: status, `WWW-Authenticate`, `Retry-After` and a small JSON
//! body. The tower layer renders them with `http` 1 types; a bridge to another framework (actix-web
//! uses `http` 0.2) renders the same data with its own.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use super::error::BearerError;
use crate::token::{ScopeRule, Scopes, TokenError};

/// How long a client should wait before retrying when the provider's keys are unavailable.
pub const RETRY_AFTER_UNAVAILABLE: Duration = Duration::from_secs(5);

/// A refusal, ready to be sent: status, headers and body as plain values.
///
/// Every challenge carries `Content-Type: application/json` and `Cache-Control: no-store`
/// (see [`headers`](Self::headers)). Nothing in it is taken from the request: no token, no claim.
///
/// ```
/// use feide_tower::bearer::{BearerError, Challenge};
///
/// let challenge = Challenge::for_error(&BearerError::MissingToken, "api");
/// assert_eq!(challenge.status, 401);
/// assert_eq!(challenge.www_authenticate.unwrap(), r#"Bearer realm="api""#);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Challenge {
    /// 401, 403 or 503.
    pub status: StatusCode,
    /// The `WWW-Authenticate` value (absent on 503, which is not an authentication failure).
    pub www_authenticate: Option<HeaderValue>,
    /// How long to wait before retrying (503 only); rendered as whole seconds in `Retry-After`.
    pub retry_after: Option<Duration>,
    /// The `Content-Type` of the body: `application/json`, unless an
    /// [`ErrorRenderer`](crate::access::ErrorRenderer) supplied the body.
    pub content_type: HeaderValue,
    /// `{"error": "...", "error_description": "..."}`, or the renderer's body.
    pub body: Bytes,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

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

    fn refusal(
        status: StatusCode,
        realm: &str,
        error: &str,
        description: &str,
        scope: Option<&str>,
    ) -> Challenge {
        let mut params = vec![("error", error), ("error_description", description)];
        params.extend(scope.map(|s| ("scope", s)));
        Challenge::new(status, Some(header(realm, &params)), error, description)
    }

    fn new(
        status: StatusCode,
        www_authenticate: Option<HeaderValue>,
        error: &str,
        error_description: &str,
    ) -> Challenge {
        let body = serde_json::to_vec(&ErrorBody {
            error,
            error_description,
        })
        // Serializing two strings cannot fail; an empty body would still be a correct refusal.
        .unwrap_or_default();
        Challenge {
            status,
            www_authenticate,
            retry_after: None,
            content_type: HeaderValue::from_static("application/json"),
            body: Bytes::from(body),
        }
    }

    /// Every header of the answer: `WWW-Authenticate` (if any), `Retry-After` (if any),
    /// `Content-Type` and `Cache-Control: no-store`.
    pub fn headers(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        let fixed = [
            (CONTENT_TYPE, self.content_type.clone()),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ];
        let www = self
            .www_authenticate
            .iter()
            .map(|v| (WWW_AUTHENTICATE, v.clone()));
        let retry = self
            .retry_after
            .map(|d| (RETRY_AFTER, HeaderValue::from(d.as_secs().max(1))));
        www.chain(retry).chain(fixed)
    }

    /// The answer as an `http` response.
    pub fn to_response(&self) -> Response<Full<Bytes>> {
        self.render(Full::new)
    }

    fn render<T>(&self, body: impl FnOnce(Bytes) -> T) -> Response<T> {
        let mut response = Response::new(body(self.body.clone()));
        *response.status_mut() = self.status;
        response.headers_mut().extend(self.headers());
        response
    }
}

const MALFORMED: &str = "The Authorization header is malformed";
const EXPIRED: &str = "The access token has expired";
const INVALID: &str = "The access token is invalid";
const USER_REQUIRED: &str = "The access token is not issued on behalf of a user";
const UNAVAILABLE: &str = "The access token cannot be verified right now; try again later";

/// `Bearer realm="…"` followed by `, name="value"` for each parameter (RFC 7235 §2.1).
fn header(realm: &str, params: &[(&str, &str)]) -> HeaderValue {
    let mut value = String::from("Bearer realm=");
    quote_into(&mut value, realm);
    for (name, param) in params {
        value.push_str(", ");
        value.push_str(name);
        value.push('=');
        quote_into(&mut value, param);
    }
    HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

/// Appends `s` as an RFC 7230 quoted-string: `"` and `\` escaped, anything that is not visible
/// ASCII or a space dropped (so the value is always a valid header value).
pub(crate) fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {}
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

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
