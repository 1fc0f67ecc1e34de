//! Protecting APIs with `Authorization: Bearer` JWT access tokens (RFC 6750).
//!
//! This is what a Feide data source (an API Feide issues JWT access tokens for, audience
//! `https://n.feide.no/datasources/<uuid>`) puts in front of its routes:
//!
//! - [`BearerJwtLayer`]: the tower layer, generic over request and response bodies (axum, hyper,
//!   tonic...). A valid token puts a [`Principal`] in the request's extensions; anything else is
//!   answered with a [`Challenge`].
//! - [`RequireScopeLayer`]: more scopes for one route, on top of the shared layer.
//! - [`BearerAuthorizer`]: the same decision as plain async functions on `http::HeaderMap`, for
//!   frameworks that are not tower.
//!
//! With feature `axum`, [`Principal`] and [`BearerClaims`] are extractors.
//!
//! Verified tokens are remembered (keyed by the token itself, never past its `exp`, expiry
//! re-checked on every hit), so a client sending the same token again skips the signature check:
//! see [`BearerBuilder::cache`] for why that is safe and for its one limit.
//!
//! | request | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no `Authorization`, or another scheme | 401 | `Bearer realm="api"` |
//! | several `Authorization` headers, empty or malformed token | 401 | `…, error="invalid_request"` |
//! | invalid token (signature, `alg`, `kid`, `iss`, `aud`, `exp`, `nbf`, size, no `sub`...) | 401 | `…, error="invalid_token"` |
//! | an ID token or another kind of JWT ([`TokenKind`](crate::token::TokenKind)) | 401 | `…, error="invalid_token"` |
//! | valid token without the required scope | 403 | `…, error="insufficient_scope", scope="…"` |
//! | valid token without a user ([`ClientRule`](crate::token::ClientRule)), clients not allowed | 403 | `…, error="insufficient_scope", scope="…"` (the layer's scopes) |
//! | signing keys unavailable and none cached | 503 | none; `Retry-After: 5` |
//!
//! Every refusal has a small JSON body `{"error": "...", "error_description": "..."}` and
//! `Cache-Control: no-store`; none contains the token or why exactly it failed. That is logged
//! instead: each decision has a debug-level `feide.bearer` span with `outcome`, `reason` (for
//! invalid tokens), `cache` (`hit`/`miss`) and `sub` (a hash of the subject); never the token.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use feide_tower::{Provider, bearer::BearerJwtLayer};
//!
//! let feide = Provider::from_env().await?;
//! let bearer = BearerJwtLayer::builder(&feide)
//!     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
//!     .require_scope("readUser")
//!     .build()?;
//! // axum: Router::new().route("/me", get(me)).layer(bearer)
//! // hyper/tower: ServiceBuilder::new().layer(bearer).service(my_service)
//! # Ok(()) }
//! ```

mod admission;
mod authorizer;
mod builder;
mod cache;
mod challenge;
mod error;
mod header;
mod layer;
mod principal;
mod require_scope;

pub(crate) use admission::Admission;
pub use authorizer::BearerAuthorizer;
pub(crate) use builder::DEFAULT_REALM;
pub use builder::{BearerBuilder, BearerConfigError};
pub use challenge::Challenge;
pub use error::BearerError;
pub use layer::{BearerJwt, BearerJwtLayer, ResponseFuture};
pub use principal::{BearerClaims, Principal};
pub use require_scope::{RequireScope, RequireScopeFuture, RequireScopeLayer};
