//! The callback under attack: state, nonce, replay, provider errors, code reuse, `iss`.

use crate::harness::{Browser, Stack, TestApp, location, set_cookies, start};

fn has_session_cookie(response: &reqwest::Response) -> bool {
    set_cookies(response)
        .iter()
        .any(|c| c.starts_with("feide_session=") && !c.contains("Max-Age=0"))
}

async fn signed_in(browser: &Browser, app: &TestApp) -> bool {
    browser.get(&app.url("/")).await.text().await.unwrap() != "anonymous"
}

/// Starts a login and lets the provider approve it; returns the callback URL (not yet visited).
async fn approved_callback(browser: &Browser, app: &TestApp, query: &str) -> String {
    let login = browser.get(&app.url(&format!("/login?{query}"))).await;
    location(&browser.get(&location(&login)).await)
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == name {
                (k, value.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_state_is_refused() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app, "").await;
    let without_state = callback.replace("state=", "x-state=");
    let r = browser.get(&without_state).await;
    assert_eq!(r.status(), 400);
    assert!(!has_session_cookie(&r));
    assert!(!signed_in(&browser, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn mismatched_state_is_refused() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app, "").await;
    let other_state = with_param(&callback, "state", &"A".repeat(43));
    let r = browser.get(&other_state).await;
    assert_eq!(r.status(), 400);
    assert!(!has_session_cookie(&r));
    assert!(!signed_in(&browser, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callback_url_works_once() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app, "").await;
    let first = browser.get(&callback).await;
    assert_eq!(first.status(), 302);
    assert!(has_session_cookie(&first));
    // The same URL again, in the same browser (the flow cookie is gone) and in another.
    let again = browser.get(&callback).await;
    assert_eq!(again.status(), 400);
    assert!(!has_session_cookie(&again));
    let attacker = Browser::new();
    let stolen = attacker.get(&callback).await;
    assert_eq!(stolen.status(), 400);
    assert!(!signed_in(&attacker, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_parameters_are_refused() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app, "").await;
    let r = browser.get(&format!("{callback}&code=other")).await;
    assert_eq!(r.status(), 400);
    assert!(!signed_in(&browser, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nonce_mismatch_gives_no_session() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let login = browser.get(&app.url("/login")).await;
    // Someone swaps the nonce on the way to the provider: the ID token then carries another one.
    let tampered = with_param(&location(&login), "nonce", &"N".repeat(43));
    let callback = location(&browser.get(&tampered).await);
    let r = browser.get(&callback).await;
    assert_eq!(r.status(), 400);
    assert!(!has_session_cookie(&r));
    assert!(!signed_in(&browser, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pkce_mismatch_gives_no_session() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let login = browser.get(&app.url("/login")).await;
    let tampered = with_param(&location(&login), "code_challenge", &"C".repeat(43));
    let callback = location(&browser.get(&tampered).await);
    let r = browser.get(&callback).await;
    assert_eq!(
        r.status(),
        400,
        "the provider refuses the verifier: invalid_grant"
    );
    assert!(!signed_in(&browser, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_errors_get_a_friendly_escaped_page() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app, "").await;
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let denied = browser
        .get(&app.url(&format!(
            "/callback?state={state}&error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        )))
        .await;
    assert_eq!(denied.status(), 403);
    assert_eq!(denied.headers()["content-type"], "text/html; charset=utf-8");
    let body = denied.text().await.unwrap();
    assert!(body.contains("Sign-in was cancelled"), "{body}");
    assert!(!body.contains("<script>") && !body.contains("alert(1)"));

    let callback = approved_callback(&browser, &app, "").await;
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let odd = browser
        .get(&app.url(&format!(
            "/callback?state={state}&error=%3Cb%3Eserver_error%3C%2Fb%3E"
        )))
        .await;
    assert_eq!(odd.status(), 400);
    let body = odd.text().await.unwrap();
    assert!(
        body.contains("(bserver_errorb)") && !body.contains("<b>"),
        "{body}"
    );
    assert!(!signed_in(&browser, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_redeemed_twice_is_refused() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let first = approved_callback(&browser, &app, "").await;
    let code = url::Url::parse(&first)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(browser.get(&first).await.status(), 302);
    // A second flow in another browser, fed the first flow's (used) code.
    let other = Browser::new();
    let second = approved_callback(&other, &app, "").await;
    let r = other.get(&with_param(&second, "code", &code)).await;
    assert_eq!(r.status(), 400);
    assert!(!has_session_cookie(&r));
    assert!(!signed_in(&other, &app).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_iss_parameter_must_name_our_provider() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app, "").await;
    let r = browser
        .get(&format!("{callback}&iss=https%3A%2F%2Fevil.example"))
        .await;
    assert_eq!(r.status(), 400);
    assert!(!signed_in(&browser, &app).await);

    let callback = approved_callback(&browser, &app, "").await;
    let r = browser
        .get(&format!("{callback}&iss={}", form(&app.fake.issuer())))
        .await;
    assert_eq!(r.status(), 302, "the right iss is fine");
}

fn form(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
