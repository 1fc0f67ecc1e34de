//! Extractors for what [`BearerJwtLayer`](crate::bearer::BearerJwtLayer) put in the request.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::bearer::{BearerClaims, BearerError, Challenge, DEFAULT_REALM, Principal};

/// The answer when a bearer extractor finds nothing: an RFC 6750 challenge.
///
/// Also the way to answer from a handler that calls
/// [`BearerAuthorizer`](crate::bearer::BearerAuthorizer) itself:
/// `authorizer.authorize(&headers).await.map_err(|e| BearerRejection::from(authorizer.challenge(&e)))?`.
#[derive(Debug, Clone)]
pub struct BearerRejection(pub Challenge);

impl From<Challenge> for BearerRejection {
    fn from(challenge: Challenge) -> Self {
        Self(challenge)
    }
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        let challenge = self.0;
        let mut response = (challenge.status, challenge.body.clone()).into_response();
        for (name, value) in challenge.headers() {
            // `insert`, not `extend`: replaces the default `Content-Type` rather than adding one.
            response.headers_mut().insert(name, value);
        }
        response
    }
}

// The rejection is a whole response (136 bytes), built only on a wiring mistake: not worth a box.
#[allow(clippy::result_large_err)]
fn principal(parts: &Parts) -> Result<&Principal, BearerRejection> {
    parts.extensions.get::<Principal>().ok_or_else(|| {
        // The route is not behind BearerJwtLayer: a wiring mistake. Refuse, never allow.
        tracing::error!("bearer extractor used on a route without BearerJwtLayer; refusing");
        BearerRejection(Challenge::for_error(
            &BearerError::MissingToken,
            DEFAULT_REALM,
        ))
    })
}

/// The caller of a route behind [`BearerJwtLayer`](crate::bearer::BearerJwtLayer).
///
/// A Feide data source in full: `GET /me` for tokens with the audience and scope `readUser`.
///
/// ```no_run
/// use axum::{Json, Router, routing::get};
/// use feide_tower::{Provider, bearer::{BearerJwtLayer, Principal}};
/// use serde_json::{Value, json};
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let feide = Provider::from_env().await?; // FEIDE_ISSUER, default https://auth.dataporten.no
///     let bearer = BearerJwtLayer::builder(&feide)
///         .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///         .require_scope("readUser")
///         .build()?;
///     let app = Router::new().route("/me", get(me)).layer(bearer);
///     let listener = tokio::net::TcpListener::bind("127.0.0.1:8001").await?;
///     axum::serve(listener, app).await?;
///     Ok(())
/// }
///
/// async fn me(principal: Principal) -> Json<Value> {
///     Json(json!({ "subject": principal.subject(), "claims": **principal.claims() }))
/// }
/// ```
///
/// On a route without the layer it rejects with 401 (and logs an error). `Option<Principal>`
/// gives `None` there instead, for routes that serve anonymous callers too.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        principal(parts).cloned()
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned())
    }
}

/// The validated claims of a route behind [`BearerJwtLayer`](crate::bearer::BearerJwtLayer).
///
/// ```no_run
/// use feide_tower::bearer::BearerClaims;
///
/// async fn name(claims: BearerClaims) -> String {
///     claims.extra_str("name").unwrap_or("anonymous").to_owned()
/// }
/// ```
impl<S: Send + Sync> FromRequestParts<S> for BearerClaims {
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        principal(parts).map(|p| BearerClaims::from(p.clone()))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for BearerClaims {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Principal>()
            .map(|p| BearerClaims::from(p.clone())))
    }
}
