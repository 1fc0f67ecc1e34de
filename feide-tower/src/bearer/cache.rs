//! The verified-token cache: a client that sends the same token many times pays for the
//! signature check once.
//!
//! Why it is safe:
//! - only the byte-identical token hits: entries are found by a hash and matched by comparing the
//!   whole token ([`ExactCache`]), and a hit cannot be produced without a token that once passed
//!   full validation under this configuration (issuer, audience, algorithms and keys never change
//!   for one cache);
//! - the cached claims are immutable, and expiry (`exp`/`nbf`/`iat` with the leeway) is checked
//!   again on every hit, so an expired token is refused even while its entry is still present;
//! - an entry never outlives its token's `exp` + leeway, nor the configured maximum lifetime;
//! - only successes are cached: a refused token is checked again next time.
//!
//! Its limit: a key withdrawn from the provider's JWKS does not evict tokens it signed that were
//! already verified; they stay accepted until their entry ends (at most the maximum lifetime).
//!
//! Cost of a hit (BENCHMARKS.md): a hash of 64 bytes of the token, a moka lookup and a comparison
//! of the token, some 0.2 µs; the SHA-256 of the whole token it replaces cost 0.6 µs on its own.
//! The price is memory: each entry keeps the token (1–2 KB for Feide) beside its claims.

use crate::telemetry::labels::CacheName;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

use crate::hot_cache::{Entry, ExactCache};
use crate::token::{Claims, TokenError, Validator};

/// Verified claims by token.
pub(crate) struct TokenCache {
    entries: ExactCache<Arc<Claims>>,
    leeway: i64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.entries.capacity())
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

/// Each entry lives until its token's `exp` + leeway, and at most `max_lifetime`.
struct UntilExpiry {
    leeway: i64,
    max_lifetime: Duration,
}

impl Expiry<u64, Arc<Entry<Arc<Claims>>>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _slot: &u64,
        entry: &Arc<Entry<Arc<Claims>>>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(self.lifetime(&entry.value))
    }

    // A token replacing another of the same slot gets its own lifetime.
    fn expire_after_update(
        &self,
        _slot: &u64,
        entry: &Arc<Entry<Arc<Claims>>>,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.lifetime(&entry.value))
    }
}

impl UntilExpiry {
    fn lifetime(&self, claims: &Claims) -> Duration {
        remaining(claims, self.leeway, crate::token::now()).min(self.max_lifetime)
    }
}

/// How long the token stays acceptable from `now` (one second past its last valid second).
fn remaining(claims: &Claims, leeway: i64, now: i64) -> Duration {
    let last_valid = claims.exp.saturating_add(leeway);
    let secs = last_valid.saturating_sub(now).saturating_add(1);
    Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

impl TokenCache {
    /// `leeway` in seconds must be the validator's.
    pub(crate) fn new(capacity: u64, max_lifetime: Duration, leeway: i64) -> Self {
        Self {
            entries: ExactCache::new(
                Cache::builder()
                    .max_capacity(capacity)
                    .expire_after(UntilExpiry {
                        leeway,
                        max_lifetime,
                    }),
                CacheName::VerifiedTokens,
            ),
            leeway,
        }
    }

    /// The cached claims of `token`, with `exp`/`nbf`/`iat` checked again at `now`. `None` on a
    /// miss; an entry whose token has expired is removed and answered with the error.
    pub(crate) fn get(
        &self,
        token: &[u8],
        validator: &Validator,
        now: i64,
    ) -> Option<Result<Arc<Claims>, TokenError>> {
        let entry = self.entries.get(token)?;
        match validator.check_times(&entry.value, now) {
            Ok(()) => Some(Ok(Arc::clone(&entry.value))),
            Err(error) => {
                self.entries.invalidate(token);
                Some(Err(error))
            }
        }
    }

    /// Remembers claims that just passed full validation at `now`.
    pub(crate) fn insert(&self, token: &[u8], claims: Arc<Claims>, now: i64) {
        if remaining(&claims, self.leeway, now) > Duration::from_secs(1) {
            self.entries.insert(token, claims);
        }
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, token: &str) -> bool {
        self.entries.get(token.as_bytes()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Jwks;
    use crate::token::{KeySet, now};

    fn validator() -> Validator {
        Validator::builder(Jwks::fixed(KeySet::default()))
            .issuer("i")
            .audience("a")
            .leeway(Duration::ZERO)
            .build()
            .unwrap()
    }

    fn claims(exp: i64) -> Arc<Claims> {
        let json = format!(r#"{{"iss":"i","aud":"a","sub":"u","exp":{exp}}}"#);
        Arc::new(Claims::from_payload(json.as_bytes()).unwrap())
    }

    #[test]
    fn a_hit_is_refused_once_the_token_expired() {
        let cache = TokenCache::new(10, Duration::from_secs(600), 0);
        let v = validator();
        let t = now();
        cache.insert(b"token", claims(t + 100), t);
        assert!(matches!(cache.get(b"token", &v, t), Some(Ok(_))));
        // The entry is still there (moka would keep it for 100 s), but the clock says expired.
        assert_eq!(
            cache.get(b"token", &v, t + 101).map(|r| r.map(|_| ())),
            Some(Err(TokenError::Expired))
        );
        assert!(!cache.contains("token"), "an expired entry is dropped");
    }

    #[test]
    fn only_the_identical_token_hits() {
        let cache = TokenCache::new(10, Duration::from_secs(600), 0);
        let t = now();
        cache.insert(b"token", claims(t + 100), t);
        for other in ["token ", "tokeN", "toke", ""] {
            assert!(
                cache.get(other.as_bytes(), &validator(), t).is_none(),
                "{other:?}"
            );
        }
        assert!(cache.get(b"token", &validator(), t).is_some());
    }

    #[test]
    fn tokens_about_to_expire_are_not_cached() {
        let cache = TokenCache::new(10, Duration::from_secs(600), 0);
        let t = now();
        cache.insert(b"old", claims(t - 1), t);
        assert!(!cache.contains("old"));
    }

    #[test]
    fn entry_lifetime_is_bounded_by_exp_and_by_the_maximum() {
        assert_eq!(
            remaining(&claims(1_000), 60, 1_000),
            Duration::from_secs(61)
        );
        assert_eq!(remaining(&claims(1_000), 0, 2_000), Duration::ZERO);
        let expiry = UntilExpiry {
            leeway: 0,
            max_lifetime: Duration::from_secs(300),
        };
        let far = claims(now() + 86_400);
        assert_eq!(
            expiry.expire_after_create(&0, &Arc::new(Entry::new(b"t", far)), Instant::now()),
            Some(Duration::from_secs(300))
        );
    }
}
