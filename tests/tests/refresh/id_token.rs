//! Issue 13, finding 10: an ID token in a refresh answer must be about the login's
//! authentication (OpenID Connect Core §12.2): the same `iss`, `sub`, `aud` and `azp`, the same
//! `acr`, the login's `auth_time` if any, and no `nonce` or the login's. FakeFeide is told to
//! return a refreshed ID token with one claim changed; the login layer must refuse it: the
//! session ends (cookie deleted, the browser sent to log in again), it is never extended with the
//! new tokens.

use http::StatusCode;
use http::header::LOCATION;
use serde_json::{Value, json};

use crate::harness::Browser;
use crate::setup::*;

/// What became of a session whose refresh answer carried an ID token changed by `overrides`.
enum Outcome {
    /// The handler saw the refreshed access token.
    Refreshed,
    /// The session ended: the cookie was deleted and the browser sent to log in.
    Ended,
    Other(String),
}

/// Logs in (with MFA asked for, so the login's ID token has an `acr`), makes FakeFeide's
/// refresh answer carry an ID token changed by `overrides(login claims)`, and requests a page.
async fn refresh_with(overrides: impl FnOnce(&Value) -> Value) -> Outcome {
    let app = start(Stack::Axum, true, LOGIN_TOKEN_LIFETIME, |b| b.require_mfa()).await;
    let browser = Browser::new();
    let cookie = log_in(&browser, &app).await;
    let login = open(&cookie);
    let claims = &login.data["claims"];
    assert!(claims["nonce"].is_string() && claims["acr"].is_string());
    app.fake.set_refresh_id_token(Some(overrides(claims)));
    app.fake.set_access_token_lifetime(LONG);
    let response = browser.get(&app.url("/token")).await;
    let status = response.status();
    let headers = response.headers().clone();
    let answer = Answer::read(response).await;
    assert_eq!(app.fake.refresh_grants(), 1, "the refresh grant was used");
    if status == StatusCode::OK && answer.token() != login.data["access_token"] {
        let value = session_cookie(&headers).expect("the refreshed cookie");
        assert_eq!(open(&value).data["access_token"], answer.token());
        return Outcome::Refreshed;
    }
    let ended = status == StatusCode::FOUND
        && headers[LOCATION] == "/login?return_to=%2Ftoken"
        && deletes_session(&headers)
        && session_cookie(&headers).is_none_or(|v| v.is_empty());
    if ended {
        let home = browser.get(&app.url("/")).await;
        assert_eq!(home.text().await.unwrap(), "signed in: false");
        return Outcome::Ended;
    }
    Outcome::Other(format!("{status}: {}", answer.json))
}

#[tokio::test]
async fn a_refreshed_id_token_about_the_same_authentication_is_accepted() {
    for (case, overrides) in [
        ("as issued", json!({})),
        ("without auth_time", json!({"auth_time": null})),
        ("without acr changes", json!({"name": "Alice Changed"})),
    ] {
        assert!(
            matches!(
                refresh_with(|_| overrides.clone()).await,
                Outcome::Refreshed
            ),
            "{case}"
        );
    }
    // The login's nonce repeated is allowed too.
    let outcome = refresh_with(|login| json!({"nonce": login["nonce"]})).await;
    assert!(matches!(outcome, Outcome::Refreshed), "same nonce");
}

#[tokio::test]
async fn a_refreshed_id_token_about_another_authentication_ends_the_session() {
    type Change = fn(&Value) -> Value;
    let cases: [(&str, Change); 10] = [
        ("another sub", |_| json!({"sub": "someone-else"})),
        ("another iss", |_| json!({"iss": "https://other.example"})),
        ("another aud", |_| json!({"aud": "other-client"})),
        (
            "an extra aud, no azp",
            |login| json!({"aud": [login["aud"], "other-client"]}),
        ),
        (
            "an azp where there was none",
            |login| json!({"azp": login["aud"]}),
        ),
        (
            "another acr",
            |_| json!({"acr": "urn:mace:feide.no:auth:level:fad08:1"}),
        ),
        ("no acr", |_| json!({"acr": null})),
        ("another nonce", |_| json!({"nonce": "another-nonce"})),
        (
            "another auth_time",
            |login| json!({"auth_time": login["auth_time"].as_i64().unwrap() - 3600}),
        ),
        (
            "a later auth_time",
            |login| json!({"auth_time": login["auth_time"].as_i64().unwrap() + 1}),
        ),
    ];
    let mut accepted = Vec::new();
    for (case, change) in cases {
        match refresh_with(change).await {
            Outcome::Ended => {}
            Outcome::Refreshed => accepted.push(format!("{case}: refreshed")),
            Outcome::Other(what) => accepted.push(format!("{case}: {what}")),
        }
    }
    assert!(
        accepted.is_empty(),
        "refreshed ID tokens not refused:\n{}",
        accepted.join("\n")
    );
}
