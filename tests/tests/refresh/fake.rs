//! FakeFeide's refresh grant, directly at the token endpoint.

use feide_tower::testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Endpoint, Failure};
use http::StatusCode;
use serde_json::Value;

use crate::harness::Browser;
use crate::setup::*;

async fn refresh(app: &App, client: (&str, &str), token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(app.fake.url("/oauth/token"))
        .basic_auth(client.0, Some(client.1))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replay_is_invalid_grant() {
    let app = start(Stack::Axum, true, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let cookie = log_in(&Browser::new(), &app).await;
    let first = open(&cookie).data["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = (CLIENT_ID, CLIENT_SECRET);

    let (status, body) = refresh(&app, me, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first, "rotated");
    assert!(body["access_token"].is_string());
    assert_eq!(body["expires_in"], LOGIN_TOKEN_LIFETIME.as_secs());

    let (status, body) = refresh(&app, me, &first).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    let (status, body) = refresh(&app, me, "no-such-token").await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    // Another client cannot use it, and that does not burn it.
    let other = (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    let (status, body) = refresh(&app, other, &second).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    // A wrong secret is a client-authentication failure, as for every grant.
    let (status, _) = refresh(&app, (CLIENT_ID, "wrong"), &second).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Injected faults apply to refresh grants.
    app.fake.fail(Endpoint::Token, Failure::Status(502));
    assert_eq!(refresh(&app, me, &second).await.0, StatusCode::BAD_GATEWAY);
    app.fake.clear_failure(Endpoint::Token);
    let (status, body) = refresh(&app, me, &second).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Revoked: every refresh token stops working.
    app.fake.revoke_refresh_tokens();
    let third = body["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&app, me, third).await.1["error"], "invalid_grant");
    assert_eq!(app.fake.refresh_grants(), 8);
}

#[tokio::test]
async fn by_default_there_is_no_refresh_grant() {
    let app = start(Stack::Axum, false, LOGIN_TOKEN_LIFETIME, |b| b).await;
    let (status, body) = refresh(&app, (CLIENT_ID, CLIENT_SECRET), "anything").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");
    // Switched on at run time, logins get one.
    app.fake.enable_refresh_tokens(true);
    let cookie = log_in(&Browser::new(), &app).await;
    assert!(open(&cookie).data["refresh_token"].is_string());
}
