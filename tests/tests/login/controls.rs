//! Login request controls over real HTTP: `prompt`, `max_age`, `ui_locales` from `/login`'s
//! query and as builder defaults; the `auth_time` check `max_age` asks for; silent login
//! (`prompt=none`) with and without a sign-in at FakeFeide.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::login::{FeideLogin, FeideLoginBuilder, SilentLoginFailed};
use feide_tower::session::FeideSession;
use feide_tower::testkit::{FakeClient, FakeFeide};
use integration_tests::{bind, now, serve_axum};
use serde_json::{Value, json};

use crate::harness::{
    Browser, CLIENT_ID, CLIENT_SECRET, KEY, TestApp, capture_logs, location, set_cookies,
};

/// FakeFeide and an axum app behind the login layer (configured by `configure`); `/page`
/// describes the request: session, its `auth_time` and `acr`, and a [`SilentLoginFailed`].
pub async fn start_app(
    configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder,
    routes: impl FnOnce(Router, &FeideLogin) -> Router,
) -> TestApp {
    capture_logs();
    let fake = FakeFeide::start().await.unwrap();
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let builder = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile");
    let login = configure(builder).build().unwrap();
    let router = Router::new().route("/page", get(describe));
    serve_axum(listener, routes(router, &login).layer(login.layer()));
    TestApp { fake, base }
}

pub async fn describe(
    session: Option<FeideSession>,
    silent: Option<SilentLoginFailed>,
) -> axum::Json<Value> {
    axum::Json(json!({
        "sub": session.as_ref().map(|s| s.sub().to_owned()),
        "auth_time": session.as_ref().map(|s| s.auth_time()),
        "acr": session.as_ref().and_then(|s| s.acr().map(str::to_owned)),
        "silent": silent.as_ref().map(|f| f.error().as_str()),
        "silent_login": silent.as_ref().map(|f| f.login().to_owned()),
    }))
}

pub async fn page(browser: &Browser, app: &TestApp) -> Value {
    browser.get(&app.url("/page")).await.json().await.unwrap()
}

async fn plain(configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder) -> TestApp {
    start_app(configure, |r, _| r).await
}

fn has_session_cookie(response: &reqwest::Response) -> bool {
    set_cookies(response)
        .iter()
        .any(|c| c.starts_with("feide_session=") && !c.contains("Max-Age=0"))
}

/// `/login?{query}`: the redirect to FakeFeide (not followed).
async fn authorize_url(browser: &Browser, app: &TestApp, query: &str) -> url::Url {
    let r = browser.get(&app.url(&format!("/login?{query}"))).await;
    assert_eq!(r.status(), 302, "{query}");
    url::Url::parse(&location(&r)).unwrap()
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn each_control_passes_through_to_the_provider() {
    let app = plain(|b| b).await;
    let browser = Browser::new();
    let (visited, last) =
        browser
            .visit(&app.url(
                "/login?prompt=login+consent&max_age=300&ui_locales=nb-NO%20en&return_to=%2Fpage",
            ))
            .await;
    assert_eq!(last.status(), 200, "{visited:?}");
    let sent = app.fake.authorization_requests().pop().unwrap();
    assert_eq!(sent.get("prompt"), Some("login consent"));
    assert_eq!(sent.get("max_age"), Some("300"));
    assert_eq!(sent.get("ui_locales"), Some("nb-NO en"));
    // FakeFeide authenticated now, so the auth_time check passed.
    let me: Value = last.json().await.unwrap();
    assert_eq!(me["sub"], app.fake.users()[0].sub);
    // Without controls, none is sent.
    let url = authorize_url(&browser, &app, "").await;
    browser.get(url.as_str()).await;
    let sent = app.fake.authorization_requests().pop().unwrap();
    for name in ["prompt", "max_age", "ui_locales"] {
        assert_eq!(sent.get(name), None, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn values_outside_the_allow_list_are_refused_with_a_page() {
    let app = plain(|b| b).await;
    let browser = Browser::new();
    for (query, name) in [
        ("prompt=none+login", "prompt"),
        ("prompt=create", "prompt"),
        ("prompt=login+login", "prompt"),
        ("prompt=", "prompt"),
        ("prompt=login&prompt=none", "prompt"),
        ("max_age=-1", "max_age"),
        ("max_age=1.5", "max_age"),
        ("max_age=99999999999", "max_age"),
        ("max_age=", "max_age"),
        ("ui_locales=%3Cscript%3E", "ui_locales"),
        ("ui_locales=nb%0d%0aX-Evil:1", "ui_locales"),
        ("ui_locales=nb_NO", "ui_locales"),
    ] {
        let r = browser.get(&app.url(&format!("/login?{query}"))).await;
        assert_eq!(r.status(), 400, "{query}");
        assert!(set_cookies(&r).is_empty(), "no flow is started for {query}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&format!("unusable {name} parameter")),
            "{query}: {body}"
        );
        assert!(!body.contains("script>"), "{body}");
    }
    assert!(app.fake.authorization_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn builder_defaults_are_sent_and_a_request_may_only_tighten_max_age() {
    let app = plain(|b| {
        b.prompt("select_account")
            .max_age(Duration::from_secs(600))
            .ui_locales("nn nb")
    })
    .await;
    let browser = Browser::new();
    let url = authorize_url(&browser, &app, "").await;
    assert_eq!(param(&url, "prompt").as_deref(), Some("select_account"));
    assert_eq!(param(&url, "max_age").as_deref(), Some("600"));
    assert_eq!(param(&url, "ui_locales").as_deref(), Some("nn nb"));
    let url = authorize_url(&browser, &app, "max_age=60&prompt=login&ui_locales=en").await;
    assert_eq!(param(&url, "max_age").as_deref(), Some("60"));
    assert_eq!(param(&url, "prompt").as_deref(), Some("login"));
    assert_eq!(param(&url, "ui_locales").as_deref(), Some("en"));
    let url = authorize_url(&browser, &app, "max_age=86400").await;
    assert_eq!(
        param(&url, "max_age").as_deref(),
        Some("600"),
        "never looser"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_builder_controls_are_start_up_errors() {
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let builder = || {
        FeideLogin::builder(&provider)
            .redirect_uri("http://127.0.0.1:3000/callback")
            .secret_keys(KEY)
    };
    for (built, setting) in [
        (builder().prompt("none login").build(), "prompt"),
        (builder().ui_locales("nb;en").build(), "ui_locales"),
        (
            builder().max_age(Duration::from_secs(400 * 86400)).build(),
            "max_age",
        ),
    ] {
        let error = built.expect_err(setting).to_string();
        assert!(error.contains(setting), "{error}");
    }
}

/// A login with `max_age` whose ID token FakeFeide changed with `claims`: refused with a page.
async fn refused_with_max_age(claims: Value) {
    let app = plain(|b| b).await;
    app.fake.set_id_token_claims(Some(claims));
    let browser = Browser::new();
    let authorize = authorize_url(&browser, &app, "max_age=300&return_to=%2Fpage").await;
    let callback = browser.get(authorize.as_str()).await;
    let r = browser.get(&location(&callback)).await;
    assert_eq!(r.status(), 400);
    assert!(!has_session_cookie(&r));
    assert!(r.text().await.unwrap().contains("recent enough sign-in"));
    assert_eq!(page(&browser, &app).await["sub"], Value::Null);
    // The same ID token without `max_age`: nothing asked, nothing checked.
    let (_, last) = browser.visit(&app.url("/login?return_to=%2Fpage")).await;
    assert_eq!(last.status(), 200);
    assert_ne!(page(&browser, &app).await["sub"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn max_age_refuses_an_id_token_without_auth_time() {
    refused_with_max_age(json!({"auth_time": null})).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn max_age_refuses_an_id_token_with_an_old_auth_time() {
    // 300 s asked, 60 s leeway: 361 s ago is too old.
    refused_with_max_age(json!({"auth_time": now() - 361})).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn max_age_makes_fakefeide_authenticate_again() {
    let app = plain(|b| b).await;
    app.fake
        .set_signed_in(Some("alice"), Duration::from_secs(7200));
    let browser = Browser::new();
    // Signed in at the provider two hours ago: without max_age, single sign-on keeps that time.
    browser.visit(&app.url("/login")).await;
    let old = page(&browser, &app).await["auth_time"].as_i64().unwrap();
    assert!(now() - old >= 7190, "{old}");
    // max_age=3600: FakeFeide authenticates again, the session has a fresh auth_time.
    browser.visit(&app.url("/login?max_age=3600")).await;
    let fresh = page(&browser, &app).await["auth_time"].as_i64().unwrap();
    assert!(now() - fresh < 60, "{fresh}");
}

#[tokio::test(flavor = "multi_thread")]
async fn prompt_login_gives_a_fresh_authentication() {
    let app = plain(|b| b).await;
    app.fake
        .set_signed_in(Some("alice"), Duration::from_secs(7200));
    let browser = Browser::new();
    browser.visit(&app.url("/login?prompt=login")).await;
    let fresh = page(&browser, &app).await["auth_time"].as_i64().unwrap();
    assert!(now() - fresh < 60, "{fresh}");
    let (_, at) = app.fake.signed_in().unwrap();
    assert_eq!(at as i64, fresh, "the new sign-in is remembered");
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_login_without_a_provider_session_returns_a_renderable_outcome() {
    let app = plain(|b| b).await;
    app.fake.set_sign_in_memory(true);
    let browser = Browser::new();
    let start = browser
        .get(&app.url("/login?prompt=none&return_to=%2Fpage"))
        .await;
    let authorize = location(&start);
    assert!(authorize.contains("prompt=none"));
    let answer = browser.get(&authorize).await;
    let callback = location(&answer);
    assert!(callback.contains("error=login_required"), "{callback}");
    // Not an error page: back to return_to, no session, the flow cookie consumed, a marker set.
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), 302);
    assert_eq!(location(&back), app.url("/page"));
    assert!(!has_session_cookie(&back));
    let cookies = set_cookies(&back);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("feide_flow_silent=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("feide_flow_") && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    // The page sees the outcome once, and the marker is deleted with that answer.
    let first = browser.get(&app.url("/page")).await;
    assert!(
        set_cookies(&first)
            .iter()
            .any(|c| c.starts_with("feide_flow_silent=") && c.contains("Max-Age=0"))
    );
    let seen: Value = first.json().await.unwrap();
    assert_eq!(seen["silent"], "login_required");
    assert_eq!(seen["silent_login"], "default");
    assert_eq!(seen["sub"], Value::Null);
    let again = page(&browser, &app).await;
    assert_eq!(again["silent"], Value::Null, "one-shot: no loop");
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_login_with_a_provider_session_signs_in_without_the_user() {
    let app = plain(|b| b).await;
    app.fake.set_interactive(true); // a login page would stop the test: none is shown
    app.fake.set_signed_in(Some("bob"), Duration::from_secs(30));
    let browser = Browser::new();
    let (visited, last) = browser
        .visit(&app.url("/login?prompt=none&return_to=%2Fpage"))
        .await;
    assert_eq!(last.status(), 200, "{visited:?}");
    let me: Value = last.json().await.unwrap();
    let bob = app
        .fake
        .users()
        .into_iter()
        .find(|u| u.id == "bob")
        .unwrap();
    assert_eq!(me["sub"], bob.sub);
    assert_eq!(me["silent"], Value::Null);
    // The sign-in is too old for max_age: a silent login cannot re-authenticate.
    let (_, last) = browser
        .visit(&app.url("/login?prompt=none&max_age=10&return_to=%2Fpage"))
        .await;
    let seen: Value = last.json().await.unwrap();
    assert_eq!(seen["silent"], "login_required");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_needs_the_user_error_outside_a_silent_login_is_an_error_page() {
    let app = plain(|b| b).await;
    let browser = Browser::new();
    let authorize = authorize_url(&browser, &app, "return_to=%2Fpage").await;
    let state = param(&authorize, "state").unwrap();
    let r = browser
        .get(&app.url(&format!("/callback?state={state}&error=login_required")))
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        !set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("feide_flow_silent=")),
        "no marker for an interactive login"
    );
    assert_eq!(page(&browser, &app).await["silent"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_silent_marker_is_ignored_and_deleted() {
    let app = plain(|b| b).await;
    let browser = Browser::new();
    let r = browser
        .get_with(
            &app.url("/page"),
            &[("cookie", "feide_flow_silent=login_required")],
        )
        .await;
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("feide_flow_silent=") && c.contains("Max-Age=0"))
    );
    let seen: Value = r.json().await.unwrap();
    assert_eq!(seen["silent"], Value::Null);
}
