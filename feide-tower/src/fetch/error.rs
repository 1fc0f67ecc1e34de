//! Errors from talking to the provider. None of them carries a secret or a response body.

use std::time::Duration;

/// Building or using a [`Provider`](crate::Provider) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// Configuration is missing or invalid (the message names the setting, never its value if secret).
    #[error("configuration error: {0}")]
    Config(String),
    /// A URL that would receive tokens or client credentials is not https (plain http is allowed
    /// only on a loopback host); see [`require_secure_url`](super::require_secure_url).
    #[error("{setting} must use https (plain http only on a loopback host): {url:?}")]
    InsecureUrl {
        /// Where the URL came from: an environment variable, a builder setting or a discovery
        /// field.
        setting: String,
        /// The URL.
        url: String,
    },
    /// The provider did not answer within the timeout.
    #[error("{what} at {url} did not answer within {timeout:?}")]
    Timeout {
        /// Which document or endpoint.
        what: &'static str,
        /// The URL (never carries credentials).
        url: String,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The connection failed.
    #[error("could not reach {what} at {url}: {reason}")]
    Unreachable {
        /// Which document or endpoint.
        what: &'static str,
        /// The URL.
        url: String,
        /// The transport error, as text.
        reason: String,
    },
    /// The provider answered with an unexpected status.
    #[error("{what} at {url} answered HTTP {status}")]
    Status {
        /// Which document or endpoint.
        what: &'static str,
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer was not the JSON document expected.
    #[error("{what} at {url} is not a valid document: {reason}")]
    InvalidDocument {
        /// Which document or endpoint.
        what: &'static str,
        /// The URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// The answer was larger than the limit for this document or endpoint. Enforced while
    /// reading: the body was not read further (nor kept) once it passed the limit.
    #[error("{what} at {url} answered more than {limit} bytes")]
    TooLarge {
        /// Which document or endpoint.
        what: &'static str,
        /// The URL.
        url: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Discovery names another issuer than the one configured (OpenID Connect Discovery §4.3).
    #[error("the discovery document's issuer {found:?} is not the configured issuer {expected:?}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer the document states.
        found: String,
    },
}

impl ProviderError {
    /// The same error naming `shown` instead of the URL it was about: for a URL whose path holds
    /// personal data (a user lookup by Feide id or e-mail address), so that neither a log line
    /// nor an error body repeats it.
    pub(crate) fn with_url(mut self, shown: &str) -> Self {
        match &mut self {
            Self::InsecureUrl { url, .. }
            | Self::Timeout { url, .. }
            | Self::Unreachable { url, .. }
            | Self::Status { url, .. }
            | Self::InvalidDocument { url, .. }
            | Self::TooLarge { url, .. } => shown.clone_into(url),
            _ => {}
        }
        self
    }
}
