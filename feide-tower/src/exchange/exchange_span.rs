//! The spans of outgoing-token decisions: `feide.exchange` (token exchange) and
//! `feide.client_credentials`, with the same fields as every other decision (`outcome`,
//! `reason`, `cache`), and the reason codes of [`ExchangeError`]. Never a token, a subject or
//! a client secret.

use tracing::Span;
use tracing::field::Empty;

use super::error::ExchangeError;
use crate::provider::TokenEndpointError;
use crate::telemetry::labels::CacheUse;

impl ExchangeError {
    /// The stable reason code logged for this error: `token_endpoint_refused` (an OAuth error
    /// such as `invalid_grant`), `token_endpoint_unavailable` (unreachable, timeout, a bad
    /// answer), `not_configured`, `missing_subject`, `api_failed`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::TokenEndpoint(error) => match &**error {
                TokenEndpointError::OAuth { .. } => "token_endpoint_refused",
                _ => "token_endpoint_unavailable",
            },
            Self::NotConfigured(_) => "not_configured",
            Self::MissingSubject => "missing_subject",
            Self::Api(_) => "api_failed",
        }
    }
}

/// The span of one token exchange.
pub(super) fn exchange_span() -> Span {
    tracing::debug_span!(
        "feide.exchange",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    )
}

/// The span of one client-credentials token lookup.
pub(super) fn client_credentials_span() -> Span {
    tracing::debug_span!(
        "feide.client_credentials",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    )
}

/// Records a token decision: `outcome` = `issued` (fetched now) | `cached` | `failed`
/// (`reason` = [`ExchangeError::kind`]), and `cache` (`hit` | `miss`, not recorded without a
/// cache), and emits one event. The outgoing layer's span, when it is the current one, gets the
/// same `cache`.
pub(super) fn observe<T>(span: &Span, result: &Result<T, ExchangeError>, cache: CacheUse) {
    if span.is_disabled() {
        return;
    }
    match result {
        Ok(_) if cache == CacheUse::Hit => span.record("outcome", "cached"),
        Ok(_) => span.record("outcome", "issued"),
        Err(error) => span
            .record("outcome", "failed")
            .record("reason", error.kind()),
    };
    if cache != CacheUse::None {
        span.record("cache", cache.as_str());
        let current = Span::current();
        if current
            .metadata()
            .is_some_and(|m| m.name() == "feide.outgoing")
        {
            current.record("cache", cache.as_str());
        }
    }
    span.in_scope(|| tracing::debug!("outgoing token decided"));
}
