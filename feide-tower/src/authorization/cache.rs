//! [`FactsCache`]: facts kept in this process until their freshness window ends, keyed by a
//! hash (of the session's access token, of a stored session's facts record, or of a data
//! source's caller), bounded, single-flight.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;

use super::facts::Directory;

/// A key: SHA-256 of its labelled parts (never the parts themselves).
pub(crate) type FactsKey = [u8; 32];

/// The key for `parts`, each length-prefixed under `label`.
pub(crate) fn key(label: &str, parts: &[&[u8]]) -> FactsKey {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in std::iter::once(label.as_bytes()).chain(parts.iter().copied()) {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Facts by key, each until the end of its own window.
#[derive(Clone)]
pub(crate) struct FactsCache {
    entries: moka::future::Cache<FactsKey, Fresh>,
}

/// Facts and when their window ends: `freshness` after Feide answered, which for facts read
/// from the session store may be sooner than `freshness` from now.
#[derive(Clone)]
pub(crate) struct Fresh {
    pub(crate) directory: Arc<Directory>,
    pub(crate) until: Instant,
}

impl Fresh {
    /// Facts Feide just answered with, fresh for `freshness`.
    pub(crate) fn new(directory: Directory, freshness: Duration) -> Self {
        Self {
            directory: Arc::new(directory),
            until: Instant::now() + freshness,
        }
    }
}

/// Each entry expires when its window ends.
struct UntilStale;

impl moka::Expiry<FactsKey, Fresh> for UntilStale {
    fn expire_after_create(&self, _: &FactsKey, fresh: &Fresh, now: Instant) -> Option<Duration> {
        Some(fresh.until.saturating_duration_since(now))
    }
}

/// A fetch failed (already logged by whoever failed): no facts, never an allow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unavailable;

impl FactsCache {
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilStale)
                .build(),
        }
    }

    /// The facts under `key` while fresh, or those the future `fetch` makes yields (kept until
    /// their window ends; a failure is not kept). Concurrent misses for one key share one fetch.
    pub(crate) async fn get_or_fetch<'f, F, Fut>(
        &self,
        key: FactsKey,
        fetch: F,
    ) -> Result<Arc<Directory>, Unavailable>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fresh, Unavailable>> + Send + 'f,
    {
        // moka never answers with an entry past its expiry, even before it drops it. The hit
        // path is a plain read: no initialiser set up (as the exchange cache does).
        if let Some(fresh) = self.entries.get(&key).await {
            return Ok(fresh.directory);
        }
        // The miss is boxed: its future (Feide's APIs, a token exchange) is kilobytes, and held
        // inline it made every hit copy it each time the decision's future moved.
        let fetch: Pin<Box<dyn Future<Output = Result<Fresh, Unavailable>> + Send + 'f>> =
            Box::pin(fetch());
        self.entries
            .try_get_with(key, fetch)
            .await
            .map(|fresh| fresh.directory)
            .map_err(|e: Arc<Unavailable>| *e)
    }

    /// How many facts are kept (approximately, as moka counts).
    pub(crate) fn len(&self) -> u64 {
        self.entries.entry_count()
    }
}

impl fmt::Debug for FactsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactsCache")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}
