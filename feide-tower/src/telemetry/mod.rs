//! Metrics an operator can graph and alert on (cargo feature `metrics`).
//!
//! The crate records through the [`metrics`](https://docs.rs/metrics) facade, so you choose the
//! exporter (Prometheus, StatsD, OpenTelemetry, …): install its recorder at start-up, call
//! [`describe_metrics`], then build and serve as usual. Without the feature nothing is recorded
//! and nothing is compiled in; with it but without a recorder, each event costs a few
//! nanoseconds.
//!
//! ```ignore
//! // Cargo.toml: feide-tower = { version = "0.1", features = ["metrics"] }
//! //             metrics-exporter-prometheus = { version = "0.18", default-features = false }
//! let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
//! feide_tower::telemetry::describe_metrics();
//! // ... serve `prometheus.render()` as text/plain on your metrics listener
//! ```
//!
//! # The metrics (a stable contract)
//!
//! Every label takes values from a fixed list: never a user, a token, a string from a request
//! or a URL. The names are constants in [`names`].
//!
//! | Name | Type | Labels |
//! |---|---|---|
//! | `feide_tower_logins_total` | counter | `result`: `success`, `cancelled`, `failed`; `reason` |
//! | `feide_tower_bearer_requests_total` | counter | `result`: `allowed`, `unauthorized`, `forbidden`, `unavailable`; `cache`: `hit`, `miss`, `none` |
//! | `feide_tower_jwks_fetches_total` | counter | `result`: `success`, `failure` |
//! | `feide_tower_token_exchanges_total` | counter | `result`: `success`, `failure`, `cached`; `grant`: `token_exchange`, `client_credentials` |
//! | `feide_tower_session_revocations_total` | counter | `cause`: `logout`, `backchannel`, `frontchannel`, `admin` |
//! | `feide_tower_authorization_decisions_total` | counter | `result`: `allowed`, `forbidden`, `login_required`, `unavailable` |
//! | `feide_tower_provider_request_duration_seconds` | histogram | `endpoint`: `discovery`, `jwks`, `token`, `pushed_authorization`, `introspection`, `userinfo`, `extended_userinfo`, `groups`; `result`: `success`, `failure` |
//! | `feide_tower_cache_entries` | gauge | `cache`: `verified_tokens`, `opened_sessions`, `exchanged_tokens` |
//! | `feide_tower_memory_store_sessions` | gauge | — |
//!
//! **Logins.** `success` has `reason="none"`. `cancelled` is a user declining at the provider
//! (`reason="access_denied"`) or a silent login that needed the user
//! (`silent_login_failed`). Every `failed` reason is the callback's reason code, the same as the
//! `reason` field of its log line:
//! `malformed_callback`, `unknown_or_replayed_state`, `issuer_mismatch`, `provider_error`,
//! `missing_code`, `token_endpoint_refused`, `token_endpoint_unavailable`, `missing_id_token`,
//! `invalid_id_token`, `nonce_mismatch`, `acr_mismatch`, `userinfo_failed`,
//! `session_too_large`, `auth_time_missing`, `auth_time_too_old`, `store_unavailable`.
//!
//! **Bearer decisions** are counted by [`BearerAuthorizer`](crate::bearer::BearerAuthorizer)
//! (so by `BearerJwtLayer` and by the bearer half of `AccessLayer`): `unauthorized` is a 400 or
//! 401 answer (no token, a malformed header, an invalid token), `forbidden` a 403 (missing
//! scope, no user), `unavailable` a 503 (the provider's keys cannot be fetched).
//!
//! **Token exchanges** count each token handed out for a downstream call: `cached` when it came
//! from the cache, else `success` or `failure` of the request to the token endpoint (one per
//! request, however many callers shared it).
//!
//! **Revocations** count events: a `/logout`, one accepted back-channel logout token, one
//! front-channel request, one call of the session-administration functions.
//!
//! **Gauges** go up and down as entries are added and removed, summed over every instance in
//! the process; expired entries count until the cache drops them.

#[cfg(feature = "metrics")]
mod describe;
#[cfg(feature = "metrics")]
mod hot;
pub(crate) mod labels;
pub mod names;
mod record;

#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use describe::describe_metrics;
pub(crate) use record::{
    ProviderTimer, authorization, bearer, cache_entries, exchange, jwks_fetch, login,
    memory_store_sessions, provider_request, revocation,
};
