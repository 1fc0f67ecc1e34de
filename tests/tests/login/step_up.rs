//! Step-up per route: `require_acr` and `require_recent_login` send a browser whose session is
//! weaker through login again and back to the same page; an API caller gets RFC 9470's
//! challenge; an ID token that does not show what was asked is refused.

use std::time::Duration;

use axum::routing::get;
use feide_tower::login::FEIDE_MFA_ACR;
use integration_tests::now;
use serde_json::{Value, json};

use crate::controls::{describe, page, start_app};
use crate::harness::{Browser, TestApp, location};

const LOA2: &str = "urn:example:loa2";
const LOA3: &str = "urn:example:loa3";

async fn app() -> TestApp {
    start_app(
        |b| b,
        |router, login| {
            router
                .route(
                    "/mfa",
                    get(describe).route_layer(login.require_acr([FEIDE_MFA_ACR]).unwrap()),
                )
                .route(
                    "/levels",
                    get(describe).route_layer(login.require_acr([LOA2, LOA3]).unwrap()),
                )
                .route(
                    "/recent",
                    get(describe).route_layer(
                        login
                            .require_recent_login(Duration::from_secs(300))
                            .unwrap(),
                    ),
                )
        },
    )
    .await
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A plain login (no `acr`), FakeFeide's sign-in `ago` old.
async fn plain_session(app: &TestApp, ago: Duration) -> Browser {
    app.fake.set_signed_in(Some("alice"), ago);
    let browser = Browser::new();
    browser.visit(&app.url("/login")).await;
    let me = page(&browser, app).await;
    assert_ne!(me["sub"], Value::Null);
    assert_eq!(me["acr"], Value::Null);
    browser
}

async fn api_get(browser: &Browser, url: &str) -> reqwest::Response {
    browser
        .client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_session_steps_up_to_mfa_and_lands_back_on_the_same_page() {
    let app = app().await;
    let browser = plain_session(&app, Duration::from_secs(10)).await;
    let first = browser.get(&app.url("/mfa?tab=keys")).await;
    assert_eq!(first.status(), 302);
    let authorize = location(&first);
    assert!(authorize.starts_with(&app.fake.url("/oauth/authorization?")));
    assert_eq!(
        param(&authorize, "acr_values").as_deref(),
        Some(FEIDE_MFA_ACR)
    );
    assert_eq!(
        param(&authorize, "prompt"),
        None,
        "the level, not the age, is short"
    );
    let (visited, last) = browser.follow(first).await;
    assert_eq!(
        visited.last().unwrap(),
        &app.url("/mfa?tab=keys"),
        "{visited:?}"
    );
    assert_eq!(last.status(), 200);
    let me: Value = last.json().await.unwrap();
    assert_eq!(me["acr"], FEIDE_MFA_ACR);
    // The new session replaced the old one.
    assert_eq!(page(&browser, &app).await["acr"], FEIDE_MFA_ACR);
    let again = browser.get(&app.url("/mfa")).await;
    assert_eq!(again.status(), 200, "no second step-up");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_higher_level_of_the_list_satisfies_it() {
    let app = app().await;
    let browser = plain_session(&app, Duration::from_secs(10)).await;
    let first = browser.get(&app.url("/levels")).await;
    assert_eq!(
        param(&location(&first), "acr_values").as_deref(),
        Some("urn:example:loa2 urn:example:loa3")
    );
    app.fake.set_id_token_claims(Some(json!({"acr": LOA3})));
    let (_, last) = browser.follow(first).await;
    assert_eq!(last.status(), 200);
    assert_eq!(last.json::<Value>().await.unwrap()["acr"], LOA3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_with_a_weaker_acr_than_asked_is_refused() {
    let app = app().await;
    let browser = plain_session(&app, Duration::from_secs(10)).await;
    app.fake
        .set_id_token_claims(Some(json!({"acr": "urn:mace:feide.no:auth:level:fad08:2"})));
    let (_, last) = browser.visit(&app.url("/mfa")).await;
    assert_eq!(last.status(), 403);
    assert!(
        last.text()
            .await
            .unwrap()
            .contains("Multi-factor authentication required")
    );
    assert_eq!(
        page(&browser, &app).await["acr"],
        Value::Null,
        "still the plain session"
    );
    // No acr at all is refused too.
    app.fake.set_id_token_claims(Some(json!({"acr": null})));
    let (_, last) = browser.visit(&app.url("/mfa")).await;
    assert_eq!(last.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_caller_gets_the_rfc_9470_challenge() {
    let app = app().await;
    let browser = plain_session(&app, Duration::from_secs(3600)).await;
    let r = api_get(&browser, &app.url("/mfa")).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_user_authentication\""),
        "{challenge}"
    );
    assert!(
        challenge.contains(&format!("acr_values=\"{FEIDE_MFA_ACR}\"")),
        "{challenge}"
    );
    assert!(!challenge.contains("max_age"), "{challenge}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_user_authentication");

    let r = api_get(&browser, &app.url("/recent")).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("max_age=\"300\""), "{challenge}");
    assert!(!challenge.contains("acr_values"), "{challenge}");

    // Without a session: the usual login_required.
    let r = api_get(&Browser::new(), &app.url("/mfa")).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("www-authenticate").is_none());
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "login_required");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_session_authenticates_again_and_comes_back() {
    let app = app().await;
    let browser = plain_session(&app, Duration::from_secs(7200)).await;
    let old = page(&browser, &app).await["auth_time"].as_i64().unwrap();
    assert!(now() - old >= 7190);
    let first = browser.get(&app.url("/recent")).await;
    let authorize = location(&first);
    assert_eq!(param(&authorize, "max_age").as_deref(), Some("300"));
    assert_eq!(param(&authorize, "prompt").as_deref(), Some("login"));
    let (visited, last) = browser.follow(first).await;
    assert_eq!(visited.last().unwrap(), &app.url("/recent"));
    let fresh = last.json::<Value>().await.unwrap()["auth_time"]
        .as_i64()
        .unwrap();
    assert!(now() - fresh < 60, "{fresh}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_without_a_session_goes_straight_to_the_step_up_login() {
    let app = app().await;
    let browser = Browser::new();
    let first = browser.get(&app.url("/mfa")).await;
    assert_eq!(first.status(), 302);
    assert_eq!(
        param(&location(&first), "acr_values").as_deref(),
        Some(FEIDE_MFA_ACR)
    );
    let (_, last) = browser.follow(first).await;
    assert_eq!(last.json::<Value>().await.unwrap()["acr"], FEIDE_MFA_ACR);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_levels_are_refused_at_start_up() {
    let app = start_app(
        |b| b,
        |router, login| {
            for bad in [vec![], vec!["a b"], vec!["a\"b"], vec!["x"; 9]] {
                assert!(login.require_acr(bad).is_err());
            }
            assert!(
                login
                    .require_recent_login(Duration::from_secs(400 * 86400))
                    .is_err()
            );
            router
        },
    )
    .await;
    drop(app);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_session_store_the_stepped_up_session_replaces_the_old_one() {
    let app = start_app(
        |b| {
            b.session_store(std::sync::Arc::new(
                feide_tower::store::MemoryStore::default(),
            ))
        },
        |router, login| {
            router.route(
                "/mfa",
                get(describe).route_layer(login.require_acr([FEIDE_MFA_ACR]).unwrap()),
            )
        },
    )
    .await;
    let browser = Browser::new();
    let login = browser.get(&app.url("/login")).await;
    let approved = browser.get(&location(&login)).await;
    let callback = browser.get(&location(&approved)).await;
    let old = crate::harness::set_cookies(&callback)
        .into_iter()
        .find(|c| c.starts_with("feide_session="))
        .unwrap();
    let old = old.split(';').next().unwrap().to_owned();
    let with_old = || async {
        Browser::new()
            .get_with(&app.url("/page"), &[("cookie", old.as_str())])
            .await
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_ne!(
        with_old().await["sub"],
        Value::Null,
        "the old cookie works before"
    );
    let (_, last) = browser.visit(&app.url("/mfa")).await;
    assert_eq!(last.json::<Value>().await.unwrap()["acr"], FEIDE_MFA_ACR);
    assert_eq!(
        with_old().await["sub"],
        Value::Null,
        "and not after the step-up"
    );
}

/// With pushed authorization requests required by the provider, a step-up login is pushed too
/// (the browser carries only `client_id` and `request_uri`) and still lands back upgraded.
#[tokio::test(flavor = "multi_thread")]
async fn a_step_up_is_pushed_when_the_provider_requires_par() {
    use feide_tower::Provider;
    use feide_tower::login::FeideLogin;
    use feide_tower::testkit::{FakeClient, FakeFeide};
    use integration_tests::{bind, serve_axum};

    use crate::harness::{CLIENT_ID, CLIENT_SECRET, KEY};

    let fake = FakeFeide::start().await.unwrap();
    fake.require_par(true);
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile")
        .build()
        .unwrap();
    let router = axum::Router::new()
        .route("/page", get(describe))
        .route(
            "/mfa",
            get(describe).route_layer(login.require_acr([FEIDE_MFA_ACR]).unwrap()),
        )
        .layer(login.layer());
    serve_axum(listener, router);
    let app = TestApp { fake, base };
    let browser = plain_session(&app, Duration::from_secs(10)).await;
    let pushed_before = app.fake.pushed_requests();
    let first = browser.get(&app.url("/mfa")).await;
    assert_eq!(first.status(), 302);
    let authorize = location(&first);
    assert!(param(&authorize, "request_uri").is_some(), "{authorize}");
    assert_eq!(
        param(&authorize, "acr_values"),
        None,
        "not in the browser's URL"
    );
    assert_eq!(app.fake.pushed_requests(), pushed_before + 1);
    let (visited, last) = browser.follow(first).await;
    assert_eq!(visited.last().unwrap(), &app.url("/mfa"), "{visited:?}");
    assert_eq!(last.status(), 200);
    assert_eq!(last.json::<Value>().await.unwrap()["acr"], FEIDE_MFA_ACR);
}

/// Tracing: one `feide.step_up` span per decision, with what fell short as `reason`.
#[tokio::test(flavor = "multi_thread")]
async fn step_up_decisions_have_one_span_with_outcome_and_reason() {
    let app = app().await;
    let browser = plain_session(&app, Duration::from_secs(10)).await;
    assert_eq!(browser.get(&app.url("/mfa")).await.status(), 302);
    assert_eq!(api_get(&browser, &app.url("/mfa")).await.status(), 401);
    assert_eq!(api_get(&browser, &app.url("/recent")).await.status(), 200);

    let text = crate::harness::logs();
    use integration_tests::logs::assert_span;
    assert_span(&text, "feide.step_up", &["outcome=step_up", "reason=acr"]);
    assert_span(
        &text,
        "feide.step_up",
        &["outcome=challenged", "reason=acr"],
    );
    assert_span(&text, "feide.step_up", &["outcome=allowed"]);
}
