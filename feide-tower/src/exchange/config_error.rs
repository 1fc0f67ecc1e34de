//! [`ExchangeConfigError`]: why a [`TokenExchangeBuilder`](super::TokenExchangeBuilder) or a
//! [`ClientCredentialsBuilder`](super::ClientCredentialsBuilder) could not build.

use std::fmt;

/// Token exchange or client credentials could not be configured: one variant per reason. The
/// message names the setting (with its environment variable where there is one), never a value.
///
/// Converts into [`ExchangeError::NotConfigured`](super::ExchangeError::NotConfigured) with the
/// same reason, for code that handles both with `?`.
///
/// ```
/// use feide_tower::exchange::{ExchangeConfigError, ExchangeError};
///
/// let error = ExchangeConfigError::MissingClient;
/// assert!(error.to_string().contains("OIDC_CLIENT_ID"));
/// assert!(matches!(ExchangeError::from(error), ExchangeError::NotConfigured(_)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExchangeConfigError {
    /// No client credentials, neither on the builder nor on the provider.
    MissingClient,
    /// The provider has no token endpoint.
    MissingTokenEndpoint,
    /// A login client was given no audience (the data source's).
    MissingAudience,
    /// `FEIDE_TOKEN_EXCHANGE_AUDIENCE` is not set (a login client from the environment).
    MissingAudienceVariable,
    /// Only one of `DATASOURCE_CLIENT_ID` and `DATASOURCE_CLIENT_SECRET` is set.
    HalfDataSourceClient,
    /// The cache capacity or memory budget is zero.
    ZeroCache,
}

impl ExchangeConfigError {
    /// The reason, naming the setting.
    fn reason(self) -> &'static str {
        match self {
            Self::MissingClient => "no client credentials (OIDC_CLIENT_ID / OIDC_CLIENT_SECRET)",
            Self::MissingTokenEndpoint => "the provider has no token endpoint",
            Self::MissingAudience => "a login client needs the data source's audience",
            Self::MissingAudienceVariable => {
                "set FEIDE_TOKEN_EXCHANGE_AUDIENCE (the data source's audience)"
            }
            Self::HalfDataSourceClient => {
                "set both DATASOURCE_CLIENT_ID and DATASOURCE_CLIENT_SECRET, or neither"
            }
            Self::ZeroCache => "the cache capacity and memory budget must be at least 1",
        }
    }
}

impl fmt::Display for ExchangeConfigError {
    // The text `ExchangeError::NotConfigured` always had for these reasons.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token exchange is not configured: {}", self.reason())
    }
}

impl std::error::Error for ExchangeConfigError {}

impl From<ExchangeConfigError> for super::ExchangeError {
    fn from(error: ExchangeConfigError) -> Self {
        Self::NotConfigured(error.reason().to_owned())
    }
}
