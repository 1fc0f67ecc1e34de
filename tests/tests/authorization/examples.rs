//! The examples' `/staff`: only employees (bob) are let in; alice, a student, gets 403.

use std::time::Duration;

use feide_tower::testkit::DEFAULT_DATASOURCE_AUDIENCE;
use integration_tests::{bind, serve_axum};

use super::harness::Browser;

#[tokio::test]
async fn axum_login_staff_admits_employees_only() {
    let (listener, _) = bind().await;
    let addr = listener.local_addr().unwrap();
    let started = axum_login::configure(|_| None, addr).await.unwrap();
    let base = started.public_url.clone();
    let fake = started.fake.clone().expect("demo mode");
    fake.set_interactive(false);
    serve_axum(listener, started.app);

    let browser = Browser::new();
    fake.set_next_user(Some("bob"));
    let (_, signed_in) = browser.visit(&format!("{base}/login")).await;
    assert_eq!(signed_in.status(), 200);
    let staff = browser.get(&format!("{base}/staff")).await;
    assert_eq!(staff.status(), 200);

    let browser = Browser::new();
    fake.set_next_user(Some("alice"));
    let (_, signed_in) = browser.visit(&format!("{base}/login")).await;
    assert_eq!(signed_in.status(), 200);
    let staff = browser.get(&format!("{base}/staff")).await;
    assert_eq!(staff.status(), 403);
    assert!(staff.text().await.unwrap().contains("Access denied"));
    drop(started.fake);
}

#[tokio::test]
async fn axum_datasource_staff_admits_employees_only() {
    let (listener, base) = bind().await;
    let addr = listener.local_addr().unwrap();
    let started = axum_datasource::configure(|_| None, addr).await.unwrap();
    let fake = started.fake.clone().expect("demo mode");
    serve_axum(listener, started.app);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let get = |user: &str| {
        let token = fake.access_token_for(
            user,
            DEFAULT_DATASOURCE_AUDIENCE,
            axum_datasource::DEMO_SCOPE,
        );
        client
            .get(format!("{base}/staff"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(get("bob").await.unwrap().status(), 200);
    let refused = get("alice").await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
}
