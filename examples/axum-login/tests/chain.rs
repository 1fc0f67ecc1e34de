//! The reference scenario end to end, as `cargo run -p axum-login` runs it with no configuration:
//! sign in at the fake Feide, `/datasource` exchanges the session's token and calls the data-source
//! example, which validates it, exchanges it again and asks Feide's APIs about the user.

use std::sync::Arc;

use feide_tower::testkit::{Endpoint, Failure, FakeFeide};
use serde_json::Value;

struct Demo {
    base: String,
    fake: FakeFeide,
    browser: reqwest::Client,
}

async fn demo_signed_in() -> Demo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let started = axum_login::configure(|_| None, addr).await.unwrap();
    let fake = started.fake.clone().expect("demo mode starts the fake");
    fake.set_interactive(false); // a test cannot click; auto-approve as alice
    tokio::spawn(async move { axum::serve(listener, started.app).await });
    let browser = reqwest::Client::builder()
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .build()
        .unwrap();
    let base = started.public_url.clone();
    let page = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Signed in as"), "{page}");
    Demo {
        base,
        fake,
        browser,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_then_datasource_returns_extended_userinfo_and_groups() {
    let demo = demo_signed_in().await;
    let alice = &demo.fake.users()[0];

    let reply = demo
        .browser
        .get(format!("{}/datasource", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["subject"], alice.sub.as_str());
    assert_eq!(
        body["extended_userinfo"]["eduPersonPrincipalName"][0],
        alice.eppn.as_str()
    );
    assert!(
        body["groupinfo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == "fc:org:test.feide.no")
    );

    // Both exchanges happened once (web app: access token -> JWT; data source: JWT -> API token)
    // and the second call is served from both caches.
    let exchanges = |fake: &FakeFeide| {
        fake.token_requests()
            .iter()
            .filter(|r| {
                r.field("grant_type") == Some("urn:ietf:params:oauth:grant-type:token-exchange")
            })
            .count()
    };
    assert_eq!(exchanges(&demo.fake), 2);
    let again = demo
        .browser
        .get(format!("{}/datasource", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(exchanges(&demo.fake), 2, "cached on both sides");

    // /exchange shows metadata and claims, never the token.
    let meta: Value = demo
        .browser
        .get(format!("{}/exchange", demo.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["audience"],
        feide_tower::testkit::DEFAULT_DATASOURCE_AUDIENCE
    );
    assert_eq!(meta["claims"]["sub"], alice.sub.as_str());
    assert_eq!(meta["claims"]["scope"], "readUser");
    assert!(
        !meta.to_string().contains("eyJ"),
        "no JWT in the page: {meta}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_exchange_is_a_502_without_secrets() {
    let demo = demo_signed_in().await;
    demo.fake.fail(
        Endpoint::Token,
        Failure::Body {
            status: 400,
            content_type: "application/json".into(),
            body: r#"{"error":"invalid_grant","error_description":"subject token expired"}"#.into(),
        },
    );
    let reply = demo
        .browser
        .get(format!("{}/datasource", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 502);
    let body = reply.text().await.unwrap();
    assert!(body.contains("invalid_grant"), "{body}");
    assert!(
        !body.contains("expired") && !body.contains("secret"),
        "the provider's description is dropped: {body}"
    );

    demo.fake.clear_failure(Endpoint::Token);
    let recovered = demo
        .browser
        .get(format!("{}/datasource", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(recovered.status(), 200, "errors are not cached");
}

/// `/mfa` (issue 17): a plain session is stepped up to Feide's MFA level through the provider
/// and lands back on `/mfa`; the page shows the level the ID token carries.
#[tokio::test(flavor = "multi_thread")]
async fn a_plain_session_steps_up_to_mfa_and_comes_back() {
    let demo = demo_signed_in().await;
    let home = demo
        .browser
        .get(format!("{}/", demo.base))
        .send()
        .await
        .unwrap();
    assert!(home.text().await.unwrap().contains("Signed in as"));
    // An API caller gets the RFC 9470 challenge.
    let api = demo
        .browser
        .get(format!("{}/mfa", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let challenge = api.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("insufficient_user_authentication"),
        "{challenge}"
    );
    // A browser is sent through the provider and comes back.
    let page = demo
        .browser
        .get(format!("{}/mfa", demo.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.url().path(), "/mfa", "back on the page that asked");
    let body = page.text().await.unwrap();
    assert!(
        body.contains(feide_tower::login::FEIDE_MFA_ACR),
        "stepped up to MFA: {body}"
    );
    let requests = demo.fake.authorization_requests();
    let last = requests.last().expect("the step-up went to the provider");
    assert_eq!(
        last.get("acr_values"),
        Some(feide_tower::login::FEIDE_MFA_ACR)
    );
}
