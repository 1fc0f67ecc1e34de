//! Routes that serve both browsers and API clients: a bearer token **or** a login session
//! (flask-pyoidc's `access_control`), with optional authentication and custom error bodies.
//!
//! - [`AccessGuard`]: the decision as a plain async function on `http::HeaderMap`.
//! - [`AccessLayer`]: the tower layer; a request let in carries an [`Identity`].
//! - [`ErrorRenderer`](crate::ErrorRenderer): your own bodies for refusals; status and protocol headers stay ours.
//!
//! | request | answer |
//! |---|---|
//! | any `Authorization` header, valid bearer token with the required scopes | in, [`Identity::Bearer`] |
//! | any `Authorization` header, anything else | the bearer layer's RFC 6750 answer (401/403/503) |
//! | no `Authorization`, valid session | in, [`Identity::Session`] |
//! | no `Authorization`, no session, browser | 302 to the login path with `return_to` |
//! | no `Authorization`, no session, API caller | 401 `login_required` |
//! | optional mode, no `Authorization`, no (valid) session | in, no identity (a broken cookie is deleted) |
//!
//! A token is never silently downgraded to the cookie: a request with a bad token is refused
//! even if it also carries a valid session.

mod guard;
mod identity;
mod judge;
mod layer;

pub use guard::{Access, AccessGuard, AccessGuardBuilder};
pub use identity::Identity;
pub use judge::BearerJudge;
pub use layer::{AccessLayer, AccessService, ResponseFuture};
