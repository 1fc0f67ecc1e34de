//! The store check against stores that only implement the required methods (the provided
//! `ping` loads the probe key), and the check timeout against a store that never answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{CheckReport, Health};
use crate::store::{
    MemoryStore, PROBE_KEY, Record, SessionStore, StoreError, StoreErrorKind, StoreFuture,
    StoreKey, Updated, Versioned,
};

/// A store written before `ping` existed: loads fail while `down`, or never answer with `hang`.
#[derive(Debug, Default)]
struct OldStore {
    memory: MemoryStore,
    down: AtomicBool,
    hang: bool,
    probed: AtomicBool,
}

impl SessionStore for OldStore {
    fn insert<'a>(&'a self, key: &'a StoreKey, record: &'a Record) -> StoreFuture<'a, ()> {
        self.memory.insert(key, record)
    }

    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<Versioned>> {
        if *key == PROBE_KEY {
            self.probed.store(true, Ordering::Relaxed);
        }
        if self.hang {
            return Box::pin(std::future::pending());
        }
        if self.down.load(Ordering::Relaxed) {
            return Box::pin(std::future::ready(Err(StoreError::new(
                StoreErrorKind::Unavailable,
                "load at redis://user:pw@db.internal:6379: connection refused",
            ))));
        }
        self.memory.load(key)
    }

    fn update<'a>(
        &'a self,
        key: &'a StoreKey,
        expected: u64,
        record: &'a Record,
    ) -> StoreFuture<'a, Updated> {
        self.memory.update(key, expected, record)
    }

    fn delete<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, bool> {
        self.memory.delete(key)
    }

    fn list_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>> {
        self.memory.list_by_subject(subject)
    }

    fn delete_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, u64> {
        self.memory.delete_by_subject(subject)
    }

    fn list_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>> {
        self.memory.list_by_sid(sid)
    }

    fn delete_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, u64> {
        self.memory.delete_by_sid(sid)
    }
}

fn store_check(report: &super::Readiness) -> &super::StoreCheck {
    match report.check("session_store") {
        Some(CheckReport::SessionStore(check)) => check,
        other => panic!("no store check: {other:?}"),
    }
}

#[tokio::test]
async fn the_provided_ping_loads_the_probe_key_and_keeps_only_its_error() {
    let store = Arc::new(OldStore::default());
    let health = Health::builder()
        .store(store.clone())
        .build()
        .expect("health");
    let report = health.check().await;
    assert!(report.ready, "{}", report.to_json());
    assert!(store.probed.load(Ordering::Relaxed));

    store.down.store(true, Ordering::Relaxed);
    let report = health.check().await;
    assert!(!report.ready);
    assert_eq!(
        store_check(&report).error,
        Some(StoreErrorKind::Unavailable)
    );
    let json = report.to_json();
    assert!(json.contains(r#""error":"unavailable""#), "{json}");
    for secret in ["pw", "db.internal", "redis://"] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
    let answer = health.readiness().await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.headers[http::header::RETRY_AFTER], "5");
}

#[tokio::test]
async fn a_store_that_never_answers_is_cut_off_at_the_check_timeout() {
    let store = Arc::new(OldStore {
        hang: true,
        ..OldStore::default()
    });
    let timeout = Duration::from_millis(100);
    let health = Health::builder()
        .store(store)
        .check_timeout(timeout)
        .build()
        .expect("health");
    let started = Instant::now();
    let report = health.check().await;
    let took = started.elapsed();
    assert!(!report.ready);
    assert_eq!(store_check(&report).error, Some(StoreErrorKind::Timeout));
    assert!(took >= timeout && took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn paths_and_timeouts_are_checked() {
    use super::HealthConfigError;
    let err = Health::builder().paths("healthz", "/readyz").build();
    assert!(matches!(err, Err(HealthConfigError::InvalidPath(_))));
    let err = Health::builder().paths("/h?x", "/readyz").build();
    assert!(matches!(err, Err(HealthConfigError::InvalidPath(_))));
    let err = Health::builder().paths("/same", "/same").build();
    assert!(matches!(err, Err(HealthConfigError::SamePaths(_))));
    let err = Health::builder().check_timeout(Duration::ZERO).build();
    assert!(matches!(err, Err(HealthConfigError::InvalidTimeout(_))));
    let health = Health::builder()
        .paths("/live", "/ready")
        .build()
        .expect("valid");
    assert_eq!(
        (health.live_path(), health.ready_path()),
        ("/live", "/ready")
    );
}
