//! The exchanged-token cache: moka, keyed by a hash of (subject token, audience, scope), each
//! entry kept until its token's `expires_in` minus the margin.
//!
//! - Single-flight: concurrent misses for one key share one exchange (`try_get_with`); a failed
//!   exchange is not cached, the next call tries again.
//! - Entries are small: a 32-byte key (the subject token itself is never stored) and an
//!   `Arc<IssuedToken>` holding one copy of the issued token, already formatted as the header.
//! - Bounded twice: by entries and by (estimated) bytes. Each entry weighs its estimated size,
//!   but at least `budget / capacity`, against a total of `budget`: so there are never more
//!   than `capacity` entries nor more than `budget` bytes of them.
//! - Freshness is checked against the injectable clock on every hit; moka's per-entry expiry
//!   (same lifetime) frees the memory.

use crate::telemetry;
use crate::telemetry::labels::CacheName;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use moka::Expiry;
use moka::future::Cache;
use moka::ops::compute::Op;

use super::issued::IssuedToken;
use super::pattern::ExchangePattern;
use crate::provider::TokenEndpointError;

/// SHA-256 of what identifies an exchange.
pub(crate) type CacheKey = [u8; 32];

/// See the module docs.
#[derive(Clone)]
pub(crate) struct ExchangeCache {
    entries: Cache<CacheKey, Arc<IssuedToken>>,
}

/// Per-entry lifetime: until the token's refresh point (zero for tokens not to be cached).
struct UntilRefresh;

impl Expiry<CacheKey, Arc<IssuedToken>> for UntilRefresh {
    fn expire_after_create(
        &self,
        _key: &CacheKey,
        value: &Arc<IssuedToken>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.cache_lifetime())
    }

    // An insert over an expired entry counts as an update: give it its own lifetime, not what
    // was left of the old one's.
    fn expire_after_update(
        &self,
        _key: &CacheKey,
        value: &Arc<IssuedToken>,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.cache_lifetime())
    }
}

impl ExchangeCache {
    /// At most `capacity` entries and about `budget` bytes (both at least 1).
    pub(crate) fn new(capacity: u64, budget: u64) -> Self {
        let floor = budget / capacity.max(1);
        Self {
            entries: Cache::builder()
                .max_capacity(budget)
                .weigher(move |_, token: &Arc<IssuedToken>| {
                    u32::try_from(token.weight().max(floor)).unwrap_or(u32::MAX)
                })
                .expire_after(UntilRefresh)
                .eviction_listener(|_, _, _| {
                    telemetry::cache_entries(CacheName::ExchangedTokens, -1)
                })
                .build(),
        }
    }

    /// How many tokens are cached (moka's count: it may lag behind by the pending maintenance).
    pub(crate) fn len(&self) -> u64 {
        self.entries.entry_count()
    }

    /// The key: SHA-256 over length-prefixed fields, so no two different triples collide by
    /// shifting bytes between fields. One digest call over one buffer: on the hit path each
    /// incremental update would cost a call into aws-lc.
    pub(crate) fn key(
        pattern: ExchangePattern,
        subject: &str,
        audience: &str,
        scope: Option<&str>,
    ) -> CacheKey {
        const DOMAIN: &[u8] = b"feide-tower/exchange/v1\0";
        let scope_len = scope.map_or(0, |s| 8 + s.len());
        let mut input =
            Vec::with_capacity(DOMAIN.len() + 2 + 16 + subject.len() + audience.len() + scope_len);
        input.extend_from_slice(DOMAIN);
        input.push(pattern.tag());
        for field in [subject, audience] {
            input.extend_from_slice(&(field.len() as u64).to_be_bytes());
            input.extend_from_slice(field.as_bytes());
        }
        match scope {
            None => input.push(0),
            Some(scope) => {
                input.push(1);
                input.extend_from_slice(&(scope.len() as u64).to_be_bytes());
                input.extend_from_slice(scope.as_bytes());
            }
        }
        let mut key = [0; 32];
        key.copy_from_slice(digest::digest(&digest::SHA256, &input).as_ref());
        key
    }

    /// The cached token for `key` if still fresh at `now()`, else the result of `fetch` (one
    /// fetch for all concurrent callers). A token fetched during this call is returned even when
    /// too short-lived to be cached.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: CacheKey,
        now: &(dyn Fn() -> Instant + Send + Sync),
        fetch: F,
    ) -> Result<Arc<IssuedToken>, Arc<TokenEndpointError>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<IssuedToken, TokenEndpointError>>,
    {
        let start = now();
        // The hit path: a plain read, no initialiser set up.
        if let Some(token) = self.entries.get(&key).await
            && token.is_fresh(start)
        {
            return Ok(token);
        }
        let token = self.shared_fetch(key, &fetch).await?;
        if token.is_fresh(start) || token.fetched_at() >= start {
            return Ok(token);
        }
        // Stale by our clock (moka has not dropped it yet): replace it, once.
        self.invalidate_if(key, &token).await;
        self.shared_fetch(key, &fetch).await
    }

    async fn shared_fetch<F, Fut>(
        &self,
        key: CacheKey,
        fetch: &F,
    ) -> Result<Arc<IssuedToken>, Arc<TokenEndpointError>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<IssuedToken, TokenEndpointError>>,
    {
        self.entries
            .try_get_with(key, async {
                let token = fetch().await.map(Arc::new);
                if token.is_ok() {
                    telemetry::cache_entries(CacheName::ExchangedTokens, 1);
                }
                token
            })
            .await
    }

    /// Removes the entry for `key` if it still holds `used` (a newer token that another caller
    /// already fetched stays).
    pub(crate) async fn invalidate_if(&self, key: CacheKey, used: &Arc<IssuedToken>) {
        self.entries
            .entry(key)
            .and_compute_with(|entry| {
                let op = match entry {
                    Some(entry) if Arc::ptr_eq(entry.value(), used) => Op::Remove,
                    _ => Op::Nop,
                };
                std::future::ready(op)
            })
            .await;
    }

    /// Removes the entry for `key`.
    pub(crate) async fn invalidate(&self, key: CacheKey) {
        self.entries.invalidate(&key).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_every_field() {
        let p = ExchangePattern::LoginClient;
        let base = ExchangeCache::key(p, "ab", "c", None);
        assert_ne!(base, ExchangeCache::key(p, "a", "bc", None));
        assert_ne!(base, ExchangeCache::key(p, "ab", "c", Some("")));
        assert_ne!(
            base,
            ExchangeCache::key(ExchangePattern::DataSource, "ab", "c", None)
        );
        assert_ne!(
            ExchangeCache::key(p, "ab", "c", Some("x")),
            ExchangeCache::key(p, "ab", "c", Some("y"))
        );
        assert_eq!(base, ExchangeCache::key(p, "ab", "c", None));
    }

    /// Fills a cache with `n` distinct tokens of `len` characters; the entry count after.
    fn filled(cache: &ExchangeCache, n: usize, len: usize) -> u64 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            for i in 0..n {
                let key =
                    ExchangeCache::key(ExchangePattern::LoginClient, &i.to_string(), "a", None);
                let json = format!(
                    r#"{{"access_token":"{:0len$}","token_type":"Bearer","expires_in":3600}}"#,
                    i
                );
                let now = Instant::now();
                let fetch = || {
                    let response: crate::provider::TokenResponse =
                        serde_json::from_str(&json).unwrap();
                    std::future::ready(IssuedToken::from_response(
                        response,
                        now,
                        Duration::from_secs(60),
                        "http://x",
                    ))
                };
                cache.get_or_fetch(key, &Instant::now, fetch).await.unwrap();
            }
            cache.entries.run_pending_tasks().await;
            cache.len()
        })
    }

    #[test]
    fn the_cache_is_bounded_by_entries_and_by_bytes() {
        // Entries bound: a generous budget, 10 entries.
        assert!(filled(&ExchangeCache::new(10, 1 << 30), 100, 36) <= 10);
        // Bytes bound: 50 kB hold some 37 kilobyte tokens (~1,350 bytes each) out of 1,000...
        let big = filled(&ExchangeCache::new(1_000, 50_000), 1_000, 900);
        assert!((20..=37).contains(&big), "{big}");
        // ... and some 100 opaque ones (~490 bytes each).
        let small = filled(&ExchangeCache::new(1_000, 50_000), 1_000, 36);
        assert!((60..=103).contains(&small), "{small}");
    }
}

/// Memory of 100,000 cached tokens (issue #8). Ignored: run with
/// `cargo test -p feide-tower --lib -- --ignored --nocapture cache_memory`.
#[cfg(all(test, target_os = "linux"))]
mod memory {
    use super::*;
    use crate::provider::TokenResponse;

    fn resident_bytes() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: usize = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        pages * 4096
    }

    fn fill(token_len: usize, entries: usize) -> usize {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let cache = ExchangeCache::new(
                super::super::builder::DEFAULT_CAPACITY.max(entries as u64),
                u64::MAX,
            );
            let aud = "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001";
            let before = resident_bytes();
            for n in 0..entries {
                let subject = format!("{n:043}");
                let key = ExchangeCache::key(ExchangePattern::LoginClient, &subject, aud, None);
                let token = format!("{n:0token_len$}");
                let json = format!(
                    r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":28800,"scope":"readUser writeUser","issued_token_type":"urn:ietf:params:oauth:token-type:jwt"}}"#
                );
                let now = Instant::now();
                let fetch = || {
                    let response: TokenResponse = serde_json::from_str(&json).unwrap();
                    std::future::ready(IssuedToken::from_response(
                        response,
                        now,
                        Duration::from_secs(60),
                        "http://x",
                    ))
                };
                cache.get_or_fetch(key, &Instant::now, fetch).await.unwrap();
            }
            cache.entries.run_pending_tasks().await;
            assert_eq!(cache.entries.entry_count(), entries as u64);
            resident_bytes().saturating_sub(before)
        })
    }

    fn moka(variant: &str) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let builder = Cache::builder().max_capacity(100_000);
            let cache: Cache<CacheKey, Arc<u64>> = match variant {
                "expiry" => builder.expire_after(Fixed).build(),
                "ttl" => builder.time_to_live(Duration::from_secs(3600)).build(),
                _ => builder.build(),
            };
            let before = resident_bytes();
            for n in 0..100_000u64 {
                let mut key = [0u8; 32];
                key[..8].copy_from_slice(&n.to_be_bytes());
                cache.insert(key, Arc::new(n)).await;
            }
            cache.run_pending_tasks().await;
            let grown = resident_bytes().saturating_sub(before);
            println!("moka alone ({variant}), 100,000 entries [u8; 32] -> Arc<u64>: {:.1} MB ({} bytes/entry)", grown as f64 / 1e6, grown / 100_000);
        });
    }

    #[test]
    #[ignore = "a measurement, not a test"]
    fn moka_expiry() {
        moka("expiry");
    }

    #[test]
    #[ignore = "a measurement, not a test"]
    fn moka_ttl() {
        moka("ttl");
    }

    #[test]
    #[ignore = "a measurement, not a test"]
    fn moka_plain() {
        moka("plain");
    }

    struct Fixed;
    impl Expiry<CacheKey, Arc<u64>> for Fixed {
        fn expire_after_create(&self, _: &CacheKey, _: &Arc<u64>, _: Instant) -> Option<Duration> {
            Some(Duration::from_secs(3600))
        }
    }

    fn report(token_len: usize) {
        println!(
            "size_of::<IssuedToken>() = {}",
            std::mem::size_of::<IssuedToken>()
        );
        let grown = fill(token_len, 100_000);
        println!(
            "100,000 cached {token_len}-byte tokens: {:.1} MB resident ({} bytes/entry)",
            grown as f64 / 1e6,
            grown / 100_000
        );
    }

    // One per process: freed memory of an earlier run would be reused and hide the growth.
    #[test]
    #[ignore = "a measurement, not a test"]
    fn cache_memory_opaque() {
        report(43);
    }

    #[test]
    #[ignore = "a measurement, not a test"]
    fn cache_memory_jwt() {
        report(1101);
    }
}
