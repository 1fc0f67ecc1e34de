//! [`Revocations`]: provider-initiated logouts of cookie sessions.
//!
//! A cookie session lives in the browser, so ending it from the server takes a list: the
//! provider session ids (`sid`) and users (`sub`) the provider has logged out, each with the
//! time it did. A session is refused when it was signed in at or before the logout of its
//! `sid` or of its user; a later sign-in of the same user is a new session and is not.
//!
//! The list is bounded in two ways. An entry is kept only as long as a session it could concern
//! can live ([`max_session`](super::FeideLoginBuilder::max_session) after the logout, plus a
//! minute of leeway), then forgotten. And it holds at most [`DEFAULT_MAX_REVOCATIONS`] entries
//! at once: a logout that would overflow it is refused, so the provider hears that it failed
//! rather than the user staying signed in unknown to anyone.
//!
//! The list lives in this process. With sessions in a [store](crate::store) it is not used:
//! revoking deletes the sessions from the store, which every replica reads.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::session::SessionData;

/// Most entries the list holds at once (about 150 bytes each).
pub(crate) const DEFAULT_MAX_REVOCATIONS: usize = 100_000;

/// Kept past the longest session, for clocks a little apart and sessions sealed in the same
/// second as the logout.
const LEEWAY_SECS: u64 = 60;

/// Whom the provider logged out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revoked<'a> {
    /// Every session signed in through the provider session `sid`.
    Sid(&'a str),
    /// Every session of the user `sub` (at this login's provider).
    Sub(&'a str),
}

/// The list is full: the logout was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RevocationsFull;

/// When a logout happened and when its entry can go.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Sessions issued at or before this (Unix seconds) are revoked.
    revoked_at: u64,
    /// After this no session it concerns can still be alive.
    forget_at: u64,
}

#[derive(Debug, Default)]
struct Lists {
    sids: HashMap<String, Entry>,
    subs: HashMap<String, Entry>,
}

impl Lists {
    fn len(&self) -> usize {
        self.sids.len().saturating_add(self.subs.len())
    }
}

/// The provider-initiated logouts of a login's cookie sessions.
#[derive(Debug)]
pub(crate) struct Revocations {
    lists: RwLock<Lists>,
    /// Whether any entry exists: the request path reads only this while the list is empty,
    /// which it is for every app whose provider never sends a logout.
    any: AtomicBool,
    /// How long a session lives at most (seconds).
    max_session: u64,
    max_entries: usize,
}

impl Revocations {
    /// An empty list for sessions living at most `max_session` seconds.
    pub(crate) fn new(max_session: u64, max_entries: usize) -> Self {
        Self {
            lists: RwLock::new(Lists::default()),
            any: AtomicBool::new(false),
            max_session,
            max_entries,
        }
    }

    /// Records a logout of `whom` at `now`: sessions issued at or before `now` are refused from
    /// now on.
    pub(crate) fn revoke(&self, whom: Revoked<'_>, now: u64) -> Result<(), RevocationsFull> {
        let forget_at = now
            .saturating_add(self.max_session)
            .saturating_add(LEEWAY_SECS);
        let entry = Entry {
            revoked_at: now,
            forget_at,
        };
        let mut lists = self.lists.write().unwrap_or_else(|poisoned| {
            // A panic elsewhere while holding the lock cannot leave the maps half-written
            // (each change is one insert or retain); keep using them.
            poisoned.into_inner()
        });
        let (map, key) = match whom {
            Revoked::Sid(sid) => (&lists.sids, sid),
            Revoked::Sub(sub) => (&lists.subs, sub),
        };
        let known = map.contains_key(key);
        if !known && lists.len() >= self.max_entries {
            lists.sids.retain(|_, e| e.forget_at > now);
            lists.subs.retain(|_, e| e.forget_at > now);
            if lists.len() >= self.max_entries {
                return Err(RevocationsFull);
            }
        }
        let map = match whom {
            Revoked::Sid(_) => &mut lists.sids,
            Revoked::Sub(_) => &mut lists.subs,
        };
        match map.get_mut(key) {
            Some(old) => {
                old.revoked_at = old.revoked_at.max(entry.revoked_at);
                old.forget_at = old.forget_at.max(entry.forget_at);
            }
            None => {
                map.insert(key.to_owned(), entry);
            }
        }
        self.any.store(true, Ordering::Release);
        Ok(())
    }

    /// Whether the session `data`, issued at `issued_at`, was logged out by the provider.
    pub(crate) fn is_revoked(&self, data: &SessionData, issued_at: u64) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let lists = self
            .lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let covers = |entry: Option<&Entry>| entry.is_some_and(|e| issued_at <= e.revoked_at);
        let sid = data.claims.get("sid").and_then(|v| v.as_str());
        covers(sid.and_then(|sid| lists.sids.get(sid))) || covers(lists.subs.get(&data.sub))
    }

    /// How many logouts are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const T: u64 = 1_700_000_000;

    fn session(sub: &str, sid: Option<&str>) -> SessionData {
        let mut data = SessionData::for_test(false, None);
        data.sub = sub.into();
        if let Some(sid) = sid {
            data.claims.insert("sid".into(), json!(sid));
        }
        data
    }

    #[test]
    fn a_sid_logout_ends_that_provider_session_only() {
        let list = Revocations::new(3600, 10);
        assert!(!list.is_revoked(&session("alice", Some("s1")), T));
        list.revoke(Revoked::Sid("s1"), T).unwrap();
        assert!(list.is_revoked(&session("alice", Some("s1")), T - 5));
        assert!(list.is_revoked(&session("alice", Some("s1")), T));
        assert!(!list.is_revoked(&session("alice", Some("s2")), T - 5));
        assert!(!list.is_revoked(&session("alice", None), T - 5));
        assert!(!list.is_revoked(&session("bob", Some("s1x")), T - 5));
    }

    #[test]
    fn a_sub_logout_ends_the_users_earlier_sessions_not_later_ones() {
        let list = Revocations::new(3600, 10);
        list.revoke(Revoked::Sub("alice"), T).unwrap();
        assert!(list.is_revoked(&session("alice", Some("s1")), T - 100));
        assert!(list.is_revoked(&session("alice", None), T));
        assert!(
            !list.is_revoked(&session("alice", None), T + 1),
            "signed in again"
        );
        assert!(!list.is_revoked(&session("bob", None), T - 100));
        // A second logout later covers the session signed in between.
        list.revoke(Revoked::Sub("alice"), T + 50).unwrap();
        assert!(list.is_revoked(&session("alice", None), T + 1));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn the_list_is_bounded_and_forgets_what_can_no_longer_matter() {
        let list = Revocations::new(3600, 2);
        list.revoke(Revoked::Sid("a"), T).unwrap();
        list.revoke(Revoked::Sub("b"), T).unwrap();
        assert_eq!(list.revoke(Revoked::Sid("c"), T + 10), Err(RevocationsFull));
        // Known entries can still be renewed when full.
        list.revoke(Revoked::Sid("a"), T + 10).unwrap();
        // Once every session they concern has expired, old entries make room.
        let later = T + 10 + 3600 + LEEWAY_SECS + 1;
        list.revoke(Revoked::Sid("c"), later).unwrap();
        assert_eq!(list.len(), 1);
        assert!(list.is_revoked(&session("x", Some("c")), later));
    }
}
