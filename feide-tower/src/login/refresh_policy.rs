//! [`RefreshPolicy`]: whether and when a session's access token is refreshed, decided from the
//! session alone (no provider, no network): the grant itself is in `refresh`.

use std::time::Duration;

use super::refresh::Refreshes;
use crate::session::SessionData;

/// Default margin before the access token's expiry within which a request refreshes it.
pub(crate) const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(60);

/// When access tokens are refreshed, and the recent refresh outcomes (single flight, rotation).
#[derive(Debug)]
pub(crate) struct RefreshPolicy {
    /// Refresh access tokens expiring within this margin (`None`: refresh tokens are not used).
    pub(crate) before: Option<Duration>,
    /// Recent refresh outcomes, for single flight and rotation.
    pub(crate) refreshes: Refreshes,
}

/// A request whose session is due for a refresh: what resealing it needs besides the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RefreshDue {
    /// When the session began (kept in the re-sealed cookie).
    pub(crate) issued_at: u64,
}

impl RefreshPolicy {
    /// Refresh tokens used (`on`) with margin `before`, or ignored.
    pub(crate) fn new(on: bool, before: Duration) -> Self {
        Self {
            before: on.then_some(before),
            refreshes: Refreshes::new(),
        }
    }

    /// Whether refresh tokens are kept and used at all.
    pub(crate) fn enabled(&self) -> bool {
        self.before.is_some()
    }

    /// Whether the session `data`, begun at `issued_at`, is due for a refresh at `now`.
    pub(crate) fn due(&self, data: &SessionData, issued_at: u64, now: u64) -> Option<RefreshDue> {
        self.before
            .filter(|margin| due(data, now, *margin))
            .map(|_| RefreshDue { issued_at })
    }
}

/// Whether `data`'s access token is due for a refresh at `now`: it has a refresh token and an
/// access token that expires within `margin` (or has expired).
pub(crate) fn due(data: &SessionData, now: u64, margin: Duration) -> bool {
    data.refresh_token.is_some()
        && data
            .access_token_expires_at
            .is_some_and(|exp| exp <= now.saturating_add(margin.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(refresh: bool, expires_at: Option<u64>) -> SessionData {
        SessionData::for_test(refresh, expires_at)
    }

    const T: u64 = 1_700_000_000;
    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn due_only_with_a_refresh_token_near_expiry() {
        assert!(!due(&data(false, Some(T)), T, MINUTE), "no refresh token");
        assert!(!due(&data(true, None), T, MINUTE), "expiry unknown");
        assert!(!due(&data(true, Some(T + 61)), T, MINUTE));
        assert!(due(&data(true, Some(T + 60)), T, MINUTE));
        assert!(due(&data(true, Some(T - 5)), T, MINUTE), "already expired");
        assert!(!due(&data(true, Some(T + 1)), T, Duration::ZERO));
    }

    #[test]
    fn the_policy_is_due_not_due_or_off() {
        let on = RefreshPolicy::new(true, MINUTE);
        assert!(on.enabled());
        let due = on.due(&data(true, Some(T + 30)), T - 100, T);
        assert_eq!(due, Some(RefreshDue { issued_at: T - 100 }), "due");
        assert_eq!(on.due(&data(true, Some(T + 120)), T, T), None, "not due");
        assert_eq!(
            on.due(&data(false, Some(T)), T, T),
            None,
            "no refresh token"
        );
        let off = RefreshPolicy::new(false, MINUTE);
        assert!(!off.enabled());
        assert_eq!(
            off.due(&data(true, Some(T)), T, T),
            None,
            "refreshing is off"
        );
    }
}
