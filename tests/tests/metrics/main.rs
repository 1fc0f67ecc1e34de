//! The metrics contract (`feide_tower::telemetry`), counted over real HTTP: each scenario
//! asserts the exact change of every counter, so a counter that is missed, doubled or given the
//! wrong label fails here.
//!
//! One process-wide recorder (metrics-util's `DebuggingRecorder`) sees everything this binary
//! does, so the scenarios take turns (`serial()`), and nothing else lives in this binary.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::authorization::{Rule, SessionGuard};
use feide_tower::bearer::{BearerJwtLayer, Principal};
use feide_tower::exchange::{ClientCredentialsSource, TokenExchange};
use feide_tower::login::FeideLogin;
use feide_tower::provider::Secret;
use feide_tower::session::FeideSession;
use feide_tower::store::{MemoryStore, RedisStore, SessionStore};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE,
    DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET, Endpoint, Failure, FakeClient,
    FakeFeide,
};
use integration_tests::browser::{Browser, location};
use integration_tests::redis::RedisServer;
use integration_tests::{bind, serve_axum};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";
const CLIENT_ID: &str = "metrics-app";
const CLIENT_SECRET: &str = "metrics-app-secret";

/// The recorder, installed once before anything of the library runs.
fn snapshotter() -> &'static Snapshotter {
    static SNAPSHOTTER: OnceLock<Snapshotter> = OnceLock::new();
    SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("the only recorder of this binary");
        feide_tower::telemetry::describe_metrics();
        snapshotter
    })
}

/// Scenarios run one at a time: the recorder is shared.
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    snapshotter();
    LOCK.lock().await
}

/// `name{label=value,…}` (labels sorted) → value, for one kind of metric: counters and gauges
/// as their running totals, histograms as their number of samples.
///
/// The debugging recorder hands out what changed since the previous snapshot (it resets every
/// value it reports), so the totals are kept here.
fn read(kind: MetricKind) -> BTreeMap<String, f64> {
    static TOTALS: std::sync::Mutex<BTreeMap<(u8, String), f64>> =
        std::sync::Mutex::new(BTreeMap::new());
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    for (key, _, _, value) in snapshotter().snapshot().into_vec() {
        let kind = key.kind() as u8;
        let key = key.key();
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let delta = match value {
            DebugValue::Counter(n) => n as f64,
            DebugValue::Gauge(g) => g.into_inner(),
            DebugValue::Histogram(h) => h.len() as f64,
        };
        *totals.entry((kind, name)).or_insert(0.0) += delta;
    }
    totals
        .iter()
        .filter(|((k, _), _)| *k == kind as u8)
        .map(|((_, name), value)| (name.clone(), *value))
        .collect()
}

/// Every counter's value now.
fn counters() -> BTreeMap<String, f64> {
    read(MetricKind::Counter)
}

/// What changed between two readings (only the series that changed).
fn changes(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    after
        .iter()
        .filter_map(|(name, value)| {
            let delta = value - before.get(name).copied().unwrap_or(0.0);
            (delta != 0.0).then(|| (name.clone(), delta))
        })
        .collect()
}

/// Runs `action` and asserts that exactly `expected` counters changed, by exactly these amounts.
async fn counts<F: Future<Output = T>, T>(expected: &[(&str, f64)], action: F) -> T {
    let before = counters();
    let out = action.await;
    let after = counters();
    let expected: BTreeMap<String, f64> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(changes(&before, &after), expected);
    out
}

fn gauge(name: &str) -> f64 {
    read(MetricKind::Gauge).get(name).copied().unwrap_or(0.0)
}

/// Histogram samples recorded for `series`.
fn samples(series: &str) -> f64 {
    read(MetricKind::Histogram)
        .get(series)
        .copied()
        .unwrap_or(0.0)
}

// ------------------------------------------------------------------------------------------
// Logins and revocations

struct LoginApp {
    fake: FakeFeide,
    base: String,
    login: FeideLogin,
}

impl LoginApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn login_app(store: Option<Arc<dyn SessionStore>>) -> LoginApp {
    let fake = FakeFeide::start().await.unwrap();
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET)
            .redirect_uri(format!("{base}/callback"))
            .post_logout_redirect_uri(format!("{base}/")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .extended_userinfo_url(fake.extended_userinfo_url())
        .groups_url(fake.groups_url())
        .build()
        .await
        .unwrap();
    let mut builder = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid");
    if let Some(store) = store {
        builder = builder.session_store(store);
    }
    let login = builder.build().unwrap();
    let staff = SessionGuard::builder(&login, Rule::affiliation(["employee"]))
        .build()
        .unwrap();
    let router = Router::new()
        .route(
            "/",
            get(|s: Option<FeideSession>| async move { format!("signed in: {}", s.is_some()) }),
        )
        .route(
            "/staff",
            get(|| async { "staff" }).route_layer(staff.layer()),
        )
        .layer(login.layer());
    serve_axum(listener, router);
    LoginApp { fake, base, login }
}

/// `/login` up to the provider's redirect back to the callback (auto-approve); that URL.
async fn approved_callback(browser: &Browser, app: &LoginApp) -> String {
    let to_provider = browser.get(&app.url("/login")).await;
    assert!(
        to_provider.status().is_redirection(),
        "/login redirects to the provider"
    );
    let back = browser.get(&location(&to_provider)).await;
    assert!(back.status().is_redirection(), "FakeFeide approves");
    location(&back)
}

async fn sign_in(browser: &Browser, app: &LoginApp) {
    let callback = approved_callback(browser, app).await;
    let (_, page) = browser.follow(browser.get(&callback).await).await;
    assert_eq!(page.text().await.unwrap(), "signed in: true");
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_are_counted_by_result_and_reason() {
    let _turn = serial().await;
    let app = login_app(None).await;
    let browser = Browser::new();
    let token_calls =
        samples("feide_tower_provider_request_duration_seconds{endpoint=token,result=success}");

    counts(
        &[("feide_tower_logins_total{reason=none,result=success}", 1.0)],
        sign_in(&browser, &app),
    )
    .await;
    assert_eq!(
        samples("feide_tower_provider_request_duration_seconds{endpoint=token,result=success}"),
        token_calls + 1.0,
        "the code redemption is timed"
    );

    // A callback nobody started (no flow cookie for its state).
    counts(
        &[(
            "feide_tower_logins_total{reason=unknown_or_replayed_state,result=failed}",
            1.0,
        )],
        async {
            let page = Browser::new()
                .get(&app.url("/callback?state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&code=x"))
                .await;
            assert_eq!(page.status(), 400);
        },
    )
    .await;
    // No state at all is the same refusal, counted the same.
    counts(
        &[(
            "feide_tower_logins_total{reason=unknown_or_replayed_state,result=failed}",
            1.0,
        )],
        async {
            let page = Browser::new().get(&app.url("/callback?code=x")).await;
            assert_eq!(page.status(), 400);
        },
    )
    .await;

    // The user declines at the provider: cancelled, not failed.
    let declining = Browser::new();
    let callback = approved_callback(&declining, &app).await;
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    counts(
        &[(
            "feide_tower_logins_total{reason=access_denied,result=cancelled}",
            1.0,
        )],
        async {
            let page = declining
                .get(&app.url(&format!("/callback?state={state}&error=access_denied")))
                .await;
            assert_eq!(page.status(), 403);
        },
    )
    .await;

    // The token endpoint failing is a failed login with its reason.
    let unlucky = Browser::new();
    let callback = approved_callback(&unlucky, &app).await;
    app.fake.fail(Endpoint::Token, Failure::Status(500));
    counts(
        &[(
            "feide_tower_logins_total{reason=token_endpoint_unavailable,result=failed}",
            1.0,
        )],
        async {
            let page = unlucky.get(&callback).await;
            assert_eq!(page.status(), 502);
        },
    )
    .await;
    app.fake.clear_failure(Endpoint::Token);
    assert!(
        samples("feide_tower_provider_request_duration_seconds{endpoint=token,result=failure}")
            >= 1.0
    );

    // Logging out ends a session: one revocation; logging out without one is not.
    counts(
        &[("feide_tower_session_revocations_total{cause=logout}", 1.0)],
        async {
            let out = browser
                .client
                .post(app.url("/logout"))
                .header("origin", &app.base)
                .send()
                .await
                .unwrap();
            assert_eq!(out.status(), 303);
        },
    )
    .await;
    counts(&[], async {
        let out = Browser::new()
            .client
            .post(app.url("/logout"))
            .header("origin", &app.base)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revocations_are_counted_by_cause_and_the_memory_store_gauge_follows() {
    let _turn = serial().await;
    let store = Arc::new(MemoryStore::new(100));
    let app = login_app(Some(store.clone())).await;
    let sessions = gauge("feide_tower_memory_store_sessions{}");

    let alice = Browser::new();
    sign_in(&alice, &app).await;
    assert_eq!(gauge("feide_tower_memory_store_sessions{}"), sessions + 1.0);

    // The application revokes every session of the user: admin.
    let sub = app.fake.users()[0].sub.clone();
    counts(
        &[("feide_tower_session_revocations_total{cause=admin}", 1.0)],
        async {
            assert_eq!(app.login.revoke_all_sessions(&sub).await.unwrap(), 1);
        },
    )
    .await;
    assert_eq!(gauge("feide_tower_memory_store_sessions{}"), sessions);

    // The provider logs the user out over the back channel.
    sign_in(&alice, &app).await;
    let token = app.fake.logout_token(CLIENT_ID).sign();
    counts(
        &[(
            "feide_tower_session_revocations_total{cause=backchannel}",
            1.0,
        )],
        async {
            let answer = reqwest::Client::new()
                .post(app.url("/backchannel-logout"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("logout_token={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
        },
    )
    .await;
    // A refused logout token revokes nothing and counts nothing.
    counts(&[], async {
        let answer = reqwest::Client::new()
            .post(app.url("/backchannel-logout"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("logout_token={token}")) // replayed
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
    })
    .await;

    // And over the front channel.
    sign_in(&alice, &app).await;
    let sid = app.fake.logout_token(CLIENT_ID).unsigned_parts().1["sid"]
        .as_str()
        .expect("the fake's session has a sid")
        .to_owned();
    counts(
        &[(
            "feide_tower_session_revocations_total{cause=frontchannel}",
            1.0,
        )],
        async {
            let page = reqwest::get(app.url(&format!(
                "/frontchannel-logout?iss={}&sid={sid}",
                url::form_urlencoded::byte_serialize(app.fake.issuer().as_bytes())
                    .collect::<String>()
            )))
            .await
            .unwrap();
            assert_eq!(page.status(), 200);
        },
    )
    .await;
}

/// A store that cannot take the new session: the user gets 503, and it is a failed login (it
/// used to be answered from inside the success path, and counted as a success).
#[tokio::test(flavor = "multi_thread")]
async fn a_login_the_store_cannot_keep_is_counted_as_failed() {
    let _turn = serial().await;
    let mut server = RedisServer::start();
    let store = Arc::new(
        RedisStore::builder(server.url())
            .build()
            .expect("a RedisStore"),
    );
    let app = login_app(Some(store)).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app).await;
    server.stop();
    counts(
        &[(
            "feide_tower_logins_total{reason=store_unavailable,result=failed}",
            1.0,
        )],
        async {
            let page = browser.get(&callback).await;
            assert_eq!(page.status(), 503);
            assert!(page.headers().contains_key("retry-after"));
        },
    )
    .await;
}

/// The Feide authorization guard: each decision counted once, by result.
#[tokio::test(flavor = "multi_thread")]
async fn authorization_decisions_are_counted_by_result() {
    let _turn = serial().await;
    let app = login_app(None).await;
    let staff = |b: &Browser| {
        let url = app.url("/staff");
        let client = b.client.clone();
        async move {
            client
                .get(url)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    counts(
        &[(
            "feide_tower_authorization_decisions_total{result=login_required}",
            1.0,
        )],
        async { assert_eq!(staff(&Browser::new()).await, 401) },
    )
    .await;
    let bob = Browser::new();
    app.fake.set_next_user(Some("bob"));
    sign_in(&bob, &app).await;
    counts(
        &[(
            "feide_tower_authorization_decisions_total{result=allowed}",
            2.0,
        )],
        async {
            assert_eq!(staff(&bob).await, 200);
            assert_eq!(staff(&bob).await, 200);
        },
    )
    .await;
    let alice = Browser::new();
    app.fake.set_next_user(Some("alice"));
    sign_in(&alice, &app).await;
    app.fake.fail(Endpoint::Groups, Failure::Status(500));
    counts(
        &[(
            "feide_tower_authorization_decisions_total{result=unavailable}",
            1.0,
        )],
        async { assert_eq!(staff(&alice).await, 503) },
    )
    .await;
    app.fake.clear_failure(Endpoint::Groups);
    counts(
        &[(
            "feide_tower_authorization_decisions_total{result=forbidden}",
            1.0,
        )],
        async { assert_eq!(staff(&alice).await, 403) },
    )
    .await;
}

// ------------------------------------------------------------------------------------------
// Bearer decisions and key rotation

async fn bearer_app(fake: &FakeFeide) -> String {
    let provider = Provider::builder(fake.issuer())
        .jwks_cooldown(Duration::ZERO)
        .build()
        .await
        .unwrap();
    let layer = BearerJwtLayer::builder(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .require_scopes("readUser")
        .build()
        .unwrap();
    let (listener, base) = bind().await;
    serve_axum(
        listener,
        Router::new()
            .route(
                "/me",
                get(|p: Principal| async move { p.subject().unwrap_or_default().to_owned() }),
            )
            .layer(layer),
    );
    format!("{base}/me")
}

async fn call(url: &str, token: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_decisions_and_key_rotations_are_counted() {
    let _turn = serial().await;
    let fake = FakeFeide::start().await.unwrap();
    let url = bearer_app(&fake).await;
    let token = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
    let verified = gauge("feide_tower_cache_entries{cache=verified_tokens}");

    counts(
        &[(
            "feide_tower_bearer_requests_total{cache=miss,result=allowed}",
            1.0,
        )],
        async { assert_eq!(call(&url, Some(&token)).await, 200) },
    )
    .await;
    assert_eq!(
        gauge("feide_tower_cache_entries{cache=verified_tokens}"),
        verified + 1.0,
        "the verified token is cached"
    );
    counts(
        &[(
            "feide_tower_bearer_requests_total{cache=hit,result=allowed}",
            1.0,
        )],
        async { assert_eq!(call(&url, Some(&token)).await, 200) },
    )
    .await;
    counts(
        &[(
            "feide_tower_bearer_requests_total{cache=none,result=unauthorized}",
            1.0,
        )],
        async { assert_eq!(call(&url, None).await, 401) },
    )
    .await;
    let tampered = format!("{}x", &token[..token.len() - 1]);
    counts(
        &[(
            "feide_tower_bearer_requests_total{cache=miss,result=unauthorized}",
            1.0,
        )],
        async { assert_eq!(call(&url, Some(&tampered)).await, 401) },
    )
    .await;
    let no_scope = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "openid");
    counts(
        &[(
            "feide_tower_bearer_requests_total{cache=miss,result=forbidden}",
            1.0,
        )],
        async { assert_eq!(call(&url, Some(&no_scope)).await, 403) },
    )
    .await;

    // The provider rotates its keys: the new kid is fetched once, then accepted.
    fake.rotate_keys();
    let rotated = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
    counts(
        &[
            ("feide_tower_jwks_fetches_total{result=success}", 1.0),
            (
                "feide_tower_bearer_requests_total{cache=miss,result=allowed}",
                1.0,
            ),
        ],
        async { assert_eq!(call(&url, Some(&rotated)).await, 200) },
    )
    .await;

    // The keys cannot be fetched: a token with an unknown kid is answered 503.
    fake.fail(Endpoint::Jwks, Failure::Status(500));
    fake.rotate_keys();
    let unverifiable = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
    counts(
        &[
            ("feide_tower_jwks_fetches_total{result=failure}", 1.0),
            (
                "feide_tower_bearer_requests_total{cache=miss,result=unavailable}",
                1.0,
            ),
        ],
        async { assert_eq!(call(&url, Some(&unverifiable)).await, 503) },
    )
    .await;
    assert!(
        samples("feide_tower_provider_request_duration_seconds{endpoint=jwks,result=failure}")
            >= 1.0
    );
}

// ------------------------------------------------------------------------------------------
// Token exchange and client credentials

#[tokio::test(flavor = "multi_thread")]
async fn exchanges_are_counted_miss_then_cached() {
    let _turn = serial().await;
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer())
        .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let exchange = TokenExchange::data_source(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    let caller =
        Secret::new(fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser"));
    let cached = gauge("feide_tower_cache_entries{cache=exchanged_tokens}");

    counts(
        &[(
            "feide_tower_token_exchanges_total{grant=token_exchange,result=success}",
            1.0,
        )],
        async { exchange.exchange(&caller).await.unwrap() },
    )
    .await;
    assert_eq!(
        gauge("feide_tower_cache_entries{cache=exchanged_tokens}"),
        cached + 1.0
    );
    counts(
        &[(
            "feide_tower_token_exchanges_total{grant=token_exchange,result=cached}",
            1.0,
        )],
        async { exchange.exchange(&caller).await.unwrap() },
    )
    .await;
    fake.fail(Endpoint::Token, Failure::Status(500));
    let other = Secret::new(fake.access_token_for("bob", DEFAULT_DATASOURCE_AUDIENCE, "readUser"));
    counts(
        &[(
            "feide_tower_token_exchanges_total{grant=token_exchange,result=failure}",
            1.0,
        )],
        async { exchange.exchange(&other).await.unwrap_err() },
    )
    .await;
    fake.clear_failure(Endpoint::Token);

    let source = ClientCredentialsSource::builder(&provider).build().unwrap();
    counts(
        &[(
            "feide_tower_token_exchanges_total{grant=client_credentials,result=success}",
            1.0,
        )],
        async { source.token().await.unwrap() },
    )
    .await;
    counts(
        &[(
            "feide_tower_token_exchanges_total{grant=client_credentials,result=cached}",
            1.0,
        )],
        async { source.token().await.unwrap() },
    )
    .await;
}

// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn every_counter_of_the_contract_is_registered_at_zero() {
    let _turn = serial().await;
    let registered = counters();
    for series in [
        "feide_tower_logins_total{reason=none,result=success}",
        "feide_tower_bearer_requests_total{cache=hit,result=allowed}",
        "feide_tower_bearer_requests_total{cache=none,result=unavailable}",
        "feide_tower_jwks_fetches_total{result=failure}",
        "feide_tower_token_exchanges_total{grant=client_credentials,result=cached}",
        "feide_tower_session_revocations_total{cause=admin}",
        "feide_tower_authorization_decisions_total{result=unavailable}",
    ] {
        assert!(
            registered.contains_key(series),
            "{series} in {registered:#?}"
        );
    }
    let gauges = read(MetricKind::Gauge);
    for series in [
        "feide_tower_cache_entries{cache=verified_tokens}",
        "feide_tower_cache_entries{cache=opened_sessions}",
        "feide_tower_cache_entries{cache=exchanged_tokens}",
        "feide_tower_memory_store_sessions{}",
    ] {
        assert!(gauges.contains_key(series), "{series} in {gauges:#?}");
    }
}
