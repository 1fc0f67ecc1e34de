//! Extractors for [`Identity`], put in the extensions by [`AccessLayer`](crate::access::AccessLayer).

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use super::session::LoginRequired;
use crate::access::Identity;

/// `Identity` as an extractor: the caller let in by the access layer, or `401`
/// ([`LoginRequired`]) when there is none (an anonymous request in optional mode, or a route
/// without the layer). Take `Option<Identity>` in optional mode.
///
/// ```
/// use feide_tower::access::Identity;
///
/// async fn me(identity: Identity) -> String {
///     format!("{} via {}", identity.subject().unwrap_or("?"), if identity.is_bearer() { "token" } else { "session" })
/// }
/// async fn home(identity: Option<Identity>) -> &'static str {
///     if identity.is_some() { "welcome back" } else { "hello stranger" }
/// }
/// # let _ = axum::Router::<()>::new().route("/me", axum::routing::get(me)).route("/", axum::routing::get(home));
/// ```
impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = LoginRequired;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .ok_or(LoginRequired::default())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Identity>().cloned())
    }
}
