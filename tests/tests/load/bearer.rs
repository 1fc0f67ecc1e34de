//! 10,000 bearer requests from 50 clients while the signing key rotates mid-run.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::bearer::{BearerJwtLayer, Principal};
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, Endpoint, FakeFeide};

use crate::panics;

const REQUESTS: usize = 10_000;
const CLIENTS: usize = 50;
/// Distinct tokens per signing key (each verified once, then served from the token cache).
const TOKENS_PER_KEY: usize = 100;
const DEADLINE: Duration = Duration::from_secs(240);

/// `(token, its subject)` pairs, all signed with key `kid`.
fn tokens(fake: &FakeFeide, kid: &str) -> Arc<Vec<(String, String)>> {
    Arc::new(
        (0..TOKENS_PER_KEY)
            .map(|i| {
                let sub = format!("{kid}-user-{i}");
                let token = fake
                    .mint()
                    .key(kid)
                    .claim("sub", sub.as_str())
                    .claim("scope", "openid readUser")
                    .sign();
                (token, sub)
            })
            .collect(),
    )
}

struct Figures {
    statuses: BTreeMap<u16, usize>,
    wrong_subject: usize,
    transport_errors: usize,
    jwks_fetches: usize,
    elapsed: Duration,
}

/// Runs the load against `base`, rotating the fake's key `rotations` times at evenly spaced
/// points; the clients switch to tokens of the new key right after each rotation.
async fn run(fake: &FakeFeide, base: &str, rotations: usize) -> Figures {
    // Token pools for the current key and the next `rotations` keys, minted up front.
    let mut kids = vec![fake.signing_kid()];
    let probe = fake.clone();
    for _ in 0..rotations {
        let next = probe.rotate_keys();
        kids.push(next);
    }
    // Back to the first key: the rotations happen during the run.
    for _ in 0..(3 - rotations % 3) % 3 {
        probe.rotate_keys();
    }
    assert_eq!(
        fake.signing_kid(),
        kids[0],
        "three RSA keys rotate in a cycle"
    );
    let pools: Vec<_> = kids.iter().map(|kid| tokens(fake, kid)).collect();
    let current = Arc::new(RwLock::new(pools[0].clone()));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    // Warm up: one request, so the JWKS is loaded and the connection pool open.
    let warm = client
        .get(format!("{base}/me"))
        .bearer_auth(&pools[0][0].0)
        .send()
        .await
        .expect("warm-up");
    assert_eq!(warm.status(), 200);

    fake.reset_counts();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let clock = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, base, current, next, done) = (
                client.clone(),
                base.to_owned(),
                current.clone(),
                next.clone(),
                done.clone(),
            );
            tokio::spawn(async move {
                let mut statuses: HashMap<u16, usize> = HashMap::new();
                let (mut wrong_subject, mut transport_errors) = (0, 0);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= REQUESTS {
                        break;
                    }
                    let pool = current
                        .read()
                        .map(|p| p.clone())
                        .unwrap_or_else(|e| e.into_inner().clone());
                    let (token, sub) = &pool[i % pool.len()];
                    match client
                        .get(format!("{base}/me"))
                        .bearer_auth(token)
                        .send()
                        .await
                    {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            *statuses.entry(status).or_default() += 1;
                            if status == 200 {
                                let body: serde_json::Value = r.json().await.unwrap_or_default();
                                if body["subject"] != sub.as_str() {
                                    wrong_subject += 1;
                                }
                            }
                        }
                        Err(_) => transport_errors += 1,
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                (statuses, wrong_subject, transport_errors)
            })
        })
        .collect();

    // The rotations: at evenly spaced points of the run, rotate, then switch the clients.
    for (r, pool) in pools.iter().enumerate().skip(1) {
        let at = REQUESTS * r / (rotations + 1);
        let reached = integration_tests::eventually(DEADLINE, || {
            let done = done.clone();
            async move { done.load(Ordering::Relaxed) >= at }
        })
        .await;
        assert!(reached, "the run reaches request {at}");
        let kid = fake.rotate_keys();
        assert_eq!(kid, kids[r]);
        *current.write().unwrap_or_else(|e| e.into_inner()) = pool.clone();
    }

    let mut figures = Figures {
        statuses: BTreeMap::new(),
        wrong_subject: 0,
        transport_errors: 0,
        jwks_fetches: 0,
        elapsed: Duration::ZERO,
    };
    let results = tokio::time::timeout(DEADLINE, futures_util::future::join_all(workers))
        .await
        .expect("the run finishes within the deadline");
    figures.elapsed = clock.elapsed();
    for result in results {
        let (statuses, wrong, transport) = result.expect("worker");
        for (status, n) in statuses {
            *figures.statuses.entry(status).or_default() += n;
        }
        figures.wrong_subject += wrong;
        figures.transport_errors += transport;
    }
    figures.jwks_fetches = fake.requests(Endpoint::Jwks);
    figures
}

fn check(name: &str, rotations: usize, f: &Figures) {
    let ok = f.statuses.get(&200).copied().unwrap_or(0);
    let unauthorized = f.statuses.get(&401).copied().unwrap_or(0);
    let refused: usize = f
        .statuses
        .iter()
        .filter(|(s, _)| **s != 200)
        .map(|(_, n)| n)
        .sum();
    panics::report(&format!(
        "load: bearer[{name}] requests={REQUESTS} clients={CLIENTS} rotations={rotations} ok={ok} 401={unauthorized} other_refusals={} transport_errors={} wrong_subject={} jwks_fetches={} ({} per rotation) elapsed={:.2}s ({:.0} req/s)",
        refused - unauthorized,
        f.transport_errors,
        f.wrong_subject,
        f.jwks_fetches,
        f.jwks_fetches as f64 / rotations as f64,
        f.elapsed.as_secs_f64(),
        REQUESTS as f64 / f.elapsed.as_secs_f64(),
    ));
    assert_eq!(
        ok, REQUESTS,
        "{name}: every request is let through: {:?}",
        f.statuses
    );
    assert_eq!(unauthorized, 0, "{name}: no wrongful 401");
    assert_eq!(f.transport_errors, 0);
    assert_eq!(
        f.wrong_subject, 0,
        "{name}: every answer is about its own token"
    );
    assert_eq!(
        f.jwks_fetches, rotations,
        "{name}: one JWKS fetch per rotation"
    );
}

/// The data source's bearer protection (axum-datasource's `BearerJwtLayer` configuration, in
/// front of a handler that answers with the subject, without the example's token exchange, so
/// every figure is the bearer layer's) for `provider`, on 127.0.0.1:0.
async fn serve(provider: &Provider) -> String {
    let bearer = BearerJwtLayer::builder(provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .require_scope("readUser")
        .build()
        .expect("bearer layer");
    let app =
        Router::new()
            .route(
                "/me",
                get(|p: Principal| async move {
                    axum::Json(serde_json::json!({"subject": p.subject()}))
                }),
            )
            .layer(bearer);
    let (listener, base) = integration_tests::bind().await;
    integration_tests::serve_axum(listener, app);
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_bearer_requests_through_a_key_rotation_with_default_settings() {
    panics::install();
    let fake = FakeFeide::start().await.expect("FakeFeide starts");
    // The defaults axum-datasource runs with (30 s refresh cooldown, token cache on).
    let provider = Provider::builder(fake.issuer())
        .build()
        .await
        .expect("discovery");
    let base = serve(&provider).await;
    let figures = run(&fake, &base, 1).await;
    check("defaults", 1, &figures);
    panics::assert_none("bearer load, defaults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_bearer_requests_through_three_rotations() {
    panics::install();
    let fake = FakeFeide::start().await.expect("FakeFeide starts");
    let provider = Provider::builder(fake.issuer())
        .jwks_cooldown(Duration::ZERO)
        .build()
        .await
        .expect("discovery");
    let base = serve(&provider).await;
    let figures = run(&fake, &base, 3).await;
    check("no_cooldown", 3, &figures);
    panics::assert_none("bearer load, three rotations");
}
