//! The login layer refreshing sessions: before expiry, once for many requests, across a
//! rotation, and when the provider fails or refuses.

use std::time::Duration;

use bytes::Bytes;
use feide_tower::Denial;
use feide_tower::testkit::{Endpoint, Failure};
use futures_util::future::join_all;
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, StatusCode};

use crate::harness::Browser;
use crate::setup::*;

#[tokio::test]
async fn feide_issues_no_refresh_token_and_nothing_is_refreshed() {
    let app = start(Stack::Axum, false, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    let sealed = open(&cookie);
    assert!(sealed.data.get("refresh_token").is_none());
    // Without a refresh token the session ends with the access token.
    assert!(sealed.expires_at - sealed.issued_at <= LOGIN_TOKEN_LIFETIME.as_secs());
    let answer = browse(&browser, &app, "/token").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["refresh"], false);
    assert_eq!(answer.token(), sealed.data["access_token"]);
    assert_eq!(app.fake.refresh_grants(), 0);
}

async fn refreshed_on_the_next_request(stack: Stack) {
    let app = start(stack, true, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    let before = open(&cookie);
    let old_token = before.data["access_token"].as_str().unwrap().to_owned();
    let old_refresh = before.data["refresh_token"].as_str().unwrap().to_owned();
    // The session outlives its 30 s access token: it lasts max_session (8 h).
    assert_eq!(before.expires_at - before.issued_at, 8 * 3600);
    assert_eq!(app.fake.refresh_grants(), 0, "nothing refreshed yet");
    app.fake.set_access_token_lifetime(LONG);

    let answer = browse(&browser, &app, "/token").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_ne!(
        answer.token(),
        old_token,
        "the handler sees the new access token"
    );
    assert_eq!(app.fake.refresh_grants(), 1);
    let now = integration_tests::now() as u64;
    let expires = answer.json["expires_at"].as_u64().unwrap();
    assert!(expires >= now + LONG.as_secs() - 5, "tracks the new token");
    // The cookie is re-sealed with the new tokens; the session's own expiry is unchanged.
    let value = session_cookie(&answer.headers).expect("Set-Cookie with the refreshed session");
    let after = open(&value);
    assert_eq!(after.data["access_token"], answer.token());
    assert_ne!(after.data["refresh_token"], old_refresh.as_str(), "rotated");
    assert_eq!(
        (after.issued_at, after.expires_at),
        (before.issued_at, before.expires_at)
    );
    // The new token is far from expiry: no more grants.
    for _ in 0..3 {
        let again = browse(&browser, &app, "/token").await;
        assert_eq!(again.token(), answer.token());
    }
    assert_eq!(app.fake.refresh_grants(), 1);
}

#[tokio::test]
async fn a_session_near_expiry_is_refreshed_on_the_next_request_axum() {
    refreshed_on_the_next_request(Stack::Axum).await;
}

#[tokio::test]
async fn a_session_near_expiry_is_refreshed_on_the_next_request_hyper() {
    refreshed_on_the_next_request(Stack::Hyper).await;
}

async fn concurrent_requests_share_one_grant(stack: Stack) {
    let app = start(stack, true, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let browser = Browser::new();
    let old_cookie = log_in(&browser, &app).await;
    app.fake.set_access_token_lifetime(LONG);
    // Hold the grant a little, so the 20 requests really overlap it.
    app.fake
        .fail(Endpoint::Token, Failure::Delay(Duration::from_millis(200)));
    let answers = join_all((0..20).map(|_| browse(&browser, &app, "/token"))).await;
    app.fake.clear_failure(Endpoint::Token);
    assert_eq!(
        app.fake.refresh_grants(),
        1,
        "20 concurrent requests, 1 grant"
    );
    let new_token = answers[0].token().to_owned();
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.token(), new_token, "all get the refreshed session");
        let value = session_cookie(&answer.headers).expect("and the new cookie");
        assert_eq!(open(&value).data["access_token"], new_token.as_str());
    }
    // After the rotation, a request still carrying the old cookie (sent before the browser saw
    // the new one) gets the same refreshed session and the new cookie, without a second grant.
    let late = with_cookie(&app, "/token", &old_cookie).await;
    assert_eq!(late.status, StatusCode::OK);
    assert_eq!(late.token(), new_token);
    let value = session_cookie(&late.headers).expect("the new cookie");
    assert_eq!(open(&value).data["access_token"], new_token.as_str());
    assert_eq!(
        app.fake.refresh_grants(),
        1,
        "no grant with the rotated-out token"
    );
}

#[tokio::test]
async fn twenty_concurrent_requests_cause_one_refresh_grant_axum() {
    concurrent_requests_share_one_grant(Stack::Axum).await;
}

#[tokio::test]
async fn twenty_concurrent_requests_cause_one_refresh_grant_hyper() {
    concurrent_requests_share_one_grant(Stack::Hyper).await;
}

#[tokio::test]
async fn an_unreachable_provider_answers_503_and_keeps_the_session() {
    // Access tokens that expire at once: a failed refresh cannot fall back on the current one.
    // (Userinfo would refuse such a token, so it is not fetched.)
    let app = start(Stack::Axum, true, Duration::ZERO, |b| {
        b.fetch_userinfo(false)
    })
    .await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    let failures = [
        Failure::Status(503),
        Failure::Hang,
        Failure::Body {
            status: 200,
            content_type: "text/html".into(),
            body: "<html>maintenance</html>".into(),
        },
    ];
    for failure in failures {
        app.fake.fail(Endpoint::Token, failure.clone());
        let page = browse(&browser, &app, "/token").await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{failure:?}");
        assert_eq!(page.headers[RETRY_AFTER], "5");
        assert!(
            page.headers[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            session_cookie(&page.headers).is_none(),
            "the cookie is kept"
        );
        let api = with_cookie(&app, "/token", &cookie).await;
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(api.headers[RETRY_AFTER], "5");
        assert_eq!(
            api.json,
            serde_json::json!({"error": "temporarily_unavailable"})
        );
        assert!(session_cookie(&api.headers).is_none());
    }
    assert_eq!(app.fake.refresh_grants(), 6, "each request tried again");
    // Once the provider is back, the next request refreshes.
    app.fake.clear_failure(Endpoint::Token);
    app.fake.set_access_token_lifetime(LONG);
    let answer = browse(&browser, &app, "/token").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_ne!(answer.token(), open(&cookie).data["access_token"]);
    assert_eq!(app.fake.refresh_grants(), 7);
    let logs = crate::harness::logs();
    let secret = open(&cookie).data["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!logs.contains(&secret), "no refresh token in the logs");
}

#[tokio::test]
async fn a_failed_refresh_goes_on_with_a_token_that_is_still_valid() {
    let app = start(Stack::Axum, true, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    app.fake.fail(Endpoint::Token, Failure::Status(500));
    let answer = browse(&browser, &app, "/token").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.token(), open(&cookie).data["access_token"]);
    assert!(!deletes_session(&answer.headers));
    assert_eq!(app.fake.refresh_grants(), 1);
    // It tries again on the next request, and succeeds once the provider is back.
    app.fake.clear_failure(Endpoint::Token);
    let answer = browse(&browser, &app, "/token").await;
    assert_ne!(answer.token(), open(&cookie).data["access_token"]);
    assert_eq!(app.fake.refresh_grants(), 2);
}

#[tokio::test]
async fn a_refused_refresh_token_ends_the_session() {
    let app = start(Stack::Axum, true, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let browser = Browser::new();
    log_in(&browser, &app).await;
    app.fake.revoke_refresh_tokens();
    let response = browser.get(&app.url("/token")).await;
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "RequireLogin sends to login"
    );
    assert_eq!(response.headers()[LOCATION], "/login?return_to=%2Ftoken");
    assert!(deletes_session(response.headers()), "the cookie is deleted");
    assert_eq!(app.fake.refresh_grants(), 1);
    let home = browser.get(&app.url("/")).await;
    assert_eq!(home.text().await.unwrap(), "signed in: false");
}

#[tokio::test]
async fn refresh_can_be_switched_off() {
    let app = start(Stack::Axum, true, LOGIN_TOKEN_LIFETIME, |b| {
        b.refresh_tokens(false)
    })
    .await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    let sealed = open(&cookie);
    assert!(sealed.data.get("refresh_token").is_none(), "not kept");
    let answer = browse(&browser, &app, "/token").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.token(), sealed.data["access_token"]);
    assert_eq!(app.fake.refresh_grants(), 0);
}

#[tokio::test]
async fn the_plain_function_refreshes_for_other_frameworks() {
    let app = start(Stack::Axum, true, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let cookie = log_in(&Browser::new(), &app).await;
    let old_token = open(&cookie).data["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::COOKIE,
        format!("{COOKIE}={cookie}").parse().unwrap(),
    );
    // The synchronous lookup never refreshes.
    let plain = app.login.session(&headers);
    assert_eq!(plain.session.unwrap().access_token().expose(), old_token);
    assert_eq!(app.fake.refresh_grants(), 0);
    let lookup = app
        .login
        .session_refreshed(&headers)
        .await
        .expect("refreshed");
    let session = lookup.session.expect("signed in");
    assert_ne!(session.access_token().expose(), old_token);
    assert_eq!(lookup.set_cookies.len(), 1, "the re-sealed cookie");
    assert_eq!(app.fake.refresh_grants(), 1);
}

#[tokio::test]
async fn a_renderer_renders_the_503_but_keeps_status_retry_after_and_cookie() {
    let render = |denial: &Denial| {
        let reason = match denial {
            Denial::LoginFailed(failure) => failure.reason,
            _ => "other",
        };
        let body = format!(r#"{{"status":200,"reason":"{reason}"}}"#);
        (
            HeaderValue::from_static("application/problem+json"),
            Bytes::from(body),
        )
    };
    let app = start(Stack::Hyper, true, Duration::ZERO, |b| {
        b.fetch_userinfo(false).render_body(render)
    })
    .await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    app.fake.fail(Endpoint::Token, Failure::Status(503));
    let api = with_cookie(&app, "/token", &cookie).await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers[RETRY_AFTER], "5");
    assert_eq!(api.headers[CONTENT_TYPE], "application/problem+json");
    assert_eq!(api.json["reason"], "unavailable");
    assert!(session_cookie(&api.headers).is_none(), "the cookie is kept");
}
