//! What the rest of the crate calls: one function per event, typed labels in. Without the
//! `metrics` feature every function is empty and inlined away.

#[cfg(feature = "metrics")]
use super::hot::hot;
use super::labels::{
    AuthorizationResult, BearerResult, CacheName, CacheUse, Endpoint, ExchangeResult, Grant,
    LoginResult, RevocationCause,
};
#[cfg(feature = "metrics")]
use super::names;

/// A login callback ended: `reason` is `none` on success, else the failure's reason code.
#[inline]
pub(crate) fn login(result: LoginResult, reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::LOGINS_TOTAL, "result" => result.as_str(), "reason" => reason)
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (result, reason);
}

/// A bearer token was decided. On the per-request hot path: a cached handle, one atomic add.
#[inline]
pub(crate) fn bearer(result: BearerResult, cache: CacheUse) {
    #[cfg(feature = "metrics")]
    if let Some(hot) = hot() {
        hot.bearer[result as usize][cache as usize].increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (result, cache);
}

/// A Feide authorization guard decided (per request: a cached handle).
#[inline]
pub(crate) fn authorization(result: AuthorizationResult) {
    #[cfg(feature = "metrics")]
    if let Some(hot) = hot() {
        hot.authorization[result as usize].increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = result;
}

/// A JWKS fetch ended.
#[inline]
pub(crate) fn jwks_fetch(success: bool) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::JWKS_FETCHES_TOTAL, "result" => if success { "success" } else { "failure" })
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = success;
}

/// A token for a downstream call was served (`cached`) or fetched.
#[inline]
pub(crate) fn exchange(result: ExchangeResult, grant: Grant) {
    #[cfg(feature = "metrics")]
    if let Some(hot) = hot() {
        hot.exchanges[result as usize][grant as usize].increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (result, grant);
}

/// Sessions were revoked (one event, however many sessions it ended).
#[inline]
pub(crate) fn revocation(cause: RevocationCause) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::SESSION_REVOCATIONS_TOTAL, "cause" => cause.as_str()).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = cause;
}

/// An in-process cache gained (`delta` = 1) or lost (`delta` = -1) an entry.
#[inline]
pub(crate) fn cache_entries(cache: CacheName, delta: i8) {
    #[cfg(feature = "metrics")]
    if let Some(hot) = hot() {
        hot.caches[cache as usize].increment(f64::from(delta));
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (cache, delta);
}

/// Memory stores gained (`delta` > 0) or lost (`delta` < 0) sessions.
#[inline]
pub(crate) fn memory_store_sessions(delta: i32) {
    #[cfg(feature = "metrics")]
    if let Some(hot) = hot() {
        hot.memory_store.increment(f64::from(delta));
    }
    #[cfg(not(feature = "metrics"))]
    let _ = delta;
}

/// Runs one request to the provider, recording its duration and whether it succeeded. Wrap the
/// whole request, timeout included, so a timeout is recorded as a failure.
#[inline]
pub(crate) async fn provider_request<T, E>(
    endpoint: Endpoint,
    request: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let timer = ProviderTimer::start(endpoint);
    let result = request.await;
    timer.finish(result.is_ok());
    result
}

/// The duration of one request to the provider, for callers that decide success themselves
/// (an answer can arrive and still be a failure). Zero-sized without the `metrics` feature.
pub(crate) struct ProviderTimer {
    #[cfg(feature = "metrics")]
    started: std::time::Instant,
    #[cfg(feature = "metrics")]
    endpoint: Endpoint,
}

impl ProviderTimer {
    #[inline]
    pub(crate) fn start(endpoint: Endpoint) -> Self {
        #[cfg(not(feature = "metrics"))]
        let _ = endpoint;
        Self {
            #[cfg(feature = "metrics")]
            started: std::time::Instant::now(),
            #[cfg(feature = "metrics")]
            endpoint,
        }
    }

    #[inline]
    pub(crate) fn finish(self, success: bool) {
        #[cfg(feature = "metrics")]
        metrics::histogram!(
            names::PROVIDER_REQUEST_DURATION_SECONDS,
            "endpoint" => self.endpoint.as_str(),
            "result" => if success { "success" } else { "failure" }
        )
        .record(self.started.elapsed().as_secs_f64());
        #[cfg(not(feature = "metrics"))]
        let _ = success;
    }
}
