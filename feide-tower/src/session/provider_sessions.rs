//! Requests that pass through several login layers: every login's session stays findable.
//!
//! Each login layer puts its [`FeideSession`] in the request extensions, where a later (inner)
//! layer's replaces an earlier (outer) one's. The replaced sessions are kept aside here, so
//! [`FeideSession::for_provider`] finds any of them by name. With one login layer (or one
//! session) nothing is kept aside and nothing is allocated.

use http::Extensions;

use super::FeideSession;

/// Sessions replaced in the extensions by an inner login layer's, outermost first.
#[derive(Clone, Debug, Default)]
struct Replaced(Vec<FeideSession>);

/// Puts `session` in `extensions`; a session already there (an outer login layer's) is kept
/// aside for [`FeideSession::for_provider`].
pub(crate) fn insert_session(extensions: &mut Extensions, session: FeideSession) {
    if let Some(outer) = extensions.insert(session) {
        match extensions.get_mut::<Replaced>() {
            Some(replaced) => replaced.0.push(outer),
            None => {
                extensions.insert(Replaced(vec![outer]));
            }
        }
    }
}

impl FeideSession {
    /// The session of the login named `provider`
    /// ([`FeideLoginBuilder::name`](crate::login::FeideLoginBuilder::name)) among those the
    /// request carries, for apps with several login layers.
    ///
    /// `extensions.get::<FeideSession>()` (and the axum extractor) gives the session of the
    /// innermost login layer that found one: when the user is signed in with several, the
    /// inner layer's replaces the outer's. This finds each by name, whichever the order.
    ///
    /// ```
    /// use feide_tower::session::FeideSession;
    ///
    /// fn other_user(request: &http::Request<()>) -> Option<&str> {
    ///     FeideSession::for_provider(request.extensions(), "other").map(FeideSession::sub)
    /// }
    /// # assert_eq!(other_user(&http::Request::new(())), None);
    /// ```
    ///
    /// With axum, take `http::Extensions` (an extractor) in the handler and pass it here.
    pub fn for_provider<'a>(extensions: &'a Extensions, provider: &str) -> Option<&'a Self> {
        // The usual case, one login layer, is answered by the first lookup.
        match extensions.get::<Self>() {
            Some(session) if session.provider() == provider => Some(session),
            _ => extensions
                .get::<Replaced>()?
                .0
                .iter()
                .find(|s| s.provider() == provider),
        }
    }

    /// Every session the request carries, one per login layer that found one: the one
    /// `extensions.get::<FeideSession>()` gives first, then those it replaced, outermost first.
    pub fn all(extensions: &Extensions) -> impl Iterator<Item = &Self> {
        let replaced = extensions.get::<Replaced>().map_or(&[][..], |r| &r.0[..]);
        extensions.get::<Self>().into_iter().chain(replaced)
    }
}
