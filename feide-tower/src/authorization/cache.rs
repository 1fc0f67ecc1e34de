//! [`FactsCache`]: facts kept in this process for a freshness window, keyed by a hash (of the
//! session's access token, or of a data source's caller), bounded, single-flight.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

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

/// Facts by key, for `freshness` after they were fetched.
#[derive(Clone)]
pub(crate) struct FactsCache {
    entries: moka::future::Cache<FactsKey, Arc<Directory>>,
}

/// A fetch failed (already logged by whoever failed): no facts, never an allow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unavailable;

impl FactsCache {
    pub(crate) fn new(capacity: u64, freshness: Duration) -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(freshness)
                .build(),
        }
    }

    /// The facts under `key`, or those `fetch` yields (kept; a failure is not). Concurrent
    /// misses for one key share one `fetch`.
    pub(crate) async fn get_or_fetch<F>(
        &self,
        key: FactsKey,
        fetch: F,
    ) -> Result<Arc<Directory>, Unavailable>
    where
        F: Future<Output = Result<Arc<Directory>, Unavailable>>,
    {
        self.entries
            .try_get_with(key, fetch)
            .await
            .map_err(|e: Arc<Unavailable>| *e)
    }

    /// Drops the facts under `key`.
    pub(crate) async fn forget(&self, key: &FactsKey) {
        self.entries.invalidate(key).await;
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
