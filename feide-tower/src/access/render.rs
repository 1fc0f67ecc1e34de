//! [`Denial`] (why a request was refused, as plain data) and [`ErrorRenderer`] (custom bodies).

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::bearer::Challenge;
use crate::body::{self, ResponseBody};
use crate::login::LoginResponse;

/// A refusal of [`AccessGuard`](super::AccessGuard): the bearer rules' RFC 6750 answer, or the
/// login's answer (a redirect for browsers, `401 login_required` for API callers).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Denial {
    /// The request had an `Authorization` header and the bearer rules refused it.
    Bearer(Challenge),
    /// The request had no `Authorization` header and no (valid) session.
    Login(LoginResponse),
}

impl Denial {
    /// The status of the answer (fixed: a renderer cannot change it).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Bearer(challenge) => challenge.status,
            Self::Login(response) => response.status,
        }
    }

    /// The default body (`{"error": ...}` JSON, or empty for redirects).
    pub fn default_body(&self) -> &Bytes {
        match self {
            Self::Bearer(challenge) => &challenge.body,
            Self::Login(response) => &response.body,
        }
    }

    /// Whether this is a redirect to the login page (a browser without a session).
    pub fn is_redirect(&self) -> bool {
        self.status().is_redirection()
    }

    /// Every header of the default answer: `WWW-Authenticate`, `Retry-After`, `Location`,
    /// `Set-Cookie`, `Content-Type`, `Cache-Control`.
    pub fn headers(&self) -> HeaderMap {
        match self {
            Self::Bearer(challenge) => challenge.headers().collect(),
            Self::Login(response) => response.headers.clone(),
        }
    }

    /// The answer as an `http` response: ours, with the body (and `Content-Type`) from
    /// `renderer` if one is given. The renderer runs first; status, `WWW-Authenticate`,
    /// `Location`, `Set-Cookie`, `Retry-After` and `Cache-Control` are ours whatever it does.
    pub fn into_response<B>(
        self,
        renderer: Option<&dyn ErrorRenderer>,
    ) -> Response<ResponseBody<B>> {
        let rendered = renderer.map(|r| r.render(&self));
        let status = self.status();
        let mut headers = self.headers();
        let body = match rendered {
            Some((content_type, body)) => {
                headers.insert(CONTENT_TYPE, content_type);
                body
            }
            None => self.default_body().clone(),
        };
        headers.remove(CONTENT_LENGTH);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let mut response = Response::new(body::full(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

/// Renders the body of a [`Denial`]: returns its `Content-Type` and bytes. Only the body is
/// yours; status and the protocol headers are copied from the default answer afterwards.
///
/// Any `Fn(&Denial) -> (HeaderValue, Bytes)` is one:
///
/// ```
/// use bytes::Bytes;
/// use feide_tower::access::{Denial, ErrorRenderer};
/// use http::HeaderValue;
///
/// let renderer = |denial: &Denial| {
///     let html = format!("<h1>Sorry ({})</h1>", denial.status().as_u16());
///     (HeaderValue::from_static("text/html; charset=utf-8"), Bytes::from(html))
/// };
/// # fn check(_: &dyn ErrorRenderer) {}
/// # check(&renderer);
/// ```
///
/// Never echo request data (tokens, cookies) into the body.
pub trait ErrorRenderer: Send + Sync + 'static {
    /// The `Content-Type` and body of the answer to `denial`.
    fn render(&self, denial: &Denial) -> (HeaderValue, Bytes);
}

impl<F> ErrorRenderer for F
where
    F: Fn(&Denial) -> (HeaderValue, Bytes) + Send + Sync + 'static,
{
    fn render(&self, denial: &Denial) -> (HeaderValue, Bytes) {
        self(denial)
    }
}
