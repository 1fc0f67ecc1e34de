//! Every scenario on Redis (one `redis-server` per test, started on a free loopback port), and
//! what only a real Redis can show: a Redis killed under load, a restart with AOF, a cluster,
//! and what a Redis dump holds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use feide_tower::store::{RedisStore, SessionStore};
use futures_util::future::join_all;
use integration_tests::eventually;
use integration_tests::redis::{RedisCluster, RedisServer, text};
use serde_json::Value;

use crate::harness::{BOUND, Browser, COOKIE, Options, me, sign_in, start};
use crate::scenarios;

fn store(url: String) -> Arc<dyn SessionStore> {
    Arc::new(RedisStore::builder(url).build().expect("a RedisStore"))
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_on_one_use_on_all() {
    let redis = RedisServer::start();
    scenarios::sign_in_on_one_use_on_all(store(redis.url())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_on_one_refused_on_all() {
    let redis = RedisServer::start();
    let took = scenarios::sign_out_on_one_refused_on_all(store(redis.url())).await;
    eprintln!("redis: revocation visible on every instance after {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_on_one_refused_on_all_on_a_cluster() {
    let cluster = RedisCluster::start(3);
    let took = scenarios::sign_out_on_one_refused_on_all(store(cluster.url())).await;
    eprintln!("redis cluster: revocation visible on every instance after {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_everywhere_leaves_others() {
    let redis = RedisServer::start();
    scenarios::sign_out_everywhere_leaves_others(store(redis.url())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_one_session() {
    let redis = RedisServer::start();
    scenarios::revoke_one_session(store(redis.url())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_racing_requests_stays_deleted() {
    let redis = RedisServer::start();
    scenarios::logout_racing_requests_stays_deleted(store(redis.url())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_refresh_grant_across_replicas() {
    let redis = RedisServer::start();
    let grants = scenarios::one_refresh_grant_across_replicas(store(redis.url())).await;
    eprintln!("redis: {grants} refresh grant(s) for 60 concurrent requests on 3 instances");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_session_is_signed_out_cleanly() {
    let redis = RedisServer::start();
    scenarios::a_cookie_session_is_signed_out_cleanly(store(redis.url())).await;
}

/// `GET path` on `instance` as an API client with exactly `cookie`: status, whether the
/// response deletes a cookie, and `Retry-After`.
async fn api(
    replicas: &crate::harness::Replicas,
    cookie: &str,
    instance: usize,
    path: &str,
) -> (u16, bool, Option<String>) {
    let response = reqwest::Client::new()
        .get(replicas.url(instance, path))
        .header("accept", "application/json")
        .header("cookie", cookie)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("the instance answers");
    let deletes = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap_or_default().contains("Max-Age=0"));
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), deletes, retry)
}

/// Redis killed under load: 503 with `Retry-After` (never 500, never a redirect, never a
/// deleted cookie), public routes keep serving, and service resumes when Redis is back.
#[tokio::test(flavor = "multi_thread")]
async fn redis_killed_mid_load_answers_503_and_recovers() {
    let mut redis = RedisServer::start();
    let replicas = start(store(redis.url()), Options::default()).await;
    let browser = Browser::new();
    let set_cookie = sign_in(&replicas, &browser, "alice").await;
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    for instance in 0..3 {
        assert_eq!(api(&replicas, &cookie, instance, "/me").await.0, 200);
    }
    // Load on all three instances while Redis dies: every answer is the session (200, from a
    // near cache or before the kill) or 503, never a 500, a redirect or a deleted cookie.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = (0..6).map(|i| {
        let replicas = &replicas;
        let cookie = &cookie;
        let stop = Arc::clone(&stop);
        async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                seen.push(api(replicas, cookie, i % 3, "/me").await);
            }
            seen
        }
    });
    let killer = async {
        redis.kill();
        eventually(BOUND + Duration::from_secs(2), || async {
            api(&replicas, &cookie, 0, "/me").await.0 == 503
        })
        .await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    let (during, ()) = tokio::join!(join_all(load), killer);
    let during: Vec<_> = during.into_iter().flatten().collect();
    assert!(!during.is_empty());
    for (status, deletes, _) in &during {
        assert!(
            *status == 200 || *status == 503,
            "200 or 503 while Redis dies: {status}"
        );
        assert!(!deletes, "the cookie is never deleted");
    }
    eprintln!(
        "redis killed under load: {} answers, {} × 200, {} × 503, no other",
        during.len(),
        during.iter().filter(|a| a.0 == 200).count(),
        during.iter().filter(|a| a.0 == 503).count()
    );
    // Until the near caches expire the session is still served; then every answer is 503.
    let down = eventually(BOUND + Duration::from_secs(2), || async {
        api(&replicas, &cookie, 0, "/me").await.0 == 503
    })
    .await;
    assert!(down, "a dead Redis gives 503");
    let load = (0..60).map(|i| {
        let replicas = &replicas;
        let cookie = &cookie;
        async move { api(replicas, cookie, i % 3, "/me").await }
    });
    let answers = join_all(load).await;
    for (status, deletes, retry) in &answers {
        assert!(*status == 503, "never 500 or a redirect: {status}");
        assert!(!deletes, "the cookie is never deleted");
        assert!(retry.is_some(), "503 says when to retry");
    }
    for instance in 0..3 {
        assert_eq!(api(&replicas, &cookie, instance, "/public").await.0, 200);
    }
    redis.restart();
    // No persistence in this server: the session is gone after the restart, so recovery shows
    // as the session being refused (401), not 503 any more.
    let started = Instant::now();
    for instance in 0..3 {
        let back = eventually(Duration::from_secs(10), || async {
            api(&replicas, &cookie, instance, "/me").await.0 == 401
        })
        .await;
        assert!(back, "instance {instance} recovers without a restart");
    }
    eprintln!(
        "redis back: every instance answering again after {:?}",
        started.elapsed()
    );
    sign_in(&replicas, &browser, "alice").await;
    assert_eq!(
        me(&replicas, &browser, 2).await.0,
        200,
        "new sign-ins work again"
    );
}

/// With AOF on, every session survives a Redis restart (killed with SIGKILL).
#[tokio::test(flavor = "multi_thread")]
async fn with_aof_every_session_survives_a_restart() {
    let mut redis = RedisServer::start_aof();
    let replicas = start(store(redis.url()), Options::default()).await;
    let browsers: Vec<Browser> = (0..5).map(|_| Browser::new()).collect();
    for (i, browser) in browsers.iter().enumerate() {
        sign_in(&replicas, browser, if i % 2 == 0 { "alice" } else { "bob" }).await;
    }
    redis.restart();
    for browser in &browsers {
        for instance in 0..3 {
            let served = eventually(Duration::from_secs(10), || async {
                me(&replicas, browser, instance).await.0 == 200
            })
            .await;
            assert!(
                served,
                "the session survived the restart (instance {instance})"
            );
        }
    }
}

/// Nothing in Redis is a token or a cookie: every key's value is scanned for the access token,
/// the refresh token, the ID token and the cookie.
#[tokio::test(flavor = "multi_thread")]
async fn no_token_or_cookie_in_plain_text_in_redis() {
    let redis = RedisServer::start();
    let replicas = start(
        store(redis.url()),
        Options {
            refresh: true,
            ..Options::default()
        },
    )
    .await;
    let browser = Browser::new();
    let set_cookie = sign_in(&replicas, &browser, "alice").await;
    let (status, body) = me(&replicas, &browser, 1).await;
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).unwrap();
    let access_token = json["access_token"].as_str().unwrap().to_owned();
    let refresh_tokens = replicas.fake.live_refresh_tokens();
    assert!(
        !refresh_tokens.is_empty(),
        "the session holds a refresh token"
    );
    let cookie_value = set_cookie
        .split(';')
        .next()
        .and_then(|p| p.strip_prefix(&format!("{COOKIE}=")))
        .unwrap()
        .to_owned();
    let mut secrets = vec![access_token, cookie_value];
    secrets.extend(refresh_tokens);

    let keys = match redis.command(&["KEYS", "*"]).unwrap() {
        redis::Value::Array(keys) => keys.iter().map(text).collect::<Vec<_>>(),
        other => panic!("KEYS: {other:?}"),
    };
    assert!(!keys.is_empty());
    let mut scanned = 0;
    for key in &keys {
        let kind = text(&redis.command(&["TYPE", key]).unwrap());
        let dump = match kind.as_str() {
            "hash" => redis.command(&["HGETALL", key]).unwrap(),
            "zset" => redis
                .command(&["ZRANGE", key, "0", "-1", "WITHSCORES"])
                .unwrap(),
            "string" => redis.command(&["GET", key]).unwrap(),
            other => panic!("unexpected {other} at {key}"),
        };
        let values: Vec<String> = match &dump {
            redis::Value::Array(items) => items.iter().map(text).collect(),
            redis::Value::Map(pairs) => {
                pairs.iter().flat_map(|(k, v)| [text(k), text(v)]).collect()
            }
            single => vec![text(single)],
        };
        for value in values.iter().chain([key]) {
            for secret in &secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "a token or cookie in plain text at {key}"
                );
            }
            assert!(
                !value.contains("alice"),
                "no user id in plain text at {key}"
            );
            scanned += 1;
        }
    }
    eprintln!(
        "redis: {} keys, {scanned} values scanned, no token, cookie or user id",
        keys.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_faults_keep_or_end_the_session() {
    let redis = RedisServer::start();
    scenarios::refresh_faults_keep_or_end_the_session(store(redis.url())).await;
}
