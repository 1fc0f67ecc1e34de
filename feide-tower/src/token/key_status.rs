//! [`KeyStatus`]: what a [`Jwks`](super::Jwks) cache holds and how its last refresh went, for
//! readiness checks and operators' dashboards.

use std::time::{Duration, Instant};

/// The state of a [`Jwks`](super::Jwks) key cache at one instant: from
/// [`Jwks::status`](super::Jwks::status).
///
/// Holds counts and durations only, never a key or the JWKS URL.
///
/// ```
/// use feide_tower::token::{Jwks, KeySet};
///
/// let status = Jwks::fixed(KeySet::default()).status();
/// // A fixed key set counts as loaded (its age runs from its creation) and is never refreshed.
/// assert!(status.loaded);
/// assert_eq!(status.keys, 0);
/// assert!(status.age.is_some());
/// assert!(status.last_refresh.is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyStatus {
    /// Whether a key set was ever loaded (a fixed set always was). While `false` the cache is
    /// *cold*: every token is refused with
    /// [`TokenError::KeysUnavailable`](super::TokenError::KeysUnavailable).
    pub loaded: bool,
    /// How many keys are served now.
    pub keys: usize,
    /// How old the served key set is: the time since the last successful fetch (for a fixed
    /// set, since it was created). `None` while the cache is cold.
    pub age: Option<Duration>,
    /// The latest refresh attempt (background, on an unknown `kid`, on demand), successful or
    /// not. `None` for a fixed set, which is never fetched.
    pub last_refresh: Option<RefreshAttempt>,
}

/// One refresh attempt of a [`Jwks`](super::Jwks) cache, as [`KeyStatus::last_refresh`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshAttempt {
    /// Whether the fetch succeeded (a usable key set was swapped in). A failed attempt keeps
    /// the last good key set.
    pub succeeded: bool,
    /// How long ago it finished.
    pub ago: Duration,
}

impl KeyStatus {
    /// Whether the cache is cold: no key set was ever loaded.
    pub fn is_cold(&self) -> bool {
        !self.loaded
    }

    /// Whether the served key set is older than `max_age` (a cold cache is: it has none).
    pub fn older_than(&self, max_age: Duration) -> bool {
        self.age.is_none_or(|age| age > max_age)
    }
}

/// When a cache's keys were loaded and last fetched: kept in each snapshot of the cache.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stamps {
    /// The last successful fetch (creation for a fixed set); `None` while cold.
    loaded_at: Option<Instant>,
    /// The last attempt and whether it succeeded; `None` before the first.
    attempt: Option<(Instant, bool)>,
}

impl Stamps {
    /// A fixed set, loaded now and never fetched.
    pub(crate) fn fixed() -> Self {
        Self {
            loaded_at: Some(Instant::now()),
            attempt: None,
        }
    }

    /// A remote set before its first fetch.
    pub(crate) fn cold() -> Self {
        Self {
            loaded_at: None,
            attempt: None,
        }
    }

    /// After a successful fetch, now.
    pub(crate) fn succeeded_now() -> Self {
        let now = Instant::now();
        Self {
            loaded_at: Some(now),
            attempt: Some((now, true)),
        }
    }

    /// After a failed fetch, now: the keys (and their age) stay as they were.
    pub(crate) fn failed_now(self) -> Self {
        Self {
            loaded_at: self.loaded_at,
            attempt: Some((Instant::now(), false)),
        }
    }

    /// The age of the keys, now; `None` while cold.
    pub(crate) fn age(&self) -> Option<Duration> {
        self.loaded_at.map(|t| t.elapsed())
    }

    /// The status of a snapshot holding `keys` keys.
    pub(crate) fn status(&self, loaded: bool, keys: usize) -> KeyStatus {
        KeyStatus {
            loaded,
            keys,
            age: if loaded { self.age() } else { None },
            last_refresh: self.attempt.map(|(at, succeeded)| RefreshAttempt {
                succeeded,
                ago: at.elapsed(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fetch_keeps_the_age_of_the_last_good_keys() {
        let cold = Stamps::cold();
        assert_eq!(cold.status(false, 0).age, None);
        assert!(cold.status(false, 0).is_cold());
        assert!(cold.status(false, 0).older_than(Duration::from_secs(3600)));

        let failed = cold.failed_now().status(false, 0);
        assert_eq!(failed.last_refresh.map(|a| a.succeeded), Some(false));
        assert_eq!(failed.age, None);

        let good = Stamps::succeeded_now();
        let loaded_at = good.loaded_at;
        let after = good.failed_now();
        assert_eq!(after.loaded_at, loaded_at);
        let status = after.status(true, 2);
        assert_eq!(status.keys, 2);
        assert!(status.age.is_some());
        assert!(!status.older_than(Duration::from_secs(3600)));
        assert_eq!(status.last_refresh.map(|a| a.succeeded), Some(false));
    }
}
