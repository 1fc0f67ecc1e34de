//! The axum examples serve the probes: `/healthz` and `/readyz` without a cookie or token, and
//! readiness follows the provider's keys (cold at start: 503).

use std::collections::HashMap;

use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure, FakeFeide};
use integration_tests::bind;
use serde_json::{Value, json};

async fn get(url: String) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn axum_login_serves_the_probes_in_its_demo() {
    let (listener, base) = bind().await;
    let started = axum_login::configure(|_| None, listener.local_addr().unwrap())
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, started.app).await });
    assert_eq!(
        get(format!("{base}/healthz")).await,
        (200, json!({"live": true}))
    );
    let (status, report) = get(format!("{base}/readyz")).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ready"], true);
    assert_eq!(report["checks"][0]["name"], "keys");
}

#[tokio::test(flavor = "multi_thread")]
async fn axum_datasource_is_unready_while_the_keys_are_cold() {
    let fake = FakeFeide::start().await.unwrap();
    fake.fail(Endpoint::Jwks, Failure::Status(500));
    let env: HashMap<&str, String> = HashMap::from([
        ("FEIDE_ISSUER", fake.issuer()),
        (
            "DATASOURCE_AUDIENCE",
            DEFAULT_DATASOURCE_AUDIENCE.to_owned(),
        ),
        ("DATASOURCE_REQUIRED_SCOPE", "readUser".to_owned()),
    ]);
    let (listener, base) = bind().await;
    let started = axum_datasource::configure(
        move |name| env.get(name).cloned(),
        listener.local_addr().unwrap(),
    )
    .await
    .unwrap();
    tokio::spawn(async move { axum::serve(listener, started.app).await });

    assert_eq!(get(format!("{base}/healthz")).await.0, 200);
    let (status, report) = get(format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{report}");
    assert_eq!(report["checks"][0]["problem"], "cold");
    // Protected routes still refuse (no keys: 503 for a token, 401 without one).
    let me = reqwest::get(format!("{base}/me")).await.unwrap();
    assert_eq!(me.status(), 401);

    // Recovery (the next probe after the provider's `jwks_cooldown` loads the keys) is
    // covered with a short cooldown in `health`; the example keeps the 30 s default.
}
