//! [`Denial`] (why a request was refused, as plain data) and [`ErrorRenderer`] (custom bodies),
//! used by [`AccessLayer`](super::AccessLayer), [`BearerJwtLayer`](crate::bearer::BearerJwtLayer)
//! and [`FeideLoginLayer`](crate::login::FeideLoginLayer) alike.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::bearer::Challenge;
use crate::body::{self, ResponseBody};
use crate::gate::Answer;
use crate::login::{LoginFailure, LoginResponse};

/// Why a request was refused or a sign-in failed, as plain data: what an [`ErrorRenderer`] is
/// given.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Denial {
    /// The bearer rules refused the request (RFC 6750: 401, 403 or 503).
    Bearer(Challenge),
    /// The request needs a signed-in user and has none: a redirect to the login path for
    /// browsers, `401 login_required` for API callers.
    Login(LoginResponse),
    /// The login flow itself failed (cancelled at the provider, an expired or replayed callback,
    /// the provider unavailable, a refused sign-out...): an error page.
    LoginFailed(LoginFailure),
}

impl Denial {
    /// The status of the answer (fixed: a renderer cannot change it).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Bearer(challenge) => challenge.status,
            Self::Login(response) => response.status,
            Self::LoginFailed(failure) => failure.page.status,
        }
    }

    /// The default body (`{"error": ...}` JSON, or empty for redirects).
    pub fn default_body(&self) -> &Bytes {
        match self {
            Self::Bearer(challenge) => &challenge.body,
            Self::Login(response) => &response.body,
            Self::LoginFailed(failure) => &failure.page.body,
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
            Self::LoginFailed(failure) => failure.page.headers.clone(),
        }
    }

    /// The answer as an `http` response: ours, with the body (and `Content-Type`) from
    /// `renderer` if one is given. The renderer runs first; status, `WWW-Authenticate`,
    /// `Location`, `Set-Cookie`, `Retry-After` and `Cache-Control` are ours whatever it does.
    pub fn into_response<B>(
        self,
        renderer: Option<&dyn ErrorRenderer>,
    ) -> Response<ResponseBody<B>> {
        self.into_answer(renderer).map(body::own)
    }

    /// [`into_response`](Self::into_response), as the layers' own answer.
    pub(crate) fn into_answer(self, renderer: Option<&dyn ErrorRenderer>) -> Answer {
        let (status, headers, body) = self.rendered(renderer);
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }

    /// Status, headers and body of the answer, the body (and `Content-Type`) from `renderer`.
    fn rendered(self, renderer: Option<&dyn ErrorRenderer>) -> (StatusCode, HeaderMap, Bytes) {
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
        (status, headers, body)
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
/// Give one to [`AccessGuardBuilder::render_body`](super::AccessGuardBuilder::render_body),
/// [`BearerBuilder::render_body`](crate::bearer::BearerBuilder::render_body) or
/// [`FeideLoginBuilder::render_body`](crate::login::FeideLoginBuilder::render_body).
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

/// A renderer held by a layer's configuration (shared, cheap to clone).
#[derive(Clone)]
pub(crate) struct SharedRenderer(Arc<dyn ErrorRenderer>);

impl SharedRenderer {
    pub(crate) fn new(renderer: impl ErrorRenderer) -> Self {
        Self(Arc::new(renderer))
    }

    /// The renderer itself.
    pub(crate) fn as_dyn(&self) -> &dyn ErrorRenderer {
        &*self.0
    }

    /// `challenge` with the rendered body and `Content-Type`; status and headers unchanged.
    pub(crate) fn challenge(&self, mut challenge: Challenge) -> Challenge {
        let (content_type, body) = self.0.render(&Denial::Bearer(challenge.clone()));
        challenge.content_type = content_type;
        challenge.body = body;
        challenge
    }

    /// The login flow's answer for `denial`, with the rendered body.
    pub(crate) fn login(&self, denial: Denial) -> LoginResponse {
        let (status, headers, body) = denial.rendered(Some(self.as_dyn()));
        LoginResponse {
            status,
            headers,
            body,
        }
    }
}

impl fmt::Debug for SharedRenderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorRenderer")
    }
}
