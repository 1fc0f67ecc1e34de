//! Why a request was not let through. No variant carries any part of the token.

use crate::telemetry::labels::BearerResult;
use crate::token::{ScopeRule, Scopes, TokenError};

/// A request was refused by the bearer check. `Display` never contains the token.
///
/// Turn it into an answer with [`Challenge::for_error`](super::Challenge::for_error) or
/// [`BearerAuthorizer::challenge`](super::BearerAuthorizer::challenge).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No `Authorization` header, or one with another scheme (`Basic`, ...). 401.
    #[error("no bearer token in the request")]
    MissingToken,
    /// Several `Authorization` headers, an empty token, or characters a token cannot have. 401
    /// (RFC 6750 suggests 400; a 401 makes every client treat it as an authentication failure).
    #[error("the Authorization header is malformed")]
    InvalidRequest,
    /// The token was refused by validation (signature, issuer, audience, times, kind, no `sub`,
    /// ...). 401.
    #[error("the access token is invalid: {0}")]
    InvalidToken(TokenError),
    /// Valid, but without the scope(s) required. 403.
    #[error("the access token lacks a required scope")]
    InsufficientScope {
        /// The scopes required.
        required: Scopes,
        /// Whether all of them or any one is needed.
        rule: ScopeRule,
    },
    /// Valid, but issued to a client without a user (by the layer's
    /// [`ClientRule`](crate::token::ClientRule)), where a user is required. 403
    /// `insufficient_scope` naming the scopes the layer requires.
    #[error("the access token is not issued on behalf of a user")]
    UserRequired {
        /// The scopes the layer requires (named in the challenge; may be empty).
        required: Scopes,
        /// Whether all of them or any one is needed.
        rule: ScopeRule,
    },
    /// The provider's signing keys are unavailable and none is cached: try again later. 503.
    #[error("the access token cannot be verified right now")]
    Unavailable,
}

impl BearerError {
    /// A short stable name for logs and metrics, e.g. `"invalid_token"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken(_) => "invalid_token",
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::UserRequired { .. } => "user_required",
            Self::Unavailable => "unavailable",
        }
    }

    /// The `result` this refusal counts as in the metrics: by the status it is answered with.
    pub(crate) fn metric(&self) -> BearerResult {
        match self {
            Self::MissingToken | Self::InvalidRequest | Self::InvalidToken(_) => {
                BearerResult::Unauthorized
            }
            Self::InsufficientScope { .. } | Self::UserRequired { .. } => BearerResult::Forbidden,
            Self::Unavailable => BearerResult::Unavailable,
        }
    }
}

impl From<TokenError> for BearerError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::KeysUnavailable => Self::Unavailable,
            TokenError::InsufficientScope { required } => Self::InsufficientScope {
                required,
                rule: ScopeRule::AllOf,
            },
            other => Self::InvalidToken(other),
        }
    }
}
