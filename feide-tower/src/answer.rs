//! [`Answer`]: a response as plain data (status, headers, body) that any framework can render: what
//! the login flow answers, what a bearer [`Challenge`](crate::bearer::Challenge) becomes, what the
//! actix bridge copies field by field.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::body::{self, ResponseBody};
use crate::gate::Reply;

/// A response as plain data: status, headers (`Location`, `Set-Cookie`, ...) and body.
///
/// The tower layer turns it into an `http::Response`; the actix bridge copies it field by field.
/// Every login response carries `Cache-Control: no-store`.
///
/// Its `Set-Cookie` values (sealed sessions and login flows) and its `Location` (which can carry
/// `id_token_hint`, `state` and `nonce`) are credentials: they are marked sensitive, so `Debug`
/// prints `Sensitive` in their place. Read them with [`location`](Self::location) or from
/// [`headers`](Self::headers).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// Headers, including one `Set-Cookie` per cookie to write or delete.
    pub headers: HeaderMap,
    /// The body (empty for redirects).
    pub body: Bytes,
}

impl Answer {
    /// A redirect (`302 Found` for GET flows, `303 See Other` after a POST).
    pub(crate) fn redirect(status: StatusCode, location: &str) -> Self {
        let mut headers = HeaderMap::new();
        match HeaderValue::try_from(location) {
            Ok(mut value) => {
                // The logout redirect carries the ID token, the login redirect state and nonce.
                value.set_sensitive(true);
                headers.insert(LOCATION, value);
            }
            // Every location is built from checked parts; if one were not header-safe, send the
            // user home rather than fail.
            Err(_) => {
                headers.insert(LOCATION, HeaderValue::from_static("/"));
            }
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Self {
            status,
            headers,
            body: Bytes::new(),
        }
    }

    /// A small HTML page.
    pub(crate) fn page(status: StatusCode, html: String) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Self {
            status,
            headers,
            body: Bytes::from(html),
        }
    }

    /// A small JSON answer for API callers (`{"error": ...}`).
    pub(crate) fn json(status: StatusCode, json: impl Into<String>) -> Self {
        let mut response = Self::page(status, json.into());
        response
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }

    /// `405 Method Not Allowed` with `Allow`.
    pub(crate) fn method_not_allowed(allow: &'static str) -> Self {
        let mut response = Self::page(StatusCode::METHOD_NOT_ALLOWED, String::new());
        response
            .headers
            .insert(http::header::ALLOW, HeaderValue::from_static(allow));
        response
    }

    /// Adds `Set-Cookie` headers, marked sensitive (they are already when rendered by
    /// `CookieOptions`; this keeps it so whatever the source).
    pub(crate) fn with_cookies(mut self, cookies: impl IntoIterator<Item = HeaderValue>) -> Self {
        for mut cookie in cookies {
            cookie.set_sensitive(true);
            self.headers.append(SET_COOKIE, cookie);
        }
        self
    }

    /// The `Location` header, if this is a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// Renders as an `http::Response` with feide-tower's body type.
    pub fn into_response<B>(self) -> Response<ResponseBody<B>> {
        self.into_reply().map(body::own)
    }

    /// [`into_response`](Self::into_response), as the layers' own answer.
    pub(crate) fn into_reply(self) -> Reply {
        let mut response = Response::new(Full::new(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_neither_cookies_nor_the_location() {
        let response = Answer::redirect(
            StatusCode::SEE_OTHER,
            "https://op.example/end?id_token_hint=eyJ.secret-id-token.sig",
        )
        .with_cookies([HeaderValue::from_static(
            "feide_session=v1.sealed-secret; Path=/",
        )]);
        let printed = format!("{response:?} {response:#?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("Sensitive"));
        assert_eq!(
            response.location(),
            Some("https://op.example/end?id_token_hint=eyJ.secret-id-token.sig")
        );
        assert_eq!(
            response.headers[SET_COOKIE],
            "feide_session=v1.sealed-secret; Path=/"
        );
    }
}
