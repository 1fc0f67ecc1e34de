//! [`describe_metrics`]: every metric's help text and unit, and its counters at zero.

use metrics::Unit;

use super::labels::{
    AuthorizationResult, BearerResult, CacheName, CacheUse, ExchangeResult, Grant, RevocationCause,
};
use super::names;

/// Describes every metric of this crate to the installed recorder (help text and unit) and
/// registers each counter series with a bounded label set at zero, so a scrape shows them from
/// the start and `rate()` and absence alerts behave from the first minute.
///
/// Call it once, after installing the recorder (the exporter) and before serving.
///
/// ```
/// // Any `metrics` recorder works; here the one of `metrics-exporter-prometheus` would be
/// // installed first, e.g. `PrometheusBuilder::new().install_recorder()?`.
/// feide_tower::telemetry::describe_metrics();
/// ```
pub fn describe_metrics() {
    metrics::describe_counter!(
        names::LOGINS_TOTAL,
        Unit::Count,
        "Completed login callbacks, by result (success, cancelled, failed) and reason"
    );
    metrics::describe_counter!(
        names::BEARER_REQUESTS_TOTAL,
        Unit::Count,
        "Bearer-token decisions, by result (allowed, unauthorized, forbidden, unavailable) and cache (hit, miss, none)"
    );
    metrics::describe_counter!(
        names::JWKS_FETCHES_TOTAL,
        Unit::Count,
        "Fetches of a provider's signing keys, by result (success, failure)"
    );
    metrics::describe_counter!(
        names::TOKEN_EXCHANGES_TOTAL,
        Unit::Count,
        "Tokens for downstream calls, by result (success, failure, cached) and grant (token_exchange, client_credentials)"
    );
    metrics::describe_counter!(
        names::SESSION_REVOCATIONS_TOTAL,
        Unit::Count,
        "Session revocation events, by cause (logout, backchannel, frontchannel, admin)"
    );
    metrics::describe_counter!(
        names::AUTHORIZATION_DECISIONS_TOTAL,
        Unit::Count,
        "Decisions of the Feide authorization guards, by result (allowed, forbidden, login_required, unavailable)"
    );
    metrics::describe_histogram!(
        names::PROVIDER_REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Requests to the identity provider, by endpoint and result (success, failure)"
    );
    metrics::describe_gauge!(
        names::CACHE_ENTRIES,
        Unit::Count,
        "Entries in the in-process caches, by cache (verified_tokens, opened_sessions, exchanged_tokens)"
    );
    metrics::describe_gauge!(
        names::MEMORY_STORE_SESSIONS,
        Unit::Count,
        "Sessions held by in-memory session stores in this process"
    );

    metrics::counter!(names::LOGINS_TOTAL, "result" => "success", "reason" => "none").increment(0);
    for result in BearerResult::ALL {
        for cache in CacheUse::ALL {
            metrics::counter!(
                names::BEARER_REQUESTS_TOTAL,
                "result" => result.as_str(),
                "cache" => cache.as_str()
            )
            .increment(0);
        }
    }
    for result in ["success", "failure"] {
        metrics::counter!(names::JWKS_FETCHES_TOTAL, "result" => result).increment(0);
    }
    for result in ExchangeResult::ALL {
        for grant in Grant::ALL {
            metrics::counter!(
                names::TOKEN_EXCHANGES_TOTAL,
                "result" => result.as_str(),
                "grant" => grant.as_str()
            )
            .increment(0);
        }
    }
    for cause in RevocationCause::ALL {
        metrics::counter!(names::SESSION_REVOCATIONS_TOTAL, "cause" => cause.as_str()).increment(0);
    }
    for result in AuthorizationResult::ALL {
        metrics::counter!(names::AUTHORIZATION_DECISIONS_TOTAL, "result" => result.as_str())
            .increment(0);
    }
    for cache in CacheName::ALL {
        metrics::gauge!(names::CACHE_ENTRIES, "cache" => cache.as_str()).increment(0.0);
    }
    metrics::gauge!(names::MEMORY_STORE_SESSIONS).increment(0.0);
}
