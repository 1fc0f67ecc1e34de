//! [`Identity`]: who a request guarded by [`AccessLayer`](super::AccessLayer) speaks for.

use crate::bearer::Principal;
use crate::session::FeideSession;

/// The caller of a route that serves both API clients and browsers: a valid bearer token, or a
/// signed-in session. [`AccessLayer`](super::AccessLayer) puts one in the request's extensions
/// (absent for anonymous requests in optional mode); with feature `axum`, `Identity` and
/// `Option<Identity>` are extractors.
///
/// ```
/// use feide_tower::access::Identity;
///
/// fn greet(identity: &Identity) -> String {
///     match identity {
///         Identity::Bearer(principal) => format!("api caller {:?}", principal.subject()),
///         Identity::Session(session) => format!("hello {}", session.sub()),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub enum Identity {
    /// The request carried a valid bearer token (judged by the bearer rules only).
    Bearer(Principal),
    /// The request had no `Authorization` header and a valid session cookie.
    Session(FeideSession),
}

impl Identity {
    /// The subject: the token's `sub` (absent for some client tokens), or the session's user.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Self::Bearer(principal) => principal.subject(),
            Self::Session(session) => Some(session.sub()),
        }
    }

    /// Whether the request was let through by a bearer token.
    pub fn is_bearer(&self) -> bool {
        matches!(self, Self::Bearer(_))
    }

    /// The bearer principal, if that is how the request got in.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Self::Bearer(principal) => Some(principal),
            Self::Session(_) => None,
        }
    }

    /// The session, if that is how the request got in.
    pub fn session(&self) -> Option<&FeideSession> {
        match self {
            Self::Session(session) => Some(session),
            Self::Bearer(_) => None,
        }
    }
}
