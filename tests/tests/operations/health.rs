//! `feide_tower::health` served by real apps on 127.0.0.1: readiness flips to 503 when the
//! provider's keys are cold (or, with `max_key_age`, too old) or the session store is down or
//! hung, and back to 200 when they return; liveness stays 200; probes need no credentials;
//! other paths reach the inner service; the report never shows the store's URL or password.
//! Each test prints what it measured (`health: ...` lines on stderr).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::{Router, routing::get};
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::health::Health;
use feide_tower::login::FeideLogin;
use feide_tower::store::{RedisStore, SessionStore};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure,
    FakeFeide,
};
use integration_tests::redis::{RedisCluster, RedisOptions, RedisServer};
use integration_tests::{bind, eventually, serve_axum, serve_hyper};
use serde_json::Value;

/// How long a recovery may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(15);

/// One probe's answer.
struct Probe {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    json: Value,
}

async fn probe(client: &reqwest::Client, url: &str) -> Probe {
    let response = client.get(url).send().await.expect("the app answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Probe {
        status,
        headers,
        text,
        json,
    }
}

async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    client
        .get(url)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// The first check of the report named `name`.
fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {report}"))
}

/// A probe's headers and body shape, whatever its status.
fn assert_probe_shape(probe: &Probe) {
    assert_eq!(probe.headers["content-type"], "application/json");
    assert_eq!(probe.headers["cache-control"], "no-store");
    assert!(probe.json.is_object(), "JSON body: {}", probe.text);
    if probe.status == 503 {
        assert!(
            probe.headers.contains_key("retry-after"),
            "503 has Retry-After"
        );
    }
}

/// The app: `/` behind a bearer layer (so anything but a probe needs a token), with the health
/// layer outermost.
fn app(provider: &Provider, health: &Health) -> Router {
    let bearer = BearerJwtLayer::builder(provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .expect("bearer configuration");
    Router::new()
        .route("/", get(|| async { "inner" }))
        .layer(bearer)
        .layer(health.layer())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_keys_make_the_app_unready_until_the_jwks_answers() {
    let fake = FakeFeide::start().await.expect("FakeFeide");
    fake.fail(Endpoint::Jwks, Failure::Status(500));
    let provider = Provider::builder(fake.issuer())
        .jwks_cooldown(Duration::from_millis(100))
        .build()
        .await
        .expect("discovery works while the JWKS fails");
    assert!(provider.jwks().status().is_cold());
    let health = Health::builder()
        .provider(&provider)
        .build()
        .expect("health");
    let (listener, base) = bind().await;
    serve_axum(listener, app(&provider, &health));
    let client = reqwest::Client::new();
    let (live, ready) = (format!("{base}/healthz"), format!("{base}/readyz"));

    let cold = probe(&client, &ready).await;
    assert_eq!(cold.status, 503, "{}", cold.text);
    assert_probe_shape(&cold);
    assert_eq!(cold.json["ready"], false);
    let keys = check(&cold.json, "keys");
    assert_eq!(keys["issuer"], fake.issuer());
    assert_eq!(
        (&keys["ok"], &keys["problem"]),
        (&Value::from(false), &Value::from("cold"))
    );
    assert_eq!(keys["keys"], 0);
    assert_eq!(keys["age_seconds"], Value::Null);
    assert_eq!(keys["last_refresh"]["result"], "failure");
    let healthz = probe(&client, &live).await;
    assert_eq!(
        (healthz.status, &healthz.json),
        (200, &serde_json::json!({"live": true}))
    );
    assert_probe_shape(&healthz);
    // Not a probe: the request reaches the inner (bearer-protected) service.
    assert_eq!(status_of(&client, &format!("{base}/")).await, 401);

    fake.clear_failure(Endpoint::Jwks);
    let started = Instant::now();
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "/readyz back to 200 once the JWKS answers"
    );
    eprintln!(
        "health: cold keys -> ready {:?} after the JWKS came back (jwks_cooldown 100 ms)",
        started.elapsed()
    );
    let warm = probe(&client, &ready).await;
    assert_probe_shape(&warm);
    let keys = check(&warm.json, "keys");
    assert_eq!(keys["ok"], true);
    assert!(keys["keys"].as_u64().unwrap_or(0) >= 1, "{}", warm.text);
    assert_eq!(keys["last_refresh"]["result"], "success");
    assert!(keys.get("problem").is_none());
    let head = client.head(&ready).send().await.expect("HEAD");
    assert_eq!(head.status(), 200);
    assert_eq!(status_of(&client, &live).await, 200);

    // Other paths still reach the inner service: with a token now that keys are loaded.
    let token = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
    let inner = client
        .get(format!("{base}/"))
        .bearer_auth(token)
        .send()
        .await
        .expect("inner");
    assert_eq!(inner.status(), 200);
    assert_eq!(inner.text().await.unwrap(), "inner");
    // A POST to a probe path is not a probe: it goes to the app (which has no such route).
    let post = client.post(&ready).send().await.expect("POST");
    assert_eq!(post.status(), 401, "passed to the bearer-protected app");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_never_hammer_a_failing_jwks() {
    let fake = FakeFeide::start().await.expect("FakeFeide");
    fake.fail(Endpoint::Jwks, Failure::Status(503));
    // The default cooldown (30 s): at most one on-demand fetch in this test.
    let provider = Provider::builder(fake.issuer())
        .build()
        .await
        .expect("provider");
    let health = Health::builder()
        .provider(&provider)
        .build()
        .expect("health");
    let (listener, base) = bind().await;
    serve_axum(listener, app(&provider, &health));
    let client = reqwest::Client::new();
    let ready = format!("{base}/readyz");
    let before = fake.requests(Endpoint::Jwks);
    let probes: Vec<_> = (0..50)
        .map(|_| {
            let (client, ready) = (client.clone(), ready.clone());
            tokio::spawn(async move { status_of(&client, &ready).await })
        })
        .collect();
    for probe in probes {
        assert_eq!(probe.await.unwrap(), 503);
    }
    let fetched = fake.requests(Endpoint::Jwks) - before;
    eprintln!("health: 50 concurrent probes on cold keys -> {fetched} JWKS fetch(es)");
    assert!(
        fetched <= 1,
        "probes share one refresh under the cooldown: {fetched}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_keys_make_the_app_unready_only_with_max_key_age() {
    let fake = FakeFeide::start().await.expect("FakeFeide");
    let provider = Provider::builder(fake.issuer())
        .jwks_cooldown(Duration::from_millis(50))
        .build()
        .await
        .expect("provider");
    let strict = Health::builder()
        .provider(&provider)
        .max_key_age(Duration::from_secs(1))
        .build()
        .expect("health");
    let lenient = Health::builder()
        .provider(&provider)
        .build()
        .expect("health");
    let (listener, base) = bind().await;
    serve_axum(listener, app(&provider, &strict));
    let client = reqwest::Client::new();
    let ready = format!("{base}/readyz");
    assert_eq!(status_of(&client, &ready).await, 200);

    fake.fail(Endpoint::Jwks, Failure::Status(500));
    let failing_since = Instant::now();
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 503
        })
        .await,
        "keys older than max_key_age while the JWKS fails: unready"
    );
    eprintln!(
        "health: max_key_age 1 s -> unready {:?} after the JWKS started failing",
        failing_since.elapsed()
    );
    let stale = probe(&client, &ready).await;
    assert_eq!(stale.status, 503);
    assert_probe_shape(&stale);
    let keys = check(&stale.json, "keys");
    assert_eq!(keys["problem"], "too_old");
    assert_eq!(keys["loaded"], true);
    assert!(
        keys["age_seconds"].as_u64().unwrap_or(0) >= 1,
        "{}",
        stale.text
    );
    assert_eq!(keys["last_refresh"]["result"], "failure");
    // Without max_key_age the same keys (which still verify tokens) keep the app ready.
    let report = lenient.check().await;
    assert!(report.ready, "{}", report.to_json());

    fake.clear_failure(Endpoint::Jwks);
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "JWKS back: ready again"
    );
    assert_eq!(status_of(&client, &format!("{base}/healthz")).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_or_hung_store_makes_the_app_unready_until_it_returns() {
    let password = "h3alth-probe-pa55word";
    let mut redis = RedisServer::start_with(RedisOptions {
        extra: vec![("requirepass".into(), password.into())],
        ..RedisOptions::default()
    });
    let url = format!("redis://:{password}@127.0.0.1:{}", redis.port());
    let address = format!("127.0.0.1:{}", redis.port());
    // A command timeout well above the check timeout: the check's own bound must cut a hung
    // store off.
    let check_timeout = Duration::from_millis(500);
    let store: Arc<dyn SessionStore> = Arc::new(
        RedisStore::builder(&url)
            .command_timeout(Duration::from_secs(3))
            .build()
            .expect("store"),
    );
    let fake = FakeFeide::start().await.expect("FakeFeide");
    let provider = Provider::builder(fake.issuer())
        .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .build()
        .await
        .expect("provider");
    let login = FeideLogin::builder(&provider)
        .redirect_uri("http://127.0.0.1:9/callback")
        .secret_keys("v7+rpONHTSlzZ6Q/mdSuQSbMSi5egNukDpGGHrxXYaQ=")
        .session_store(Arc::clone(&store))
        .build()
        .expect("login");
    assert!(login.session_store().is_some());
    let health = Health::builder()
        .login(&login)
        .store(Arc::clone(&store)) // the same store again: checked once
        .check_timeout(check_timeout)
        .build()
        .expect("health");
    // Served with plain hyper this time, the login layer inside the probes.
    let (listener, base) = bind().await;
    let app = tower::ServiceBuilder::new()
        .layer(health.layer())
        .layer(login.layer())
        .service(tower::service_fn(
            |_: http::Request<hyper::body::Incoming>| async {
                Ok::<_, std::convert::Infallible>(http::Response::new(String::from("inner")))
            },
        ));
    serve_hyper(listener, app);
    let client = reqwest::Client::new();
    let (live, ready) = (format!("{base}/healthz"), format!("{base}/readyz"));
    let never_leaks = |probe: &Probe| {
        for secret in [password, url.as_str(), address.as_str(), "redis://"] {
            assert!(!probe.text.contains(secret), "{secret:?} in {}", probe.text);
        }
    };

    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "store up: ready"
    );
    let up = probe(&client, &ready).await;
    assert_probe_shape(&up);
    never_leaks(&up);
    let checks = up.json["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 2, "keys and one store: {}", up.text);
    let store_check = check(&up.json, "session_store");
    assert_eq!(store_check["ok"], true);
    assert_eq!(store_check["login"], login.name());

    // Hung (SIGSTOP): cut off at check_timeout, reported as a timeout.
    redis.pause();
    let started = Instant::now();
    let hung = probe(&client, &ready).await;
    let took = started.elapsed();
    redis.resume();
    eprintln!(
        "health: hung store -> {} in {took:?} (check_timeout {check_timeout:?}, command timeout 3 s)",
        hung.status
    );
    assert_eq!(hung.status, 503, "{}", hung.text);
    assert_probe_shape(&hung);
    never_leaks(&hung);
    assert_eq!(check(&hung.json, "session_store")["error"], "timeout");
    assert_eq!(
        check(&hung.json, "keys")["ok"],
        true,
        "only the store is down"
    );
    assert!(
        took < Duration::from_secs(2),
        "bounded by check_timeout: {took:?}"
    );
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "resumed: ready"
    );

    // Stopped: unready, naming the store.
    redis.stop();
    let started = Instant::now();
    let down = probe(&client, &ready).await;
    let took = started.elapsed();
    eprintln!("health: stopped store -> {} in {took:?}", down.status);
    assert_eq!(down.status, 503, "{}", down.text);
    assert_probe_shape(&down);
    never_leaks(&down);
    let store_check = check(&down.json, "session_store");
    assert_eq!(store_check["ok"], false);
    assert_eq!(store_check["error"], "unavailable", "{}", down.text);
    assert!(took < check_timeout + Duration::from_secs(1), "{took:?}");
    assert_eq!(
        status_of(&client, &live).await,
        200,
        "alive while the store is down"
    );
    // Anything else still reaches the app (through the login layer).
    let inner = client.get(format!("{base}/")).send().await.expect("inner");
    assert_eq!(inner.status(), 200);
    assert_eq!(inner.text().await.unwrap(), "inner");

    redis.restart();
    let started = Instant::now();
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "restarted: ready again"
    );
    eprintln!(
        "health: restarted store -> ready after {:?}",
        started.elapsed()
    );
    let back = probe(&client, &ready).await;
    never_leaks(&back);
    assert_eq!(status_of(&client, &live).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_store_is_ready_only_when_every_primary_answers() {
    let cluster = RedisCluster::start(3);
    let store: Arc<dyn SessionStore> =
        Arc::new(RedisStore::builder(cluster.url()).build().expect("store"));
    let health = Health::builder()
        .store(store)
        .check_timeout(Duration::from_secs(1))
        .build()
        .expect("health");
    let (listener, base) = bind().await;
    serve_axum(
        listener,
        Router::new()
            .route("/", get(|| async { "inner" }))
            .layer(health.layer()),
    );
    let client = reqwest::Client::new();
    let ready = format!("{base}/readyz");
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "cluster up: ready"
    );

    // One primary of three hangs: the other two answer, but the sessions in its slots cannot
    // be served, so the store is not ready.
    let hung = &cluster.nodes()[1];
    hung.pause();
    let down = probe(&client, &ready).await;
    hung.resume();
    assert_eq!(down.status, 503, "{}", down.text);
    let store_check = check(&down.json, "session_store");
    assert_eq!(store_check["ok"], false);
    eprintln!(
        "health: cluster with one hung primary -> {} ({})",
        down.status, store_check["error"]
    );
    assert!(
        eventually(DEADLINE, || async {
            status_of(&client, &ready).await == 200
        })
        .await,
        "primary resumed: ready"
    );
}
