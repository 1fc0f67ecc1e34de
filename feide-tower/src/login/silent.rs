//! Silent login (`prompt=none`) that the provider could not complete without the user:
//! [`SilentLoginFailed`], and the one-shot cookie that carries it from the callback to the
//! page the login returns to.
//!
//! A `prompt=none` login answered with `login_required`, `interaction_required`,
//! `consent_required` or `account_selection_required` is not an error: the callback sends the
//! browser back to the login's `return_to` without a session and sets a short-lived sealed
//! marker cookie; on that next request the login layer opens the marker, deletes it, and puts
//! [`SilentLoginFailed`] in the request's extensions. The page can then render "Sign in"
//! instead of trying again (no loop: the marker is there exactly once, on the request right
//! after the failed attempt).

use std::time::Duration;

use http::{HeaderMap, HeaderValue};

use super::flow_cookies::FlowCookies;
use http::header::COOKIE;

use crate::session::cookie::request_cookies;

/// The marker cookie's name after the flow cookies' prefix.
const MARKER_SUFFIX: &str = "silent";

/// How long the marker may wait for the browser to follow the redirect.
const MARKER_LIFETIME: Duration = Duration::from_secs(120);

/// Why a silent login (`prompt=none`) did not sign the user in: the provider's error code,
/// one of those OpenID Connect Core §3.1.2.6 defines for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SilentLoginError {
    /// `login_required`: the user is not signed in at the provider.
    LoginRequired,
    /// `interaction_required`: the provider needs the user for something else.
    InteractionRequired,
    /// `consent_required`: the user has not consented to this client.
    ConsentRequired,
    /// `account_selection_required`: the user must pick one of several accounts.
    AccountSelectionRequired,
}

impl SilentLoginError {
    /// The error code as the provider sent it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::LoginRequired => "login_required",
            Self::InteractionRequired => "interaction_required",
            Self::ConsentRequired => "consent_required",
            Self::AccountSelectionRequired => "account_selection_required",
        }
    }

    /// The error of a callback's `error` parameter, if it is one a silent login may end with.
    pub(crate) fn from_code(code: &str) -> Option<Self> {
        [
            Self::LoginRequired,
            Self::InteractionRequired,
            Self::ConsentRequired,
            Self::AccountSelectionRequired,
        ]
        .into_iter()
        .find(|e| e.as_str() == code)
    }
}

impl std::fmt::Display for SilentLoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Put in the extensions of the request that follows a silent login (`/login?prompt=none`)
/// the provider could not complete without the user: the browser is back at `return_to`,
/// not signed in (an existing session is untouched), and the app decides what to show.
///
/// Present exactly once, on that request; read it with `request.extensions().get::<SilentLoginFailed>()`
/// or, with the `axum` feature, as an `Option<SilentLoginFailed>` extractor.
///
/// ```
/// use feide_tower::login::SilentLoginFailed;
/// use feide_tower::session::FeideSession;
///
/// async fn home(session: Option<FeideSession>, silent: Option<SilentLoginFailed>) -> String {
///     match (session, silent) {
///         (Some(s), _) => format!("hello {}", s.sub()),
///         // Tried `/login?prompt=none&return_to=/`: not signed in at Feide. Offer a button,
///         // do not try again.
///         (None, Some(failed)) => format!("<a href=/login>Sign in</a> ({})", failed.error()),
///         // First visit: try a silent login once.
///         (None, None) => "<meta http-equiv=refresh content='0;url=/login?prompt=none'>".into(),
///     }
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(home));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentLoginFailed {
    login: String,
    error: SilentLoginError,
}

impl SilentLoginFailed {
    /// The provider's reason.
    pub fn error(&self) -> SilentLoginError {
        self.error
    }

    /// The name of the login that tried ([`FeideLoginBuilder::name`](super::FeideLoginBuilder::name)).
    pub fn login(&self) -> &str {
        &self.login
    }
}

impl super::FeideLogin {
    /// The outcome of a failed silent login that the callback left for this request (the
    /// plain function behind the login layer, for frameworks other than tower): the
    /// [`SilentLoginFailed`] if the marker cookie is present, ours and fresh, and the
    /// `Set-Cookie` that deletes the marker, to add to the response (whenever a cookie of that
    /// name is present). `now` in Unix seconds.
    pub fn silent_login_outcome(
        &self,
        headers: &HeaderMap,
        now: u64,
    ) -> (Option<SilentLoginFailed>, Option<HeaderValue>) {
        self.config
            .flow
            .take_silent_marker(headers, self.name(), now)
            .unwrap_or((None, None))
    }
}

/// The marker cookie's name for flow cookies named `prefix…`.
pub(crate) fn marker_name(prefix: &str) -> String {
    format!("{prefix}{MARKER_SUFFIX}")
}

impl FlowCookies {
    /// The marker cookie's name: the flow cookies' prefix and `silent` (a flow cookie's name
    /// ends in a 43-character state, so the two never meet; each is sealed under its own name).
    fn marker_name(&self) -> String {
        marker_name(&self.prefix)
    }

    /// The `Set-Cookie` header of a marker saying a silent login failed with `error`.
    pub(crate) fn silent_marker(&self, error: SilentLoginError, now: u64) -> Option<HeaderValue> {
        let name = self.marker_name();
        let value = self
            .codec
            .seal_envelope(&name, &error.as_str(), now, MARKER_LIFETIME)
            .ok()?;
        let options = crate::session::cookie::CookieOptions {
            max_age: Some(MARKER_LIFETIME),
            ..self.options.clone()
        };
        options.set_cookie(&name, &value).ok()
    }

    /// The request's marker, opened (if present, ours and fresh), and the header deleting it
    /// (whenever a cookie of that name is present, even one that does not open).
    pub(crate) fn take_silent_marker(
        &self,
        headers: &HeaderMap,
        login: &str,
        now: u64,
    ) -> Option<(Option<SilentLoginFailed>, Option<HeaderValue>)> {
        // Runs on every request: a substring search of the raw headers first (the marker is
        // rare), the parse only when its name occurs.
        let maybe = headers
            .get_all(COOKIE)
            .iter()
            .any(|h| self.marker_finder.find(h.as_bytes()).is_some());
        if !maybe {
            return None;
        }
        let (_, value) = request_cookies(headers)
            .find(|(n, _)| n.strip_prefix(self.prefix.as_str()) == Some(MARKER_SUFFIX))?;
        let name = self.marker_name();
        let error = self
            .codec
            .open_envelope::<String>(&name, value, now, None)
            .ok()
            .and_then(|envelope| SilentLoginError::from_code(&envelope.data));
        let failed = error.map(|error| SilentLoginFailed {
            login: login.to_owned(),
            error,
        });
        Some((failed, self.options.removal(&name).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for code in [
            "login_required",
            "interaction_required",
            "consent_required",
            "account_selection_required",
        ] {
            assert_eq!(SilentLoginError::from_code(code).unwrap().as_str(), code);
        }
        assert_eq!(SilentLoginError::from_code("access_denied"), None);
        assert_eq!(SilentLoginError::from_code(""), None);
    }
}
