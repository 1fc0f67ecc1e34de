//! Store throughput and memory (issue 15): 100,000 sessions of 2,000 random bytes (a typical
//! sealed Feide session is 1.5–2.5 KB) inserted, then read back, 64 operations in flight, through
//! `MemoryStore` and through `RedisStore` on a loopback Redis. Prints inserts/s, loads/s and the
//! memory per session (Redis `used_memory` delta; for memory, this process's RSS delta).
//!
//! `cargo test -p integration-tests --release --test store -- --ignored --nocapture store_throughput`

use std::sync::Arc;
use std::time::Instant;

use feide_tower::store::{MemoryStore, Record, RedisStore, SessionStore, StoreKey};
use futures_util::StreamExt as _;
use futures_util::stream;
use integration_tests::redis::{RedisServer, text};

const SESSIONS: usize = 100_000;
const DATA: usize = 2_000;
const IN_FLIGHT: usize = 64;

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).expect("randomness");
    bytes
}

fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn used_memory(server: &RedisServer) -> u64 {
    let info = text(&server.command(&["INFO", "memory"]).expect("INFO memory"));
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory in INFO")
}

/// The sessions to store.
fn sessions() -> Vec<(StoreKey, Record)> {
    let now = u64::try_from(integration_tests::now()).expect("after 1970");
    // Realistic keys: one subject per session, a provider sid for every other one.
    (0..SESSIONS)
        .map(|i| {
            let mut data = vec![0u8; DATA];
            aws_lc_rs::rand::fill(&mut data).expect("randomness");
            let record = Record {
                data,
                subject: StoreKey::from_bytes(random()),
                sid: (i % 2 == 0).then(|| StoreKey::from_bytes(random())),
                expires_at: now + 8 * 3600,
            };
            (StoreKey::from_bytes(random()), record)
        })
        .collect()
}

/// Inserts/s for `sessions`, `IN_FLIGHT` at a time.
async fn insert_all(store: &Arc<dyn SessionStore>, sessions: &[(StoreKey, Record)]) -> f64 {
    let started = Instant::now();
    stream::iter(sessions)
        .for_each_concurrent(IN_FLIGHT, |(key, record)| {
            let store = store.clone();
            async move { store.insert(key, record).await.expect("insert") }
        })
        .await;
    SESSIONS as f64 / started.elapsed().as_secs_f64()
}

/// Loads/s for `sessions`, `IN_FLIGHT` at a time.
async fn load_all(store: &Arc<dyn SessionStore>, sessions: &[(StoreKey, Record)]) -> f64 {
    let started = Instant::now();
    stream::iter(sessions)
        .for_each_concurrent(IN_FLIGHT, |(key, record)| {
            let store = store.clone();
            async move {
                let loaded = store.load(key).await.expect("load").expect("present");
                assert_eq!(loaded.record.data.len(), record.data.len());
            }
        })
        .await;
    SESSIONS as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --release --ignored --nocapture"]
async fn store_throughput() {
    let sessions = sessions();
    // RSS grows by what the store copies of the sessions (they exist already).
    let rss_before = vm_rss_kib();
    let memory = Arc::new(MemoryStore::new(SESSIONS));
    let store: Arc<dyn SessionStore> = memory.clone();
    let inserts = insert_all(&store, &sessions).await;
    let rss = vm_rss_kib().saturating_sub(rss_before) * 1024;
    let loads = load_all(&store, &sessions).await;
    eprintln!(
        "store bench: memory: {inserts:.0} inserts/s, {loads:.0} loads/s, RSS +{} MiB = {} B/session",
        rss / (1 << 20),
        rss / SESSIONS as u64
    );
    assert_eq!(memory.len(), SESSIONS);
    drop((store, memory));

    let server = RedisServer::start();
    let store: Arc<dyn SessionStore> =
        Arc::new(RedisStore::builder(server.url()).build().expect("store"));
    let before = used_memory(&server);
    let inserts = insert_all(&store, &sessions).await;
    let used = used_memory(&server).saturating_sub(before);
    let loads = load_all(&store, &sessions).await;
    eprintln!(
        "store bench: redis (loopback): {inserts:.0} inserts/s, {loads:.0} loads/s, \
         used_memory +{} MiB = {} B/session",
        used / (1 << 20),
        used / SESSIONS as u64
    );
}
