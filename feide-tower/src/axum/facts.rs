//! Extractors for [`FeideFacts`], put in the extensions by the authorization guards.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::authorization::FeideFacts;

/// The answer when [`FeideFacts`] are asked for on a route without an authorization guard:
/// `500` (a wiring mistake; logged), never the handler run without the check.
#[derive(Debug, Clone, Copy, Default)]
pub struct FactsMissing;

impl IntoResponse for FactsMissing {
    fn into_response(self) -> Response {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(http::header::CONTENT_TYPE, "application/json")],
            r#"{"error":"server_error","error_description":"authorization is not configured for this route"}"#,
        )
            .into_response()
    }
}

/// `FeideFacts` as an extractor: the facts the route's guard
/// ([`SessionGuard`](crate::authorization::SessionGuard) or
/// [`DataSourceGuard`](crate::authorization::DataSourceGuard)) checked. On a route without a
/// guard it refuses with `500` ([`FactsMissing`]) and logs an error; `Option<FeideFacts>` gives
/// `None` there instead.
///
/// ```
/// use feide_tower::authorization::FeideFacts;
///
/// async fn staff(facts: FeideFacts) -> String {
///     format!("primary affiliation: {}", facts.primary_affiliation().unwrap_or("?"))
/// }
/// # let _ = axum::Router::<()>::new().route("/staff", axum::routing::get(staff));
/// ```
impl<S: Send + Sync> FromRequestParts<S> for FeideFacts {
    type Rejection = FactsMissing;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<FeideFacts>()
            .cloned()
            .ok_or_else(|| {
                tracing::error!(
                    "FeideFacts extractor used on a route without an authorization guard; refusing"
                );
                FactsMissing
            })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for FeideFacts {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<FeideFacts>().cloned())
    }
}
