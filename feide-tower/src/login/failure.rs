//! [`LoginFailure`]: why the login flow stopped, and the error page that says so.

use http::StatusCode;

use super::config::LoginConfig;
use super::pages::error_page;
use super::response::LoginResponse;
use crate::access::Denial;

/// Why the login flow could not go on (a sign-in cancelled at the provider, an expired or
/// replayed callback, the provider unavailable, a refused sign-out), as plain data: what a
/// [`render_body`](super::FeideLoginBuilder::render_body) renderer is given as
/// [`Denial::LoginFailed`]. Never carries request data (codes, tokens, cookies).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoginFailure {
    /// A stable code for the kind of failure: `access_denied` (cancelled or refused at the
    /// provider), `provider_error` (another error reported by the provider),
    /// `unknown_or_replayed_state` (an expired, replayed or forged callback),
    /// `invalid_response` (a malformed callback or unusable ID token), `mfa_required`,
    /// `unavailable` (the provider could not be reached or answered garbage), `session_too_large`,
    /// `cross_origin_logout`, `misconfigured`.
    pub reason: &'static str,
    /// The default page's title, e.g. "Sign-in cancelled".
    pub title: &'static str,
    /// The default page's sentence for the user.
    pub message: String,
    /// The default answer: status, headers (`Set-Cookie` deletions included) and HTML body.
    pub page: LoginResponse,
}

impl LoginConfig {
    /// The answer for a failure: the default page, or its body from the configured renderer.
    /// `retry_href` is the page's "Sign in again" link.
    pub(crate) fn failure(
        &self,
        status: StatusCode,
        reason: &'static str,
        title: &'static str,
        message: String,
        retry_href: &str,
    ) -> LoginResponse {
        let page = error_page(status, title, &message, retry_href);
        self.rendered(reason, title, message, page)
    }

    /// `page` (a default failure answer), or its body from the configured renderer.
    pub(crate) fn rendered(
        &self,
        reason: &'static str,
        title: &'static str,
        message: String,
        page: LoginResponse,
    ) -> LoginResponse {
        match &self.renderer {
            Some(renderer) => renderer.login(Denial::LoginFailed(LoginFailure {
                reason,
                title,
                message,
                page,
            })),
            None => page,
        }
    }
}
