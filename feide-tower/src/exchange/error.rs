//! Errors of token exchange, client credentials and the outgoing layers. None carries a token, a
//! client secret or a response body.

use std::sync::Arc;

use crate::apis::ApiError;
use crate::provider::{OAuthErrorCode, ProviderError, TokenEndpointError};

/// Getting a token for an outgoing call failed, or the call itself did.
///
/// The text never contains the subject token, the issued token or the client secret: the
/// provider's `error_description` is dropped (it may echo what was sent), and a token response
/// that cannot be used is described, not quoted.
///
/// ```
/// use std::sync::Arc;
/// use feide_tower::exchange::ExchangeError;
/// use feide_tower::provider::{OAuthErrorCode, TokenEndpointError};
///
/// let err = ExchangeError::from(TokenEndpointError::OAuth { code: OAuthErrorCode::InvalidGrant, status: 400 });
/// assert!(err.is_invalid_grant());
/// assert_eq!(err.to_string(), "the token endpoint refused the request: invalid_grant (HTTP 400)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The token endpoint refused (an RFC 6749 / RFC 8693 error code: `invalid_grant` when the
    /// subject token is expired or not exchangeable, `invalid_target` for an unknown audience,
    /// `invalid_scope`, ...), could not be reached, or answered with something that is not a
    /// usable bearer token.
    ///
    /// Shared (`Arc`) because callers waiting on the same exchange all get the one answer.
    #[error(transparent)]
    TokenEndpoint(Arc<TokenEndpointError>),
    /// Something needed is not configured (client credentials, audience, an API URL).
    #[error("token exchange is not configured: {0}")]
    NotConfigured(String),
    /// The outgoing request has no [`SubjectToken`](super::SubjectToken) extension: it is not
    /// sent rather than sent without credentials.
    #[error("the outgoing request has no subject token to exchange")]
    MissingSubject,
    /// The downstream or Feide API call failed (after the one retry a 401 earns).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<TokenEndpointError> for ExchangeError {
    fn from(error: TokenEndpointError) -> Self {
        Self::TokenEndpoint(Arc::new(error))
    }
}

impl ExchangeError {
    /// The OAuth error code, when the token endpoint refused with one.
    pub fn oauth_error(&self) -> Option<&OAuthErrorCode> {
        match self {
            Self::TokenEndpoint(e) => match &**e {
                TokenEndpointError::OAuth { code, .. } => Some(code),
                _ => None,
            },
            _ => None,
        }
    }

    /// `invalid_grant`: the subject token is invalid, expired or may not be exchanged by this
    /// client. For a login client: the user must log in again (Feide has no refresh tokens).
    pub fn is_invalid_grant(&self) -> bool {
        self.oauth_error() == Some(&OAuthErrorCode::InvalidGrant)
    }

    /// `invalid_target`: the audience is unknown or not allowed for this client.
    pub fn is_invalid_target(&self) -> bool {
        self.oauth_error() == Some(&OAuthErrorCode::InvalidTarget)
    }

    /// `invalid_scope`: a requested scope is not defined or not granted.
    pub fn is_invalid_scope(&self) -> bool {
        self.oauth_error() == Some(&OAuthErrorCode::InvalidScope)
    }

    /// A timeout, at the token endpoint or the API.
    pub fn is_timeout(&self) -> bool {
        let provider = match self {
            Self::TokenEndpoint(e) => match &**e {
                TokenEndpointError::Provider(p) => p,
                _ => return false,
            },
            Self::Api(ApiError::Provider(p)) => p,
            _ => return false,
        };
        matches!(provider, ProviderError::Timeout { .. })
    }
}

/// The error of the outgoing layers ([`TokenExchangeLayer`](super::TokenExchangeLayer),
/// [`ClientCredentialsLayer`](super::ClientCredentialsLayer)): no token could be had, or the
/// inner service (the HTTP client) failed.
///
/// An enum rather than a boxed error so the inner service's error stays typed: match
/// [`Inner`](Self::Inner) for your client's transport errors, [`Token`](Self::Token) for
/// exchange failures (with [`ExchangeError::is_invalid_grant`] and friends). With a boxed-error
/// stack, [`into_boxed`](Self::into_boxed) converts.
#[derive(Debug, thiserror::Error)]
pub enum LayerError<E> {
    /// No token for the request; it was not sent.
    #[error("no token for the outgoing request: {0}")]
    Token(ExchangeError),
    /// The inner service failed.
    #[error(transparent)]
    Inner(E),
}

impl<E> LayerError<E> {
    /// The exchange error, if that is what this is.
    pub fn as_token_error(&self) -> Option<&ExchangeError> {
        match self {
            Self::Token(e) => Some(e),
            Self::Inner(_) => None,
        }
    }

    /// A boxed error, for stacks whose error type is `Box<dyn Error + Send + Sync>`.
    pub fn into_boxed(self) -> Box<dyn std::error::Error + Send + Sync>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self {
            Self::Token(e) => Box::new(e),
            Self::Inner(e) => e.into(),
        }
    }
}
