//! Refusals as plain data, below every layer that refuses: [`Answer`]-shaped [`Challenge`]s (RFC
//! 6750), [`LoginFailure`]s, the [`Denial`] that holds either (or a login redirect), and the
//! [`ErrorRenderer`] that writes custom bodies for all of them. Used by
//! [`AccessLayer`](crate::access::AccessLayer), [`BearerJwtLayer`](crate::bearer::BearerJwtLayer)
//! and [`FeideLoginLayer`](crate::login::FeideLoginLayer) alike.

mod challenge;
mod login_failure;
mod renderer;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::Full;

pub use challenge::Challenge;
pub(crate) use challenge::header as challenge_header;
#[cfg(test)]
pub(crate) use challenge::quote_into;
pub use login_failure::LoginFailure;
pub use renderer::ErrorRenderer;
pub(crate) use renderer::SharedRenderer;

use crate::answer::Answer;
use crate::body::{self, ResponseBody};
use crate::gate::Reply;

/// Why a request was refused or a sign-in failed, as plain data: what an [`ErrorRenderer`] is
/// given.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Denial {
    /// The bearer rules refused the request (RFC 6750: 401, 403 or 503).
    Bearer(Challenge),
    /// The request needs a signed-in user and has none: a redirect to the login path for
    /// browsers, `401 login_required` for API callers.
    Login(Answer),
    /// The login flow itself failed (cancelled at the provider, an expired or replayed callback,
    /// the provider unavailable, a refused sign-out...): an error page.
    LoginFailed(LoginFailure),
    /// An authorization guard ([`crate::authorization`]) refused a signed-in user or a caller:
    /// `403` (an HTML page for browsers, `{"error":"forbidden"}` for API callers) or `503` when
    /// Feide's APIs could not say who the user is.
    Authorization(Answer),
}

impl Denial {
    /// The status of the answer (fixed: a renderer cannot change it).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Bearer(challenge) => challenge.status,
            Self::Login(response) => response.status,
            Self::LoginFailed(failure) => failure.page.status,
            Self::Authorization(answer) => answer.status,
        }
    }

    /// The default body (`{"error": ...}` JSON, or empty for redirects).
    pub fn default_body(&self) -> &Bytes {
        match self {
            Self::Bearer(challenge) => &challenge.body,
            Self::Login(response) => &response.body,
            Self::LoginFailed(failure) => &failure.page.body,
            Self::Authorization(answer) => &answer.body,
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
            Self::Authorization(answer) => answer.headers.clone(),
        }
    }

    /// The answer as an `http` response: ours, with the body (and `Content-Type`) from
    /// `renderer` if one is given. The renderer runs first; status, `WWW-Authenticate`,
    /// `Location`, `Set-Cookie`, `Retry-After` and `Cache-Control` are ours whatever it does.
    pub fn into_response<B>(
        self,
        renderer: Option<&dyn ErrorRenderer>,
    ) -> Response<ResponseBody<B>> {
        self.into_reply(renderer).map(body::own)
    }

    /// [`into_response`](Self::into_response), as the layers' own answer.
    pub(crate) fn into_reply(self, renderer: Option<&dyn ErrorRenderer>) -> Reply {
        let (status, headers, body) = self.rendered(renderer);
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }

    /// Status, headers and body of the answer, the body (and `Content-Type`) from `renderer`.
    pub(crate) fn rendered(
        self,
        renderer: Option<&dyn ErrorRenderer>,
    ) -> (StatusCode, HeaderMap, Bytes) {
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
