//! Tracing: one span per login-side decision (`feide.login.start`, `feide.login.callback`,
//! `feide.session`, `feide.require_login`, `feide.logout`), with `outcome`, `reason` and
//! `cache`, over real HTTP; and never a code, cookie or token in the captured output.

use integration_tests::logs::assert_span;

use crate::harness::{Browser, Stack, TestApp, location, logs, set_cookies, start};

/// A login followed hop by hop: the authorization code and the session cookie value seen on
/// the way (to look for in the logs).
async fn log_in_hop_by_hop(browser: &Browser, app: &TestApp) -> (String, String) {
    let mut response = browser.get(&app.url("/login?return_to=/me")).await;
    let (mut code, mut cookie) = (String::new(), String::new());
    for _ in 0..10 {
        for set in set_cookies(&response) {
            if let Some(value) = set.strip_prefix("feide_session=") {
                cookie = value.split(';').next().unwrap_or_default().to_owned();
            }
        }
        if !response.status().is_redirection() {
            break;
        }
        let next = location(&response);
        if let Some((_, query)) = next.split_once("/callback?") {
            for pair in query.split('&') {
                if let Some(value) = pair.strip_prefix("code=") {
                    code = value.to_owned();
                }
            }
        }
        response = browser.get(&next).await;
    }
    assert_eq!(response.status(), 200, "signed in and back at /me");
    assert!(
        !code.is_empty() && !cookie.is_empty(),
        "saw the code and the cookie"
    );
    (code, cookie)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_login_decision_has_one_span_with_outcome_reason_and_cache() {
    let app = start(Stack::Axum, |b| b).await;
    let browser = Browser::new();

    // Not signed in: the session is anonymous, RequireLogin sends the browser to log in.
    let anonymous = browser.get(&app.url("/me")).await;
    assert_eq!(anonymous.status(), 302);

    let (code, cookie) = log_in_hop_by_hop(&browser, &app).await;
    // Twice more with the same cookie: the opened-session cache answers.
    for _ in 0..2 {
        assert_eq!(browser.get(&app.url("/me")).await.status(), 200);
    }

    // A tampered cookie is refused; a replayed callback fails.
    let stranger = reqwest::Client::new();
    let tampered = format!("feide_session={}x", &cookie[..cookie.len() - 1]);
    let refused = stranger
        .get(app.url("/me"))
        .header("cookie", &tampered)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let bogus_code = "CODE-never-logged-5f1e";
    let replay = browser
        .get(&app.url(&format!(
            "/callback?code={bogus_code}&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        )))
        .await;
    assert!(replay.status().is_client_error() || replay.status().is_redirection());

    // Log out: refused from another site, then done.
    let cross = browser
        .client
        .post(app.url("/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let out = browser.post(&app.url("/logout")).await;
    assert!(out.status().is_redirection());

    let text = logs();
    assert_span(&text, "feide.login.start", &["outcome=redirected"]);
    assert_span(&text, "feide.login.callback", &["outcome=success"]);
    assert_span(
        &text,
        "feide.login.callback",
        &["outcome=failed", "reason="],
    );
    assert_span(&text, "feide.session", &["outcome=anonymous"]);
    assert_span(&text, "feide.session", &["outcome=signed_in", "cache=miss"]);
    assert_span(&text, "feide.session", &["outcome=signed_in", "cache=hit"]);
    assert_span(
        &text,
        "feide.session",
        &["outcome=refused", "reason=malformed", "cache=miss"],
    );
    assert_span(&text, "feide.require_login", &["outcome=allowed"]);
    assert_span(&text, "feide.require_login", &["outcome=login_required"]);
    assert_span(
        &text,
        "feide.logout",
        &["outcome=refused", "reason=cross_origin_logout"],
    );
    assert_span(&text, "feide.logout", &["outcome=logged_out"]);
    for secret in [
        code.as_str(),
        cookie.as_str(),
        tampered.as_str(),
        bogus_code,
    ] {
        assert!(!text.contains(secret), "a code or cookie value in the logs");
    }
}

/// POSTs `token` as `logout_token` to the app's back-channel path; the status.
async fn backchannel(app: &TestApp, token: &str) -> u16 {
    let body = format!("logout_token={token}");
    reqwest::Client::new()
        .post(app.url("/backchannel-logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_logouts_have_one_span_each_and_never_log_the_token() {
    let app = start(Stack::Axum, |b| b).await;
    let token = app
        .fake
        .logout_token(crate::harness::CLIENT_ID)
        .sub("span-test-user".to_owned())
        .sign();
    assert_eq!(backchannel(&app, &token).await, 200);
    assert_eq!(backchannel(&app, &token).await, 400, "replayed");
    assert_eq!(backchannel(&app, "not-a-jwt").await, 400);

    let frame = reqwest::Client::new();
    let wrong = frame
        .get(app.url("/frontchannel-logout?iss=https%3A%2F%2Fother.example&sid=s1"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    let issuer: String = form_urlencoded::byte_serialize(app.fake.issuer().as_bytes()).collect();
    let sid = "SID-never-logged-8c2a";
    let ended = frame
        .get(app.url(&format!("/frontchannel-logout?iss={issuer}&sid={sid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 200);

    let text = logs();
    assert_span(&text, "feide.backchannel_logout", &["outcome=ended"]);
    assert_span(
        &text,
        "feide.backchannel_logout",
        &["outcome=refused", "reason=replayed"],
    );
    assert_span(
        &text,
        "feide.backchannel_logout",
        &["outcome=refused", "reason=malformed"],
    );
    assert_span(
        &text,
        "feide.frontchannel_logout",
        &["outcome=refused", "reason=wrong_issuer"],
    );
    assert_span(&text, "feide.frontchannel_logout", &["outcome=ended"]);
    for part in token.split('.').skip(1) {
        assert!(!text.contains(part), "a logout token part in the logs");
    }
    assert!(!text.contains(sid), "the sid in the logs");
}
