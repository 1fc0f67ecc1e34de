//! Extractors for the login session.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::session::{FeideSession, SessionUnavailable};

/// Rejection when a handler takes [`FeideSession`] and nobody is signed in: `401` with a small
/// JSON body; or, when the login's [session store](crate::store) could not answer
/// ([`SessionUnavailable`]), `503` with `Retry-After`. (Guard browser routes with
/// [`RequireLoginLayer`](crate::login::RequireLoginLayer) instead, which redirects browsers to
/// the login page.)
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginRequired {
    unavailable: bool,
}

impl LoginRequired {
    /// Whether the session store could not answer (`503`) rather than nobody being signed in.
    pub fn store_unavailable(&self) -> bool {
        self.unavailable
    }
}

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        let mut response = if self.unavailable {
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"temporarily_unavailable"}"#,
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            response
        } else {
            (
                StatusCode::UNAUTHORIZED,
                r#"{"error":"login_required","error_description":"Sign in first"}"#,
            )
                .into_response()
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// `FeideSession` as an extractor: the signed-in user, or [`LoginRequired`].
///
/// ```
/// use feide_tower::session::FeideSession;
///
/// async fn me(session: FeideSession) -> String {
///     format!("hello {}", session.name().unwrap_or(session.sub()))
/// }
/// async fn home(session: Option<FeideSession>) -> &'static str {
///     if session.is_some() { "welcome back" } else { "please sign in" }
/// }
/// # let _ = axum::Router::<()>::new().route("/me", axum::routing::get(me)).route("/", axum::routing::get(home));
/// ```
impl<S: Send + Sync> FromRequestParts<S> for FeideSession {
    type Rejection = LoginRequired;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<FeideSession>()
            .cloned()
            .ok_or(LoginRequired {
                unavailable: parts.extensions.get::<SessionUnavailable>().is_some(),
            })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for FeideSession {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<FeideSession>().cloned())
    }
}
