//! Issue 15: the session store contract (`feide_tower::store::SessionStore`), one suite run
//! against every implementation on real servers: `MemoryStore`, Redis (single), Redis over TLS
//! and a 3-node Redis Cluster, each started by the test on free loopback ports. Then what only
//! Redis can do wrong: a server that dies, hangs or restarts, persistence, the key layout and
//! what a dump shows, expiry as TTLs, passwords in messages.
//!
//! The throughput and memory figures (NOTES-redis.md) come from the ignored test in `bench.rs`:
//! `cargo test -p integration-tests --release --test store -- --ignored --nocapture`.

mod bench;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use feide_tower::store::{
    MemoryStore, Record, RedisStore, SessionStore, StoreErrorKind, StoreKey, Updated,
};
use integration_tests::eventually;
use integration_tests::redis::{RedisCluster, RedisOptions, RedisServer, text, unused_port};

/// A fresh random key.
fn key() -> StoreKey {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("randomness");
    StoreKey::from_bytes(bytes)
}

fn unix_now() -> u64 {
    u64::try_from(integration_tests::now()).expect("after 1970")
}

fn record(subject: StoreKey, sid: Option<StoreKey>, ttl: u64, data: &[u8]) -> Record {
    Record {
        data: data.to_vec(),
        subject,
        sid,
        expires_at: unix_now() + ttl,
    }
}

fn set(keys: impl IntoIterator<Item = StoreKey>) -> BTreeSet<StoreKey> {
    keys.into_iter().collect()
}

/// Every clause of the contract in `feide_tower::store`'s documentation.
async fn contract(store: Arc<dyn SessionStore>) {
    // Insert, load, insert again: Conflict.
    let (k, subject) = (key(), key());
    let first = record(subject, None, 600, b"first");
    store.insert(&k, &first).await.expect("insert");
    let loaded = store.load(&k).await.expect("load").expect("inserted");
    assert_eq!((loaded.record.clone(), loaded.version), (first.clone(), 1));
    let err = store.insert(&k, &first).await.expect_err("second insert");
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    assert_eq!(
        store.load(&k).await.unwrap().unwrap().version,
        1,
        "untouched"
    );

    // Missing and expired records load as None.
    assert_eq!(store.load(&key()).await.expect("load missing"), None);
    let past = key();
    let mut expired = record(subject, None, 0, b"expired");
    expired.expires_at = unix_now() - 1;
    store.insert(&past, &expired).await.expect("insert expired");
    assert_eq!(store.load(&past).await.expect("load expired"), None);
    assert_eq!(store.update(&past, 1, &first).await.unwrap(), Updated::Gone);

    // Compare-and-swap: written, conflict, the write is visible.
    let second = record(subject, None, 600, b"second");
    assert_eq!(
        store.update(&k, 1, &second).await.unwrap(),
        Updated::Written(2)
    );
    assert_eq!(
        store.update(&k, 1, &first).await.unwrap(),
        Updated::Conflict
    );
    let loaded = store.load(&k).await.unwrap().unwrap();
    assert_eq!((loaded.record, loaded.version), (second.clone(), 2));

    // Never resurrect: delete, then update answers Gone and nothing comes back.
    assert!(store.delete(&k).await.expect("delete"));
    assert!(!store.delete(&k).await.expect("delete again"));
    assert_eq!(store.update(&k, 2, &second).await.unwrap(), Updated::Gone);
    assert_eq!(store.load(&k).await.unwrap(), None, "not resurrected");
    assert_eq!(store.list_by_subject(&subject).await.unwrap(), vec![]);
    let never = key();
    assert_eq!(
        store.update(&never, 1, &first).await.unwrap(),
        Updated::Gone
    );
    assert_eq!(store.load(&never).await.unwrap(), None);
    // A deleted key may be inserted again (a new session), at version 1.
    store.insert(&k, &first).await.expect("insert after delete");
    assert_eq!(store.load(&k).await.unwrap().unwrap().version, 1);

    // Expiry is re-applied on update: a sooner expiry wins.
    let soon = key();
    let long = record(subject, None, 600, b"long");
    store.insert(&soon, &long).await.unwrap();
    let short = record(subject, None, 1, b"short");
    assert_eq!(
        store.update(&soon, 1, &short).await.unwrap(),
        Updated::Written(2)
    );
    let gone = eventually(Duration::from_secs(5), || {
        let store = store.clone();
        async move { store.load(&soon).await.unwrap().is_none() }
    })
    .await;
    assert!(gone, "the record outlived the expiry of its last write");
    assert_eq!(store.update(&soon, 2, &long).await.unwrap(), Updated::Gone);
    assert_eq!(store.load(&soon).await.unwrap(), None, "not resurrected");

    // Listing and deleting by subject and sid; other subjects untouched.
    let (alice, bob, carol) = (key(), key(), key());
    let (sid1, sid2, sid_bob) = (key(), key(), key());
    let a1 = key();
    let a2 = key();
    let a3 = key();
    let b1 = key();
    store
        .insert(&a1, &record(alice, Some(sid1), 600, b"a1"))
        .await
        .unwrap();
    store
        .insert(&a2, &record(alice, Some(sid1), 600, b"a2"))
        .await
        .unwrap();
    store
        .insert(&a3, &record(alice, Some(sid2), 600, b"a3"))
        .await
        .unwrap();
    store
        .insert(&b1, &record(bob, Some(sid_bob), 600, b"b1"))
        .await
        .unwrap();
    let mut c_past = record(carol, Some(sid2), 0, b"c");
    c_past.expires_at = unix_now() - 1;
    store.insert(&key(), &c_past).await.unwrap();
    assert_eq!(
        set(store.list_by_subject(&alice).await.unwrap()),
        set([a1, a2, a3])
    );
    assert_eq!(set(store.list_by_sid(&sid1).await.unwrap()), set([a1, a2]));
    assert_eq!(
        set(store.list_by_sid(&sid2).await.unwrap()),
        set([a3]),
        "expired not listed"
    );
    assert_eq!(store.list_by_subject(&carol).await.unwrap(), vec![]);
    assert_eq!(store.delete_by_sid(&sid1).await.unwrap(), 2);
    assert_eq!(store.load(&a1).await.unwrap(), None);
    assert_eq!(store.load(&a2).await.unwrap(), None);
    assert_eq!(set(store.list_by_subject(&alice).await.unwrap()), set([a3]));
    assert_eq!(store.list_by_sid(&sid1).await.unwrap(), vec![]);
    assert_eq!(store.delete_by_subject(&alice).await.unwrap(), 1);
    assert_eq!(store.load(&a3).await.unwrap(), None);
    assert_eq!(store.list_by_subject(&alice).await.unwrap(), vec![]);
    assert_eq!(store.delete_by_subject(&alice).await.unwrap(), 0);
    assert_eq!(
        store.list_by_subject(&bob).await.unwrap(),
        vec![b1],
        "bob untouched"
    );
    assert_eq!(store.list_by_sid(&sid_bob).await.unwrap(), vec![b1]);
    assert!(store.load(&b1).await.unwrap().is_some());
    // A deleted session stays deleted for an update of its old version.
    assert_eq!(
        store
            .update(&a3, 1, &record(alice, Some(sid2), 600, b"x"))
            .await
            .unwrap(),
        Updated::Gone
    );
    assert_eq!(store.list_by_subject(&alice).await.unwrap(), vec![]);

    // 50 concurrent compare-and-swaps from one version: exactly one is written.
    let raced = key();
    store
        .insert(&raced, &record(subject, None, 600, b"v1"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..50u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .update(&raced, 1, &record(subject, None, 600, &[i]))
                .await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task").expect("update"));
    }
    let written: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o, Updated::Written(_)))
        .collect();
    assert_eq!(written, vec![&Updated::Written(2)], "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|o| **o == Updated::Conflict).count(),
        49
    );
    assert_eq!(store.load(&raced).await.unwrap().unwrap().version, 2);
}

fn redis_store(url: &str) -> RedisStore {
    RedisStore::builder(url).build().expect("a RedisStore")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_keeps_the_contract() {
    contract(Arc::new(MemoryStore::default())).await;
}

#[tokio::test]
async fn memory_store_evicts_the_soonest_expiring_beyond_capacity() {
    let store = MemoryStore::new(3);
    let subject = key();
    let keys = [key(), key(), key()];
    for (key, ttl) in keys.iter().zip([600, 60, 900]) {
        store
            .insert(key, &record(subject, None, ttl, b"x"))
            .await
            .unwrap();
    }
    let newcomer = key();
    store
        .insert(&newcomer, &record(subject, None, 600, b"new"))
        .await
        .unwrap();
    assert_eq!(store.len(), 3);
    assert_eq!(
        store.load(&keys[1]).await.unwrap(),
        None,
        "the soonest expiring went"
    );
    for kept in [keys[0], keys[2], newcomer] {
        assert!(store.load(&kept).await.unwrap().is_some());
    }
    assert_eq!(store.list_by_subject(&subject).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keeps_the_contract() {
    let server = RedisServer::start();
    contract(Arc::new(redis_store(&server.url()))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_over_tls_keeps_the_contract_and_verifies_the_server() {
    let server = RedisServer::start_tls();
    let ca = server.ca_pem().expect("the test CA").to_vec();
    let store = RedisStore::builder(server.url())
        .ca_certificate_pem(ca)
        .build()
        .expect("a TLS RedisStore");
    contract(Arc::new(store)).await;

    // Without the test CA the server's certificate is not trusted: no session goes over it.
    let untrusted = redis_store(&server.url());
    let err = untrusted
        .load(&key())
        .await
        .expect_err("an untrusted server");
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    // redis-rs's "#insecure" is refused at build time.
    assert!(
        RedisStore::builder(format!("{}#insecure", server.url()))
            .build()
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_keeps_the_contract() {
    let cluster = RedisCluster::start(3);
    let store = Arc::new(redis_store(&cluster.url()));
    contract(store.clone()).await;
    // The keys really are spread over the nodes (else the test proves little).
    let subject = key();
    for _ in 0..30 {
        store
            .insert(&key(), &record(subject, None, 600, b"spread"))
            .await
            .unwrap();
    }
    let holding = cluster
        .nodes()
        .iter()
        .filter(|node| matches!(node.command(&["DBSIZE"]), Ok(redis::Value::Int(n)) if n > 0))
        .count();
    assert_eq!(holding, 3, "every node holds keys");
    assert_eq!(store.list_by_subject(&subject).await.unwrap().len(), 30);
    assert_eq!(store.delete_by_subject(&subject).await.unwrap(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_down_fails_closed_and_the_same_store_recovers() {
    let mut cluster = RedisCluster::start(3);
    let store = redis_store(&cluster.url());
    let (k, subject) = (key(), key());
    store
        .insert(&k, &record(subject, None, 600, b"x"))
        .await
        .unwrap();
    cluster.kill_all();
    all_fail_promptly(&store, Duration::from_secs(1)).await;
    cluster.restart_all();
    let back = eventually(Duration::from_secs(10), || {
        let store = store.clone();
        async move {
            store
                .insert(&key(), &record(subject, None, 600, b"y"))
                .await
                .is_ok()
        }
    })
    .await;
    assert!(
        back,
        "the cluster store did not reconnect after the restart"
    );
    // Without persistence the old record is gone: an honest None, from a working store.
    assert_eq!(store.load(&k).await.unwrap(), None);
}

/// Every operation fails promptly with Unavailable or Timeout, never answers Ok.
async fn all_fail_promptly(store: &RedisStore, bound: Duration) {
    let (k, subject) = (key(), key());
    let rec = record(subject, Some(key()), 600, b"x");
    macro_rules! fails {
        ($op:expr) => {{
            let started = Instant::now();
            let result = $op.await;
            let took = started.elapsed();
            match result {
                Err(err) => assert!(
                    matches!(
                        err.kind(),
                        StoreErrorKind::Unavailable | StoreErrorKind::Timeout
                    ),
                    "{} -> {err}",
                    stringify!($op)
                ),
                Ok(answer) => panic!("{} answered {answer:?} with Redis down", stringify!($op)),
            }
            assert!(took < bound, "{} took {took:?}", stringify!($op));
        }};
    }
    fails!(store.load(&k));
    fails!(store.insert(&k, &rec));
    fails!(store.update(&k, 1, &rec));
    fails!(store.delete(&k));
    fails!(store.list_by_subject(&subject));
    fails!(store.delete_by_subject(&subject));
    fails!(store.list_by_sid(&subject));
    fails!(store.delete_by_sid(&subject));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_closed_and_the_same_store_recovers() {
    // Built while nothing listens: the app starts.
    let port = unused_port();
    let store = redis_store(&format!("redis://127.0.0.1:{port}"));
    all_fail_promptly(&store, Duration::from_secs(1)).await;

    // Redis comes up: the same value works, within a few attempts.
    let mut server = RedisServer::start_with(RedisOptions {
        port: Some(port),
        ..RedisOptions::default()
    });
    let (k, subject) = (key(), key());
    let rec = record(subject, None, 600, b"up");
    let mut attempts = 0;
    while store.insert(&k, &rec).await.is_err() {
        attempts += 1;
        assert!(attempts < 3, "no recovery after Redis came up");
    }
    assert!(store.load(&k).await.unwrap().is_some());

    // Killed while connected: prompt failures, never "no session".
    server.kill();
    all_fail_promptly(&store, Duration::from_secs(1)).await;

    // Restarted (without persistence): the same store value reconnects by itself.
    server.restart();
    let recovered = eventually(Duration::from_secs(5), || {
        let store = store.clone();
        async move { store.load(&k).await.is_ok() }
    })
    .await;
    assert!(recovered, "the store did not reconnect after the restart");
    let started = Instant::now();
    let mut attempts = 0;
    while store.load(&k).await.is_err() {
        attempts += 1;
        assert!(attempts < 3 && started.elapsed() < Duration::from_secs(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_with_aof_keeps_records_over_a_kill() {
    let mut server = RedisServer::start_aof();
    let store = redis_store(&server.url());
    let (k, subject) = (key(), key());
    let rec = record(subject, Some(key()), 600, b"durable");
    store.insert(&k, &rec).await.unwrap();
    assert_eq!(
        store.update(&k, 1, &rec).await.unwrap(),
        Updated::Written(2)
    );
    server.kill();
    server.restart();
    let back = eventually(Duration::from_secs(5), || {
        let store = store.clone();
        async move { matches!(store.load(&k).await, Ok(Some(v)) if v.version == 2) }
    })
    .await;
    assert!(
        back,
        "the record did not survive a kill with appendfsync always"
    );
    assert_eq!(store.list_by_subject(&subject).await.unwrap(), vec![k]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_times_out_within_the_command_timeout() {
    let server = RedisServer::start();
    let timeout = Duration::from_millis(200);
    let store = RedisStore::builder(server.url())
        .command_timeout(timeout)
        .build()
        .unwrap();
    let (k, subject) = (key(), key());
    store
        .insert(&k, &record(subject, None, 600, b"x"))
        .await
        .unwrap();
    server.pause();
    for _ in 0..3 {
        let started = Instant::now();
        let err = store.load(&k).await.expect_err("a stopped server");
        let took = started.elapsed();
        assert_eq!(err.kind(), StoreErrorKind::Timeout, "{err}");
        assert!(
            took >= timeout && took < timeout + Duration::from_millis(300),
            "{took:?}"
        );
    }
    server.resume();
    let back = eventually(Duration::from_secs(5), || {
        let store = store.clone();
        async move { matches!(store.load(&k).await, Ok(Some(_))) }
    })
    .await;
    assert!(back, "no recovery after SIGCONT");
}

fn keys_of(server: &RedisServer) -> Vec<String> {
    match server.command(&["KEYS", "*"]).unwrap() {
        redis::Value::Array(keys) => keys.iter().map(text).collect(),
        other => panic!("KEYS: {other:?}"),
    }
}

fn int(value: redis::RedisResult<redis::Value>) -> i64 {
    match value {
        Ok(redis::Value::Int(n)) => n,
        other => panic!("not an integer: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keys_hold_hashes_and_sealed_bytes_and_all_expire() {
    let server = RedisServer::start();
    let store = redis_store(&server.url());
    let (k, subject, sid) = (key(), key(), key());
    let marker = b"MARKER-7c1f";
    store
        .insert(&k, &record(subject, Some(sid), 600, marker))
        .await
        .unwrap();

    let keys = set_of(keys_of(&server));
    let expected: BTreeSet<String> = [
        format!("feide-tower:s:{{{}}}", k.to_hex()),
        format!("feide-tower:u:{{{}}}", subject.to_hex()),
        format!("feide-tower:i:{{{}}}", sid.to_hex()),
    ]
    .into();
    assert_eq!(keys, expected, "the layout in the module docs");
    for name in &keys {
        // No raw key bytes and no data in a key name; every key expires on its own.
        assert!(!name.contains("MARKER"));
        assert!(!name.as_bytes().windows(32).any(|w| w == k.as_bytes()));
        let ttl = int(server.command(&["TTL", name]));
        assert!((590..=600).contains(&ttl), "{name}: TTL {ttl}");
    }
    let record_key = format!("feide-tower:s:{{{}}}", k.to_hex());
    let fields = server.command(&["HGETALL", &record_key]).unwrap();
    let redis::Value::Array(fields) = fields else {
        panic!("HGETALL")
    };
    let fields: Vec<String> = fields.iter().map(text).collect();
    assert_eq!(fields.len(), 10, "{fields:?}");
    let names: BTreeSet<&str> = fields.iter().step_by(2).map(String::as_str).collect();
    assert_eq!(names, ["d", "e", "i", "u", "v"].into());
    // The store keeps the data it was given (sealed by the login layer) and nothing else.
    let with_marker = fields.iter().filter(|f| f.contains("MARKER")).count();
    assert_eq!(with_marker, 1);

    // An update with a 2-second expiry re-applies it to the record: Redis drops it then.
    let short = record(subject, Some(sid), 2, marker);
    assert_eq!(
        store.update(&k, 1, &short).await.unwrap(),
        Updated::Written(2)
    );
    let ttl = int(server.command(&["TTL", &record_key]));
    assert!((1..=2).contains(&ttl), "TTL {ttl} after the update");
    let dropped = eventually(Duration::from_secs(5), || {
        let exists = int(server.command(&["EXISTS", &record_key]));
        async move { exists == 0 }
    })
    .await;
    assert!(dropped, "Redis kept the record past its expiry");
    assert_eq!(store.load(&k).await.unwrap(), None);
}

fn set_of(names: Vec<String>) -> BTreeSet<String> {
    names.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_stay_out_of_errors_and_debug() {
    let password = "s3cret-pa55word";
    let server = RedisServer::start_with(RedisOptions {
        extra: vec![("requirepass".into(), password.into())],
        ..RedisOptions::default()
    });
    let url = format!("redis://:{password}@127.0.0.1:{}", server.port());
    let store = redis_store(&url);
    assert!(!format!("{store:?}").contains(password));
    let k = key();
    store
        .insert(&k, &record(key(), None, 600, b"x"))
        .await
        .expect("authenticated");

    let wrong = redis_store(&format!(
        "redis://:wrong-{password}@127.0.0.1:{}",
        server.port()
    ));
    let err = wrong.load(&k).await.expect_err("a wrong password");
    assert_eq!(err.kind(), StoreErrorKind::Unavailable);
    for shown in [err.to_string(), format!("{err:?}"), format!("{wrong:?}")] {
        assert!(!shown.contains(password), "{shown}");
        assert!(!shown.contains(&k.to_hex()), "{shown}");
    }
}

#[test]
fn from_url_builds_every_form() {
    use feide_tower::store::from_url;
    for url in [
        "memory",
        "redis://127.0.0.1:6379",
        "redis://user:pw@127.0.0.1:6379/2",
        "rediss://localhost:6380",
        "redis+cluster://127.0.0.1:7000,127.0.0.1:7001",
        "rediss+cluster://127.0.0.1:7000",
    ] {
        assert!(from_url(url).is_ok(), "{url}");
    }
    for url in ["", "memcached://x", "redis://", "redis+cluster://a:1,,b:2"] {
        assert!(from_url(url).is_err(), "{url}");
    }
}
