//! The metric names: a stable contract. A name or a label value is never renamed or removed
//! within a major version; new ones may be added.

/// Counter: completed login callbacks, by `result` (`success`, `cancelled`, `failed`) and
/// `reason` (`none` on success; else the failure's reason code, see the module docs).
pub const LOGINS_TOTAL: &str = "feide_tower_logins_total";

/// Counter: bearer-token decisions, by `result` (`allowed`, `unauthorized`, `forbidden`,
/// `unavailable`) and `cache` (`hit`, `miss`, `none` when no cache was consulted).
pub const BEARER_REQUESTS_TOTAL: &str = "feide_tower_bearer_requests_total";

/// Counter: fetches of a provider's signing keys (JWKS), by `result` (`success`, `failure`).
pub const JWKS_FETCHES_TOTAL: &str = "feide_tower_jwks_fetches_total";

/// Counter: tokens obtained for downstream calls, by `result` (`success`, `failure`, `cached`)
/// and `grant` (`token_exchange`, `client_credentials`).
pub const TOKEN_EXCHANGES_TOTAL: &str = "feide_tower_token_exchanges_total";

/// Counter: session revocations (one per event, however many sessions it ended), by `cause`
/// (`logout`, `backchannel`, `frontchannel`, `admin`).
pub const SESSION_REVOCATIONS_TOTAL: &str = "feide_tower_session_revocations_total";

/// Counter: decisions of the Feide authorization guards (`SessionGuard`, `DataSourceGuard`), by
/// `result` (`allowed`, `forbidden`, `login_required`, `unavailable`).
pub const AUTHORIZATION_DECISIONS_TOTAL: &str = "feide_tower_authorization_decisions_total";

/// Histogram (seconds): requests to the provider, by `endpoint` (`discovery`, `jwks`, `token`,
/// `pushed_authorization`, `introspection`, `userinfo`, `extended_userinfo`, `groups`) and
/// `result` (`success`, `failure`: unreachable, timed out, or an unexpected answer).
pub const PROVIDER_REQUEST_DURATION_SECONDS: &str = "feide_tower_provider_request_duration_seconds";

/// Gauge: entries in the in-process caches, by `cache` (`verified_tokens`, `opened_sessions`,
/// `exchanged_tokens`), summed over every instance in the process.
pub const CACHE_ENTRIES: &str = "feide_tower_cache_entries";

/// Gauge: sessions held by [`MemoryStore`](crate::store::MemoryStore)s in this process.
pub const MEMORY_STORE_SESSIONS: &str = "feide_tower_memory_store_sessions";
