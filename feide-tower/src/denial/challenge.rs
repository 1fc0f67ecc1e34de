//! [`Challenge`]: an RFC 6750 §3 refusal as plain data: status, `WWW-Authenticate`, `Retry-After`
//! and a small JSON body. The tower layers render it with `http` 1 types; a bridge to another
//! framework renders the same data (or its [`Answer`]) with its own. Which refusal answers which
//! bearer error is decided in `bearer` ([`Challenge::for_error`]).

use std::time::Duration;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use crate::answer::Answer;

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
    /// [`ErrorRenderer`](crate::ErrorRenderer) supplied the body.
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
    pub(crate) fn refusal(
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

    pub(crate) fn new(
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

    /// The refusal as the plain [`Answer`] the login flow, the access guard and bridges render.
    pub fn answer(&self) -> Answer {
        Answer {
            status: self.status,
            headers: self.headers().collect::<HeaderMap>(),
            body: self.body.clone(),
        }
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

/// `Bearer realm="…"` followed by `, name="value"` for each parameter (RFC 7235 §2.1).
pub(crate) fn header(realm: &str, params: &[(&str, &str)]) -> HeaderValue {
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
