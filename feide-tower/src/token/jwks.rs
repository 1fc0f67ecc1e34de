//! The JWKS cache: lock-free reads, single-flight refresh on unknown `kid` with a cooldown,
//! background refresh before the TTL, and the last good key set kept when the provider fails.

use crate::telemetry;
use crate::telemetry::labels::Endpoint;
use std::sync::Arc;
use std::sync::Weak;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use super::{Algorithm, KeySet, Lookup, TokenError, VerifyingKey};
use crate::fetch::{ProviderError, get_document};

/// Shortest and longest TTL we accept from a provider's `Cache-Control: max-age`.
const MIN_TTL: Duration = Duration::from_secs(60);
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// After a failed background refresh, try again this soon.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// The signing keys of one issuer, shared by every layer that validates its tokens.
///
/// Reads never wait: they load an immutable snapshot. A token whose `kid` is not in the snapshot
/// triggers one refresh; concurrent misses share it (single-flight), and after an on-demand refresh
/// further ones wait for the cooldown, so random `kid`s cannot make us hammer the provider.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct Jwks {
    inner: Arc<Inner>,
}

struct Inner {
    remote: Option<Remote>,
    snapshot: ArcSwap<Snapshot>,
    /// Held while a refresh runs: the single-flight gate.
    refresh: tokio::sync::Mutex<RefreshState>,
    cooldown: Duration,
    fetches: AtomicUsize,
}

struct Remote {
    http: reqwest::Client,
    uri: String,
    timeout: Duration,
    default_ttl: Duration,
}

struct Snapshot {
    keys: KeySet,
    /// Bumped by every refresh attempt, successful or not.
    generation: u64,
    /// Whether any fetch ever succeeded (a fixed set counts as loaded).
    loaded: bool,
    /// Whether the latest attempt failed.
    failing: bool,
    /// How long the current keys may be served before a background refresh.
    ttl: Duration,
}

#[derive(Default)]
struct RefreshState {
    last_on_demand: Option<Instant>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snap = self.inner.snapshot.load();
        f.debug_struct("Jwks")
            .field("uri", &self.inner.remote.as_ref().map(|r| &r.uri))
            .field("keys", &snap.keys.len())
            .field("generation", &snap.generation)
            .finish()
    }
}

/// Settings for a remote JWKS.
#[derive(Debug, Clone)]
pub(crate) struct JwksSettings {
    pub(crate) timeout: Duration,
    pub(crate) cooldown: Duration,
    pub(crate) default_ttl: Duration,
}

impl Jwks {
    /// A fixed key set that is never refreshed: for tests and for keys configured out of band.
    pub fn fixed(keys: KeySet) -> Self {
        Self {
            inner: Arc::new(Inner {
                remote: None,
                snapshot: ArcSwap::from_pointee(Snapshot {
                    keys,
                    generation: 0,
                    loaded: true,
                    failing: false,
                    ttl: Duration::MAX,
                }),
                refresh: tokio::sync::Mutex::new(RefreshState::default()),
                cooldown: Duration::MAX,
                fetches: AtomicUsize::new(0),
            }),
        }
    }

    /// Fetches the key set from `uri` and starts the background refresh.
    ///
    /// A failed first fetch is logged and leaves the cache cold; tokens are then answered with
    /// [`TokenError::KeysUnavailable`] until a fetch succeeds. Must run inside a tokio runtime.
    pub(crate) async fn remote(http: reqwest::Client, uri: String, settings: JwksSettings) -> Self {
        let jwks = Self {
            inner: Arc::new(Inner {
                remote: Some(Remote {
                    http,
                    uri,
                    timeout: settings.timeout,
                    default_ttl: settings.default_ttl,
                }),
                snapshot: ArcSwap::from_pointee(Snapshot {
                    keys: KeySet::default(),
                    generation: 0,
                    loaded: false,
                    failing: false,
                    ttl: settings.default_ttl,
                }),
                refresh: tokio::sync::Mutex::new(RefreshState::default()),
                cooldown: settings.cooldown,
                fetches: AtomicUsize::new(0),
            }),
        };
        {
            let _gate = jwks.inner.refresh.lock().await;
            // A failure is logged inside and leaves the cache cold; see the doc above.
            let _ = jwks.inner.fetch_and_store().await;
        }
        tokio::spawn(background_refresh(Arc::downgrade(&jwks.inner)));
        jwks
    }

    /// The key that must verify a token with this header.
    ///
    /// On a miss, refreshes once (subject to single-flight and the cooldown) and looks again.
    pub async fn key_for(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Arc<VerifyingKey>, TokenError> {
        let seen = {
            let snap = self.inner.snapshot.load();
            match snap.keys.lookup(alg, kid) {
                Lookup::Found(key) => return Ok(Arc::clone(key)),
                Lookup::Mismatch => return Err(TokenError::KeyMismatch),
                Lookup::Ambiguous => return Err(TokenError::MissingKeyId),
                Lookup::NotFound => snap.generation,
            }
        };
        self.inner.refresh_on_miss(seen).await;
        let snap = self.inner.snapshot.load();
        match snap.keys.lookup(alg, kid) {
            Lookup::Found(key) => Ok(Arc::clone(key)),
            Lookup::Mismatch => Err(TokenError::KeyMismatch),
            Lookup::Ambiguous => Err(TokenError::MissingKeyId),
            Lookup::NotFound if !snap.loaded || snap.failing => Err(TokenError::KeysUnavailable),
            Lookup::NotFound if kid.is_none() => Err(TokenError::MissingKeyId),
            Lookup::NotFound => Err(TokenError::UnknownKeyId),
        }
    }

    /// The key for this header if the current key set decides it (found, or refused for a
    /// mismatch or a missing `kid`), without waiting and without side effects; `None` when the
    /// `kid` is unknown, which needs [`key_for`](Self::key_for) and its refresh.
    pub(crate) fn key_now(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Option<Result<Arc<VerifyingKey>, TokenError>> {
        match self.inner.snapshot.load().keys.lookup(alg, kid) {
            Lookup::Found(key) => Some(Ok(Arc::clone(key))),
            Lookup::Mismatch => Some(Err(TokenError::KeyMismatch)),
            Lookup::Ambiguous => Some(Err(TokenError::MissingKeyId)),
            Lookup::NotFound => None,
        }
    }

    /// How many times the JWKS was fetched (successfully or not) since start.
    pub fn fetch_count(&self) -> usize {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The key ids currently served.
    pub fn kids(&self) -> Vec<String> {
        self.inner
            .snapshot
            .load()
            .keys
            .kids()
            .map(str::to_owned)
            .collect()
    }

    /// Refreshes now, ignoring the cooldown (e.g. from an admin endpoint after a known rotation).
    pub async fn refresh_now(&self) -> Result<(), ProviderError> {
        let _gate = self.inner.refresh.lock().await;
        self.inner.fetch_and_store().await
    }
}

impl Inner {
    async fn refresh_on_miss(&self, seen: u64) {
        if self.remote.is_none() {
            return;
        }
        let mut state = self.refresh.lock().await;
        if self.snapshot.load().generation != seen {
            return; // another request refreshed while we waited: use its result
        }
        if state
            .last_on_demand
            .is_some_and(|t| t.elapsed() < self.cooldown)
        {
            tracing::debug!("unknown key id inside the JWKS refresh cooldown; not fetching");
            return;
        }
        state.last_on_demand = Some(Instant::now());
        // Errors are logged inside; the caller only looks at the new snapshot.
        let _ = self.fetch_and_store().await;
    }

    /// Fetches and swaps in a new snapshot. Callers hold the `refresh` gate.
    async fn fetch_and_store(&self) -> Result<(), ProviderError> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = get_document(
            &remote.http,
            Endpoint::Jwks,
            "JWKS",
            &remote.uri,
            remote.timeout,
        )
        .await
        .and_then(|fetched| {
            let keys =
                KeySet::from_json(&fetched.body).map_err(|e| ProviderError::InvalidDocument {
                    what: "JWKS",
                    url: remote.uri.clone(),
                    reason: e.to_string(),
                })?;
            if keys.is_empty() {
                return Err(ProviderError::InvalidDocument {
                    what: "JWKS",
                    url: remote.uri.clone(),
                    reason: "no usable signing key".into(),
                });
            }
            let ttl = fetched
                .max_age
                .map_or(remote.default_ttl, |t| t.clamp(MIN_TTL, MAX_TTL));
            Ok((keys, ttl))
        });
        let old = self.snapshot.load();
        match result {
            Ok((keys, ttl)) => {
                telemetry::jwks_fetch(true);
                tracing::debug!(
                    keys = keys.len(),
                    ttl_secs = ttl.as_secs(),
                    "JWKS refreshed"
                );
                self.snapshot.store(Arc::new(Snapshot {
                    keys,
                    generation: old.generation + 1,
                    loaded: true,
                    failing: false,
                    ttl,
                }));
                Ok(())
            }
            Err(error) => {
                telemetry::jwks_fetch(false);
                tracing::warn!(%error, keys_kept = old.keys.len(), "JWKS refresh failed; keeping the last good key set");
                self.snapshot.store(Arc::new(Snapshot {
                    keys: old.keys.clone(),
                    generation: old.generation + 1,
                    loaded: old.loaded,
                    failing: true,
                    ttl: old.ttl,
                }));
                Err(error)
            }
        }
    }
}

/// Refreshes at 90 % of the TTL; retries sooner after a failure. Ends when the cache is dropped.
async fn background_refresh(inner: Weak<Inner>) {
    loop {
        let delay = match inner.upgrade() {
            Some(inner) => {
                let snap = inner.snapshot.load();
                if snap.failing {
                    RETRY_AFTER_FAILURE
                } else {
                    snap.ttl.mul_f32(0.9)
                }
            }
            None => return,
        };
        tokio::time::sleep(delay).await;
        let Some(inner) = inner.upgrade() else { return };
        let _gate = inner.refresh.lock().await;
        let _ = inner.fetch_and_store().await;
    }
}
