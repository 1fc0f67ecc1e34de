//! [`BearerJudge`]: what decides requests that carry an `Authorization` header.

use http::HeaderMap;

use crate::bearer::{BearerAuthorizer, BearerError, Challenge, Principal};
use crate::introspection::Introspector;

/// The bearer rules of an [`AccessGuard`](super::AccessGuard): JWT validation, or RFC 7662
/// introspection for opaque tokens. Both give the same [`Principal`] and the same answers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BearerJudge {
    /// JWT access tokens, checked locally.
    Jwt(BearerAuthorizer),
    /// Opaque access tokens, checked by asking the provider.
    Introspection(Introspector),
}

impl BearerJudge {
    /// The decision for the request's headers.
    pub async fn authorize(&self, headers: &HeaderMap) -> Result<Principal, BearerError> {
        match self {
            Self::Jwt(authorizer) => authorizer.authorize(headers).await,
            Self::Introspection(introspector) => introspector.authorize(headers).await,
        }
    }

    /// The RFC 6750 answer to `error`.
    pub fn challenge(&self, error: &BearerError) -> Challenge {
        match self {
            Self::Jwt(authorizer) => authorizer.challenge(error),
            Self::Introspection(introspector) => introspector.challenge(error),
        }
    }
}

impl From<BearerAuthorizer> for BearerJudge {
    fn from(authorizer: BearerAuthorizer) -> Self {
        Self::Jwt(authorizer)
    }
}

impl From<Introspector> for BearerJudge {
    fn from(introspector: Introspector) -> Self {
        Self::Introspection(introspector)
    }
}
