//! [`LoginFailure`]: why the login flow stopped, and the error page that says so.

use http::StatusCode;

use super::config::LoginConfig;
use super::pages::error_page;
use crate::answer::Answer;
use crate::denial::Denial;
pub use crate::denial::LoginFailure;

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
    ) -> Answer {
        let page = error_page(status, title, &message, retry_href);
        self.rendered(reason, title, message, page)
    }

    /// `page` (a default failure answer), or its body from the configured renderer.
    pub(crate) fn rendered(
        &self,
        reason: &'static str,
        title: &'static str,
        message: String,
        page: Answer,
    ) -> Answer {
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
