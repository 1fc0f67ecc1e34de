//! [`SessionUnavailable`]: the request's session could not be checked.

/// Put in a request's extensions by the login layer when its
/// [session store](crate::store) could not answer: whether the request is signed in is unknown.
///
/// The request goes on without a [`FeideSession`](super::FeideSession), so public routes keep
/// serving; [`RequireLogin`](crate::login::RequireLogin), the `FeideSession` axum extractor and
/// the bearer-or-session layer answer `503 Service Unavailable` with `Retry-After` for it instead
/// of asking the user to sign in, and the session cookie is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUnavailable {
    login: String,
}

impl SessionUnavailable {
    pub(crate) fn new(login: &str) -> Self {
        Self {
            login: login.to_owned(),
        }
    }

    /// The name of the login whose store could not answer.
    pub fn login(&self) -> &str {
        &self.login
    }
}
