//! [`StoredSessions`]: a login's sessions in a [`SessionStore`] instead of the cookie.
//!
//! The cookie holds a sealed reference (89 bytes; [`SessionRefs`]); the session, sealed again
//! with the app key and bound to its store key, lives in the store. Per request:
//!
//! * the reference is opened (AES-256-GCM, no store access), once per cookie value: opened
//!   references are kept by exact value;
//! * the record is taken from a per-process **near cache** if it was loaded less than half the
//!   [revocation bound](super::FeideLoginBuilder::revocation_bound) ago (the record a reference
//!   last led to is kept with it, so a hit is one lookup), else loaded from the store, one read
//!   per session at a time. So a session deleted on one replica is refused on every replica within the bound
//!   (half of it for the cache, the rest for a load in flight, itself bounded by the store's
//!   command timeout); logout on this replica drops the cached entry at once;
//! * activity is written back at most every
//!   [touch interval](super::FeideLoginBuilder::session_touch_interval), with a
//!   compare-and-swap that never re-creates a deleted record;
//! * a store that cannot answer is reported in [`SessionLookup::store_error`]: the request goes
//!   on without a session but marked [`SessionUnavailable`], the cookie is kept, and routes that
//!   need a session answer `503` with `Retry-After`.
//!
//! Refreshes across replicas are in `stored_refresh`.

use crate::telemetry::labels::CacheName;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

use http::HeaderMap;
use moka::sync::Cache;
use serde::{Deserialize, Serialize};

use super::pages::unavailable_page;
use super::refresh_policy::RefreshPolicy;
use super::session_cookies::SessionCookies;
use super::session_lookup::SessionLookup;
use super::session_span::{Refusal, Trace};
use crate::answer::Answer;
use crate::hot_cache::ExactCache;
use crate::session::cookie::{request_cookies, sole_cookie_noting};
use crate::session::{FeideSession, KeyRing, OpenedRef, SessionData, SessionRefs};
use crate::store::{Record, SessionStore, StoreError, StoreKey, Updated};
use crate::telemetry::labels::CacheUse;

/// Default bound on how long a revoked session may still be served by another replica.
pub(crate) const DEFAULT_REVOCATION_BOUND: Duration = Duration::from_secs(1);
/// Default interval between activity writes of one session.
pub(crate) const DEFAULT_STORE_TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// Most sessions the near cache holds.
const NEAR_CACHE_CAPACITY: u64 = 100_000;
/// `Retry-After` of the `503` answered when the store cannot answer.
pub(crate) const STORE_RETRY_AFTER_SECS: u64 = 2;

/// What the builder says about stored sessions.
#[derive(Clone)]
pub(crate) struct StoreSettings {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) revocation_bound: Duration,
    pub(crate) touch_interval: Duration,
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("store", &self.store)
            .field("revocation_bound", &self.revocation_bound)
            .field("touch_interval", &self.touch_interval)
            .finish()
    }
}

/// A login's sessions in a store.
pub(crate) struct StoredSessions {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) refs: SessionRefs,
    /// Cookie references opened recently, by their exact value: a browser sends the same value
    /// on every request, and opening it (base64, AES-GCM, HMAC) costs more than the rest of a
    /// near-cache hit. Safe to share: a hit needs the byte-identical value that opened.
    opened: ExactCache<RefHit>,
    /// Bumped whenever this process writes or forgets a record: a [`RefHit`]'s record seen
    /// before is not used again.
    generation: AtomicU64,
    /// How long a loaded record is used: half the revocation bound.
    near_ttl: Duration,
    /// Records loaded recently (`None`: every request loads).
    near: Option<Cache<StoreKey, Arc<Loaded>>>,
    /// Loads in flight: concurrent requests of one session share one store read.
    loading: moka::future::Cache<StoreKey, Option<Arc<Loaded>>>,
    pub(crate) touch_interval: Duration,
    pub(crate) revocation_bound: Duration,
}

impl fmt::Debug for StoredSessions {
    // Never the cached sessions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSessions")
            .field("store", &self.store)
            .field("revocation_bound", &self.revocation_bound)
            .field("touch_interval", &self.touch_interval)
            .field(
                "near_cache_entries",
                &self.near.as_ref().map(Cache::entry_count),
            )
            .finish()
    }
}

/// What a record holds once opened (sealed as JSON in [`Record::data`]).
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredSession {
    /// When the session began (Unix seconds).
    pub(crate) issued_at: u64,
    /// When it ends, whatever happens.
    pub(crate) expires_at: u64,
    /// Last activity written back.
    pub(crate) seen: u64,
    /// A replica is redeeming the refresh token until then (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) lease_until: Option<u64>,
    /// The provider's session id (`sid`), if its ID token had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<String>,
    pub(crate) data: SessionData,
}

/// An opened cookie reference, and the record it last led to.
struct RefHit {
    opened: OpenedRef,
    recent: ArcSwapOption<Recent>,
}

/// The record a reference last led to, and the process's write generation then.
struct Recent {
    loaded: Arc<Loaded>,
    generation: u64,
}

/// A record loaded and opened.
pub(crate) struct Loaded {
    /// When it was read from (or written to) the store.
    pub(crate) loaded_at: Instant,
    pub(crate) key: StoreKey,
    pub(crate) version: u64,
    pub(crate) session: FeideSession,
    pub(crate) issued_at: u64,
    pub(crate) seen: u64,
    pub(crate) lease_until: Option<u64>,
    pub(crate) sid: Option<String>,
}

/// What the synchronous part of a lookup found.
pub(crate) enum NearLookup {
    /// Decided without the store.
    Done(SessionLookup),
    /// The store must be asked (or written: activity, refresh).
    Ask(StoreAsk),
}

/// The asynchronous part of a lookup to do.
pub(crate) struct StoreAsk {
    pub(crate) opened: OpenedRef,
    /// Already loaded (a near-cache hit whose activity or refresh is due).
    pub(crate) loaded: Option<Arc<Loaded>>,
}

impl StoredSessions {
    pub(crate) fn new(settings: StoreSettings, ring: &KeyRing, login_name: &str) -> Self {
        // Half the bound for the cache: the other half covers a load in flight.
        let ttl = settings.revocation_bound / 2;
        let near = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(NEAR_CACHE_CAPACITY)
                .time_to_live(ttl)
                .build()
        });
        Self {
            store: settings.store,
            refs: SessionRefs::new(ring, login_name),
            generation: AtomicU64::new(0),
            near_ttl: ttl,
            opened: ExactCache::new(
                Cache::builder().max_capacity(NEAR_CACHE_CAPACITY),
                CacheName::OpenedSessions,
            ),
            near,
            loading: moka::future::Cache::builder()
                .max_capacity(NEAR_CACHE_CAPACITY)
                .build(),
            touch_interval: settings.touch_interval,
            revocation_bound: settings.revocation_bound,
        }
    }

    /// Forgets a cached record (after a write or a delete by this process).
    pub(crate) fn forget(&self, key: &StoreKey) {
        self.generation.fetch_add(1, Ordering::Release);
        if let Some(near) = &self.near {
            near.invalidate(key);
        }
    }

    /// Keeps a record just loaded.
    pub(crate) fn remember(&self, loaded: &Arc<Loaded>) {
        if let Some(near) = &self.near {
            near.insert(loaded.key, Arc::clone(loaded));
        }
    }

    /// Keeps a record just written by this process (records seen before are not used again).
    fn remember_written(&self, loaded: &Arc<Loaded>) {
        self.generation.fetch_add(1, Ordering::Release);
        self.remember(loaded);
    }

    /// The record an opened reference leads to, if loaded less than half the revocation bound
    /// ago: the one it last led to when still fresh and nothing was written or forgotten since
    /// (one cache lookup per request instead of two), else the near cache's.
    fn near_hit(&self, hit: &RefHit) -> Option<Arc<Loaded>> {
        let near = self.near.as_ref()?;
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(recent) = &*hit.recent.load()
            && recent.generation == generation
            && recent.loaded.loaded_at.elapsed() < self.near_ttl
        {
            return Some(Arc::clone(&recent.loaded));
        }
        let loaded = near.get(&hit.opened.key)?;
        hit.recent.store(Some(Arc::new(Recent {
            loaded: Arc::clone(&loaded),
            generation,
        })));
        Some(loaded)
    }

    /// Seals `stored` into the record filed under `key`.
    pub(crate) fn record(&self, key: &StoreKey, stored: &StoredSession) -> Record {
        // Serialising plain data with string keys cannot fail.
        let json = serde_json::to_vec(stored).unwrap_or_default();
        let data = self.refs.seal_record(key, &json);
        let iss = &stored.data.iss;
        Record {
            data,
            subject: self.refs.subject_key(iss, &stored.data.sub),
            sid: stored.sid.as_deref().map(|sid| self.refs.sid_key(iss, sid)),
            expires_at: stored.expires_at,
        }
    }

    /// Opens a record loaded from the store; `None` if it does not open (another key, tampered).
    pub(crate) fn open(
        &self,
        key: StoreKey,
        version: u64,
        record: &Record,
        login_name: &str,
    ) -> Option<Arc<Loaded>> {
        let plain = self.refs.open_record(&key, &record.data).ok()?;
        let stored: StoredSession = serde_json::from_slice(&plain).ok()?;
        if stored.data.provider != login_name {
            return None;
        }
        let session =
            FeideSession::new(Arc::new(stored.data), stored.expires_at).with_store_key(key);
        Some(Arc::new(Loaded {
            loaded_at: Instant::now(),
            key,
            version,
            session,
            issued_at: stored.issued_at,
            seen: stored.seen,
            lease_until: stored.lease_until,
            sid: stored.sid,
        }))
    }

    /// The record of `loaded` with `change` applied, as plain data again.
    pub(crate) fn restore(
        loaded: &Loaded,
        change: impl FnOnce(&mut StoredSession),
    ) -> StoredSession {
        let data = loaded.session.data();
        let mut stored = StoredSession {
            issued_at: loaded.issued_at,
            expires_at: loaded.session.expires_at(),
            seen: loaded.seen,
            lease_until: loaded.lease_until,
            sid: loaded.sid.clone(),
            data: SessionData::clone(data),
        };
        change(&mut stored);
        stored
    }

    /// Loads and opens the record under `key`, bypassing the near cache; `Ok(None)` when there
    /// is none (deleted, expired) or it does not open.
    pub(crate) async fn load(
        &self,
        key: StoreKey,
        login_name: &str,
    ) -> Result<Option<Arc<Loaded>>, StoreError> {
        let Some(versioned) = self.store.load(&key).await? else {
            self.forget(&key);
            return Ok(None);
        };
        let loaded = self.open(key, versioned.version, &versioned.record, login_name);
        match &loaded {
            Some(loaded) => self.remember(loaded),
            None => {
                tracing::warn!("a stored session did not open (another key, or tampered)");
                self.forget(&key);
            }
        }
        Ok(loaded)
    }

    /// [`load`](Self::load), shared by the concurrent requests of one session: when a record
    /// leaves the near cache, a busy session makes one store read per process, not one per
    /// request in flight.
    pub(crate) async fn load_shared(
        &self,
        key: StoreKey,
        login_name: &str,
    ) -> Result<Option<Arc<Loaded>>, StoreError> {
        let result = self
            .loading
            .try_get_with(key, self.load(key, login_name))
            .await;
        // The next miss (after the near cache expires) reads the store again.
        self.loading.invalidate(&key).await;
        result.map_err(|error| StoreError::clone(&error))
    }

    /// Writes `stored` over `loaded` if nobody wrote since; the new loaded state when written.
    pub(crate) async fn write(
        &self,
        loaded: &Loaded,
        stored: &StoredSession,
    ) -> Result<Result<Arc<Loaded>, Updated>, StoreError> {
        let record = self.record(&loaded.key, stored);
        match self
            .store
            .update(&loaded.key, loaded.version, &record)
            .await?
        {
            Updated::Written(version) => {
                let login_name = stored.data.provider.clone();
                match self.open(loaded.key, version, &record, &login_name) {
                    Some(new) => {
                        self.remember_written(&new);
                        Ok(Ok(new))
                    }
                    // We just sealed it: it opens. Treat the impossible as gone.
                    None => Ok(Err(Updated::Gone)),
                }
            }
            other => {
                self.forget(&loaded.key);
                Ok(Err(other))
            }
        }
    }
}

impl SessionCookies {
    /// The synchronous part of a stored session's lookup: the cookie's reference opened, and the
    /// record if the near cache has it and nothing is due.
    pub(crate) fn stored_near(
        &self,
        stored: &StoredSessions,
        headers: &HeaderMap,
        now: u64,
        refresh: &RefreshPolicy,
    ) -> NearLookup {
        let name = self.name.as_str();
        let (sole, marker) = sole_cookie_noting(headers, name, Some(&self.marker_name));
        // Known only when the one pass read every cookie name.
        let marker = sole.is_some().then_some(marker);
        let value: std::borrow::Cow<'_, str> = match sole {
            Some(raw) => match std::str::from_utf8(raw) {
                Ok(value) => value.into(),
                Err(_) => return NearLookup::Done(self.clear(headers, Refusal::Reference)),
            },
            None => match self.chunker.join(name, request_cookies(headers)) {
                Ok(None) => return NearLookup::Done(SessionLookup::default()),
                Ok(Some(value)) => value,
                Err(_) => return NearLookup::Done(self.clear(headers, Refusal::Chunks)),
            },
        };
        let (opened, hit) = match stored.opened.get(value.as_bytes()) {
            Some(entry) => (entry.value.opened, stored.near_hit(&entry.value)),
            None => match stored.refs.open(name, &value) {
                Ok(opened) => {
                    let entry = RefHit {
                        opened,
                        recent: ArcSwapOption::empty(),
                    };
                    let hit = stored.near_hit(&entry);
                    stored.opened.insert(value.as_bytes(), entry);
                    (opened, hit)
                }
                // A cookie session from before the store was configured, or garbage: signed
                // out, cleanly.
                Err(_) => return NearLookup::Done(self.clear(headers, Refusal::Reference)),
            },
        };
        match hit {
            Some(loaded) => match self.stored_decide(&loaded, now, refresh, stored) {
                Decision::Serve => NearLookup::Done(SessionLookup {
                    session: Some(loaded.session.clone()),
                    silent_marker: marker,
                    trace: Trace {
                        cache: CacheUse::Hit,
                        ..Trace::default()
                    },
                    ..SessionLookup::default()
                }),
                Decision::Ended(reason) => {
                    let mut lookup = self.clear(headers, reason);
                    lookup.trace.cache = CacheUse::Hit;
                    NearLookup::Done(lookup)
                }
                Decision::Write => NearLookup::Ask(StoreAsk {
                    opened,
                    loaded: Some(loaded),
                }),
            },
            None => NearLookup::Ask(StoreAsk {
                opened,
                loaded: None,
            }),
        }
    }

    /// Whether a loaded session is served as it is, has ended, or needs a write first.
    pub(crate) fn stored_decide(
        &self,
        loaded: &Loaded,
        now: u64,
        refresh: &RefreshPolicy,
        stored: &StoredSessions,
    ) -> Decision {
        if now >= loaded.session.expires_at() {
            return Decision::Ended(Refusal::Expired);
        }
        if let Some(idle) = self.idle_timeout
            && now.saturating_sub(loaded.seen) > idle.as_secs()
        {
            return Decision::Ended(Refusal::Idle);
        }
        let touch = self.idle_timeout.is_some()
            && now.saturating_sub(loaded.seen) >= stored.touch_interval.as_secs();
        let due = refresh
            .due(loaded.session.data(), loaded.issued_at, now)
            .is_some();
        if touch || due {
            Decision::Write
        } else {
            Decision::Serve
        }
    }
}

/// What to do with a loaded session.
pub(crate) enum Decision {
    Serve,
    Ended(Refusal),
    Write,
}

const STORE_TITLE: &str = "Temporarily unavailable";
const STORE_MESSAGE: &str = "Sessions cannot be checked right now. Please try again in a moment.";

impl super::FeideLogin {
    /// The answer for a request whose session the [store](crate::store) could not check
    /// ([`SessionLookup::store_error`]): `503` with `Retry-After` (a page for browsers,
    /// `{"error":"temporarily_unavailable"}` for API callers, or the custom renderer's body);
    /// no cookie is touched. For frameworks other than tower (the layers answer it themselves).
    pub fn store_unavailable(&self, headers: &HeaderMap) -> Answer {
        let cfg = &*self.config;
        cfg.rendered(
            "store_unavailable",
            STORE_TITLE,
            STORE_MESSAGE.to_owned(),
            unavailable_page(
                headers,
                &cfg.paths.login,
                STORE_TITLE,
                STORE_MESSAGE,
                STORE_RETRY_AFTER_SECS,
            ),
        )
    }
}
