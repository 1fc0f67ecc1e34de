//! [`LoginFailure`]: why the login flow stopped, and the error page that says so, as plain data
//! (the flow that decides it is in `login`).

use crate::answer::Answer;

/// Why the login flow could not go on (a sign-in cancelled at the provider, an expired or
/// replayed callback, the provider unavailable, a refused sign-out), as plain data: what a
/// [`render_body`](crate::login::FeideLoginBuilder::render_body) renderer is given as
/// [`Denial::LoginFailed`](crate::Denial::LoginFailed). Never carries request data (codes, tokens, cookies).
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
    pub page: Answer,
}
