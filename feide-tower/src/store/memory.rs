//! [`MemoryStore`]: sessions in this process's memory.

use crate::telemetry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{
    Record, SessionStore, StoreError, StoreErrorKind, StoreFuture, StoreKey, Updated, Versioned,
};

/// Default capacity of a [`MemoryStore`], in sessions.
pub(crate) const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Sessions in this process's memory: for a single instance and for tests. Replicas do not
/// share it (use `RedisStore` for that), and a restart forgets every session.
///
/// Bounded: when it holds `capacity` live sessions, an insert first drops the expired ones,
/// then the one that expires soonest (its user signs in again). Every operation is a short
/// critical section under one mutex; nothing awaits while holding it.
///
/// ```
/// use feide_tower::store::MemoryStore;
///
/// let store = MemoryStore::new(10_000);
/// # let _ = store;
/// ```
pub struct MemoryStore {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    records: HashMap<StoreKey, Versioned>,
    by_subject: HashMap<StoreKey, HashSet<StoreKey>>,
    by_sid: HashMap<StoreKey, HashSet<StoreKey>>,
}

impl MemoryStore {
    /// A store holding at most `capacity` sessions (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// How many records it holds (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The live records filed under `of` in `index`.
    fn list(&self, index: Index, of: &StoreKey) -> Vec<StoreKey> {
        self.lock().keys_in(index, of, now())
    }

    /// Deletes the live records filed under `of` in `index`; how many there were.
    fn delete_all(&self, index: Index, of: &StoreKey) -> u64 {
        let mut state = self.lock();
        let keys = state.keys_in(index, of, now());
        for key in &keys {
            state.remove(key);
        }
        keys.len() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every mutation below is
        // complete before anything that could panic), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(DEFAULT_MEMORY_CAPACITY)
    }
}

impl fmt::Debug for MemoryStore {
    // Never the records.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.capacity)
            .field("records", &self.len())
            .finish()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn live(versioned: &Versioned, now: u64) -> bool {
    now < versioned.record.expires_at
}

impl State {
    fn index(&mut self, key: StoreKey, record: &Record) {
        self.by_subject
            .entry(record.subject)
            .or_default()
            .insert(key);
        if let Some(sid) = record.sid {
            self.by_sid.entry(sid).or_default().insert(key);
        }
    }

    fn unindex(&mut self, key: &StoreKey, record: &Record) {
        remove_from(&mut self.by_subject, &record.subject, key);
        if let Some(sid) = record.sid {
            remove_from(&mut self.by_sid, &sid, key);
        }
    }

    /// Files a record under a key that holds none (callers remove the old one first).
    fn put(&mut self, key: StoreKey, versioned: Versioned) {
        if self.records.insert(key, versioned).is_none() {
            telemetry::memory_store_sessions(1);
        }
    }

    fn remove(&mut self, key: &StoreKey) -> Option<Versioned> {
        let removed = self.records.remove(key)?;
        telemetry::memory_store_sessions(-1);
        self.unindex(key, &removed.record);
        Some(removed)
    }

    /// The live record under `key`; an expired one is dropped.
    fn live(&mut self, key: &StoreKey, now: u64) -> Option<&mut Versioned> {
        if self.records.get(key).is_some_and(|v| !live(v, now)) {
            self.remove(key);
        }
        self.records.get_mut(key)
    }

    fn make_room(&mut self, capacity: usize, now: u64) {
        if self.records.len() < capacity {
            return;
        }
        let expired: Vec<StoreKey> = self
            .records
            .iter()
            .filter(|(_, v)| !live(v, now))
            .map(|(k, _)| *k)
            .collect();
        for key in &expired {
            self.remove(key);
        }
        while self.records.len() >= capacity {
            let Some(soonest) = self
                .records
                .iter()
                .min_by_key(|(_, v)| v.record.expires_at)
                .map(|(k, _)| *k)
            else {
                break;
            };
            self.remove(&soonest);
        }
    }

    fn keys_in(&mut self, index: Index, of: &StoreKey, now: u64) -> Vec<StoreKey> {
        let map = match index {
            Index::Subject => &self.by_subject,
            Index::Sid => &self.by_sid,
        };
        let keys: Vec<StoreKey> = map
            .get(of)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        keys.into_iter()
            .filter(|key| self.live(key, now).is_some())
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Index {
    Subject,
    Sid,
}

fn remove_from(map: &mut HashMap<StoreKey, HashSet<StoreKey>>, of: &StoreKey, key: &StoreKey) {
    if let Some(set) = map.get_mut(of) {
        set.remove(key);
        if set.is_empty() {
            map.remove(of);
        }
    }
}

impl Drop for MemoryStore {
    /// Its sessions leave the `feide_tower_memory_store_sessions` gauge with it.
    fn drop(&mut self) {
        let held = i32::try_from(self.len()).unwrap_or(i32::MAX);
        telemetry::memory_store_sessions(-held);
    }
}

impl SessionStore for MemoryStore {
    fn insert<'a>(&'a self, key: &'a StoreKey, record: &'a Record) -> StoreFuture<'a, ()> {
        let now = now();
        let mut state = self.lock();
        let result = if state.live(key, now).is_some() {
            Err(StoreError::new(
                StoreErrorKind::Conflict,
                "insert: the key exists",
            ))
        } else {
            state.make_room(self.capacity, now);
            state.put(
                *key,
                Versioned {
                    record: record.clone(),
                    version: 1,
                },
            );
            state.index(*key, record);
            Ok(())
        };
        Box::pin(std::future::ready(result))
    }

    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<Versioned>> {
        let found = self.lock().live(key, now()).map(|v| v.clone());
        Box::pin(std::future::ready(Ok(found)))
    }

    fn update<'a>(
        &'a self,
        key: &'a StoreKey,
        expected: u64,
        record: &'a Record,
    ) -> StoreFuture<'a, Updated> {
        let mut state = self.lock();
        let version = match state.live(key, now()) {
            None => return Box::pin(std::future::ready(Ok(Updated::Gone))),
            Some(current) if current.version != expected => {
                return Box::pin(std::future::ready(Ok(Updated::Conflict)));
            }
            Some(current) => current.version.saturating_add(1),
        };
        state.remove(key);
        state.put(
            *key,
            Versioned {
                record: record.clone(),
                version,
            },
        );
        state.index(*key, record);
        let outcome = Updated::Written(version);
        Box::pin(std::future::ready(Ok(outcome)))
    }

    fn delete<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, bool> {
        let now = now();
        let mut state = self.lock();
        let existed = state.live(key, now).is_some();
        state.remove(key);
        Box::pin(std::future::ready(Ok(existed)))
    }

    fn list_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>> {
        Box::pin(std::future::ready(Ok(self.list(Index::Subject, subject))))
    }

    fn delete_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, u64> {
        Box::pin(std::future::ready(Ok(
            self.delete_all(Index::Subject, subject)
        )))
    }

    fn list_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>> {
        Box::pin(std::future::ready(Ok(self.list(Index::Sid, sid))))
    }

    fn delete_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, u64> {
        Box::pin(std::future::ready(Ok(self.delete_all(Index::Sid, sid))))
    }
}
