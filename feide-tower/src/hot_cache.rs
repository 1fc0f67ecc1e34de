//! [`ExactCache`]: the bounded cache of the per-request hot paths (verified bearer tokens,
//! opened session cookies), where the key is a kilobyte-long credential.
//!
//! An entry is found by a hash of a *sample* of its key (its length, first 32 and last 32
//! bytes) and matched by comparing the *whole* key, so a hit is always the byte-identical
//! credential. Hashing a sample instead of the whole kilobyte keeps a lookup at a few tens of
//! nanoseconds; it is sound because the comparison, not the hash, decides:
//!
//! - two credentials with the same sample land on the same entry; the newer one replaces the
//!   older, and a lookup of the other is a miss (it is then checked in full, as without a cache);
//! - nothing can be put in the cache without passing the full check first, so a crafted
//!   credential that collides with someone else's can only be a miss, never a hit;
//! - the samples are not guessable anyway in practice: a JWT ends with its signature and a sealed
//!   cookie starts with a random nonce and ends with an authentication tag, and the hash is seeded
//!   at random for each cache.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use moka::sync::{Cache, CacheBuilder};

use crate::telemetry;
use crate::telemetry::labels::CacheName;

/// Bytes of each end of a key that are hashed.
const SAMPLE: usize = 32;

/// A cached value with the whole key it was stored under.
pub(crate) struct Entry<V> {
    key: Box<[u8]>,
    pub(crate) value: V,
}

impl<V> Entry<V> {
    pub(crate) fn new(key: &[u8], value: V) -> Self {
        Self {
            key: key.into(),
            value,
        }
    }

    /// The length of the key, for weighing entries.
    pub(crate) fn key_len(&self) -> usize {
        self.key.len()
    }
}

/// The moka cache an [`ExactCache`] is built on, with the hasher its keys need.
pub(crate) type Entries<V> = Cache<u64, Arc<Entry<V>>, Prehashed>;

/// What an [`ExactCache`] is built from: a moka builder with the bounds and expiry the caller
/// wants.
pub(crate) type EntriesBuilder<V> = CacheBuilder<u64, Arc<Entry<V>>, Cache<u64, Arc<Entry<V>>>>;

/// See the module docs.
pub(crate) struct ExactCache<V> {
    entries: Entries<V>,
    gauge: CacheName,
    seed: foldhash::quality::RandomState,
}

impl<V: Send + Sync + 'static> ExactCache<V> {
    /// Builds the cache from `entries` (bounded and with the expiry the caller wants); its size
    /// is the `cache` gauge of the metrics.
    pub(crate) fn new(entries: EntriesBuilder<V>, gauge: CacheName) -> Self {
        // Every removal (expired, evicted, replaced, invalidated) takes one off the gauge that
        // `insert` adds to, so it follows the live entries of every cache of this kind.
        #[cfg(feature = "metrics")]
        let entries = entries.eviction_listener(move |_, _, _| telemetry::cache_entries(gauge, -1));
        Self {
            entries: entries.build_with_hasher(Prehashed),
            gauge,
            seed: foldhash::quality::RandomState::default(),
        }
    }

    fn slot(&self, key: &[u8]) -> u64 {
        let mut hasher = self.seed.build_hasher();
        hasher.write_usize(key.len());
        if key.len() <= 2 * SAMPLE {
            hasher.write(key);
        } else {
            hasher.write(&key[..SAMPLE]);
            hasher.write(&key[key.len() - SAMPLE..]);
        }
        hasher.finish()
    }

    /// The entry stored under exactly `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Arc<Entry<V>>> {
        self.entries
            .get(&self.slot(key))
            .filter(|entry| *entry.key == *key)
    }

    /// Stores `value` under `key`, replacing whatever had the same slot.
    pub(crate) fn insert(&self, key: &[u8], value: V) {
        self.entries
            .insert(self.slot(key), Arc::new(Entry::new(key, value)));
        telemetry::cache_entries(self.gauge, 1);
    }

    /// Removes the entry of exactly `key` (an entry of another key in the same slot stays, except
    /// when it replaced this one between the check and the removal: that only costs a miss).
    pub(crate) fn invalidate(&self, key: &[u8]) {
        let slot = self.slot(key);
        if self.entries.get(&slot).is_some_and(|e| *e.key == *key) {
            self.entries.invalidate(&slot);
        }
    }

    /// The capacity of the underlying cache.
    pub(crate) fn capacity(&self) -> Option<u64> {
        self.entries.policy().max_capacity()
    }

    /// The number of entries (approximate: moka counts asynchronously).
    pub(crate) fn entry_count(&self) -> u64 {
        self.entries.entry_count()
    }
}

/// The hasher of the slots: they already are well-mixed 64-bit hashes, used as they are.
#[derive(Clone, Copy, Default)]
pub(crate) struct Prehashed;

impl BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;

    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

/// See [`Prehashed`].
#[derive(Default)]
pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` slots are hashed here; fold anything else in rather than drop it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> ExactCache<u32> {
        ExactCache::new(
            Cache::builder().max_capacity(100),
            CacheName::VerifiedTokens,
        )
    }

    #[test]
    fn only_the_identical_key_hits() {
        let c = cache();
        let long = "x".repeat(500);
        let mut middle = long.clone().into_bytes();
        middle[250] = b'y'; // same length, same sample, different key
        c.insert(long.as_bytes(), 1);
        c.insert(b"short", 2);
        assert_eq!(c.get(long.as_bytes()).map(|e| e.value), Some(1));
        assert!(
            c.get(&middle).is_none(),
            "a key differing outside the sample"
        );
        assert!(c.get(&long.as_bytes()[1..]).is_none());
        assert_eq!(c.get(b"short").map(|e| e.value), Some(2));
        assert!(c.get(b"shorT").is_none());
        assert!(c.get(b"").is_none());
    }

    #[test]
    fn a_colliding_key_replaces_and_is_never_confused() {
        let c = cache();
        let a = "a".repeat(300);
        let mut b = a.clone().into_bytes();
        b[150] = b'b';
        c.insert(a.as_bytes(), 1);
        c.insert(&b, 2);
        assert_eq!(c.get(&b).map(|e| e.value), Some(2));
        assert!(c.get(a.as_bytes()).is_none(), "replaced, not mixed up");
        c.invalidate(a.as_bytes());
        assert_eq!(
            c.get(&b).map(|e| e.value),
            Some(2),
            "another key's entry stays"
        );
        c.invalidate(&b);
        assert!(c.get(&b).is_none());
    }
}
