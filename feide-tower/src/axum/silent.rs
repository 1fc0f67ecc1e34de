//! Extractor for the outcome of a failed silent login.

use std::convert::Infallible;

use axum::extract::OptionalFromRequestParts;
use axum::http::request::Parts;

use crate::login::SilentLoginFailed;

/// `Option<SilentLoginFailed>`: `Some` on the one request that follows a `prompt=none` login the
/// provider could not complete without the user (see [`SilentLoginFailed`]).
impl<S: Send + Sync> OptionalFromRequestParts<S> for SilentLoginFailed {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<SilentLoginFailed>().cloned())
    }
}
