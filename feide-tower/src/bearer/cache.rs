//! The verified-token cache: a client that sends the same token many times pays for the
//! signature check once.
//!
//! Why it is safe:
//! - the key is the SHA-256 of the whole token, so only the byte-identical token hits, and a hit
//!   cannot be produced without a token that once passed full validation under this configuration
//!   (issuer, audience, algorithms and keys never change for one cache);
//! - the cached claims are immutable, and expiry (`exp`/`nbf`/`iat` with the leeway) is checked
//!   again on every hit, so an expired token is refused even while its entry is still present;
//! - an entry never outlives its token's `exp` + leeway, nor the configured maximum lifetime;
//! - only successes are cached: a refused token is checked again next time.
//!
//! Its limit: a key withdrawn from the provider's JWKS does not evict tokens it signed that were
//! already verified; they stay accepted until their entry ends (at most the maximum lifetime).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use moka::Expiry;
use moka::sync::Cache;

use crate::token::{Claims, TokenError, Validator};

/// The SHA-256 of a token.
pub(crate) type TokenHash = [u8; 32];

/// Verified claims by token hash.
#[derive(Clone)]
pub(crate) struct TokenCache {
    entries: Cache<TokenHash, Arc<Claims>>,
    leeway: i64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.entries.policy().max_capacity())
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

/// Each entry lives until its token's `exp` + leeway, and at most `max_lifetime`.
struct UntilExpiry {
    leeway: i64,
    max_lifetime: Duration,
}

impl Expiry<TokenHash, Arc<Claims>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _key: &TokenHash,
        claims: &Arc<Claims>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(remaining(claims, self.leeway, crate::token::now()).min(self.max_lifetime))
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
            entries: Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilExpiry {
                    leeway,
                    max_lifetime,
                })
                .build(),
            leeway,
        }
    }

    /// The cache key of `token`.
    pub(crate) fn key(token: &str) -> TokenHash {
        let mut key = [0; 32];
        // SHA-256 digests are 32 bytes: copy_from_slice cannot panic.
        key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
        key
    }

    /// The cached claims, with `exp`/`nbf`/`iat` checked again at `now`. `None` on a miss; an
    /// entry whose token has expired is removed and answered with the error.
    pub(crate) fn get(
        &self,
        key: &TokenHash,
        validator: &Validator,
        now: i64,
    ) -> Option<Result<Arc<Claims>, TokenError>> {
        let claims = self.entries.get(key)?;
        match validator.check_times(&claims, now) {
            Ok(()) => Some(Ok(claims)),
            Err(error) => {
                self.entries.invalidate(key);
                Some(Err(error))
            }
        }
    }

    /// Remembers claims that just passed full validation at `now`.
    pub(crate) fn insert(&self, key: TokenHash, claims: Arc<Claims>, now: i64) {
        if remaining(&claims, self.leeway, now) > Duration::from_secs(1) {
            self.entries.insert(key, claims);
        }
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, key: &TokenHash) -> bool {
        self.entries.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Jwks;
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
        let key = TokenCache::key("token");
        cache.insert(key, claims(t + 100), t);
        assert!(matches!(cache.get(&key, &v, t), Some(Ok(_))));
        // The entry is still there (moka would keep it for 100 s), but the clock says expired.
        assert_eq!(
            cache.get(&key, &v, t + 101).map(|r| r.map(|_| ())),
            Some(Err(TokenError::Expired))
        );
        assert!(!cache.contains(&key), "an expired entry is dropped");
    }

    #[test]
    fn only_the_identical_token_hits() {
        let cache = TokenCache::new(10, Duration::from_secs(600), 0);
        let t = now();
        cache.insert(TokenCache::key("token"), claims(t + 100), t);
        assert!(
            cache
                .get(&TokenCache::key("token "), &validator(), t)
                .is_none()
        );
        assert!(
            cache
                .get(&TokenCache::key("tokeN"), &validator(), t)
                .is_none()
        );
    }

    #[test]
    fn tokens_about_to_expire_are_not_cached() {
        let cache = TokenCache::new(10, Duration::from_secs(600), 0);
        let t = now();
        cache.insert(TokenCache::key("old"), claims(t - 1), t);
        assert!(!cache.contains(&TokenCache::key("old")));
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
            expiry.expire_after_create(&[0; 32], &far, Instant::now()),
            Some(Duration::from_secs(300))
        );
    }
}
