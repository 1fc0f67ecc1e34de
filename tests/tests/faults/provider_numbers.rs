//! Issue 13, finding 5: numbers from the provider. The token endpoint answers `expires_in` as a
//! huge number, a negative one, a float, a string, `null` or something else entirely; a login
//! (and a client-credentials token, which reads the same token response) either works with the
//! right expiry or fails with the clean "unavailable" page — never a panic, never a session whose
//! expiry wrapped around.
//!
//! The policy (provider/token_endpoint.rs): a non-negative number, or a string holding one, is
//! the lifetime, rounded down and clamped to one year; `null` means not stated; anything else
//! (negative, not a number) makes the token response unusable.

use std::time::Instant;

use axum::Router;
use axum::routing::get;
use feide_tower::exchange::ClientCredentialsSource;
use feide_tower::provider::MAX_EXPIRES_IN;
use feide_tower::session::FeideSession;
use integration_tests::now;
use serde_json::{Value, json};

use crate::app::{Browser, LoginApp, approved_callback, login_app_with, provider};
use crate::panics;

/// The login's `max_session` default: a session never outlives it.
const MAX_SESSION: u64 = 8 * 3600;
/// How far a computed expiry may be from the expected one (the test's own clock reads).
const SLACK: u64 = 5;
/// The client-credentials cache believes at most this (exchange/issued.rs).
const MAX_CACHED_LIFETIME: u64 = 24 * 3600;

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Signed in: `expires_in` read as this many seconds (`None`: not stated).
    Lifetime(Option<u64>),
    /// The token response is unusable: the clean 502 page, no session.
    Refused,
}

fn cases() -> Vec<(&'static str, Value, Expect)> {
    use Expect::{Lifetime, Refused};
    vec![
        ("plain_3600", json!(3600), Lifetime(Some(3600))),
        ("u64_max", json!(u64::MAX), Lifetime(Some(MAX_EXPIRES_IN))),
        ("i64_max", json!(i64::MAX), Lifetime(Some(MAX_EXPIRES_IN))),
        ("float_1e30", json!(1e30), Lifetime(Some(MAX_EXPIRES_IN))),
        ("float_3600_9", json!(3600.9), Lifetime(Some(3600))),
        ("string_3600", json!("3600"), Lifetime(Some(3600))),
        ("string_padded", json!(" 3600 "), Lifetime(Some(3600))),
        (
            "string_u64_max_plus",
            json!("18446744073709551616"),
            Lifetime(Some(MAX_EXPIRES_IN)),
        ),
        ("string_1e30", json!("1e30"), Lifetime(Some(MAX_EXPIRES_IN))),
        ("null", Value::Null, Lifetime(None)),
        ("negative", json!(-1), Refused),
        ("i64_min", json!(i64::MIN), Refused),
        ("float_negative", json!(-1e30), Refused),
        ("string_negative", json!("-3600"), Refused),
        ("string_garbage", json!("soon"), Refused),
        ("string_empty", json!(""), Refused),
        ("string_nan", json!("NaN"), Refused),
        ("string_inf", json!("inf"), Refused),
        ("bool", json!(true), Refused),
        ("array", json!([3600]), Refused),
        ("object", json!({"secs": 3600}), Refused),
    ]
}

/// A login app whose `/expiry` tells the session's expiries, next to FakeFeide.
async fn login_app() -> LoginApp {
    login_app_with(|login| {
        Router::new().route(
            "/expiry",
            get(|s: FeideSession| async move {
                axum::Json(json!({
                    "expires_at": s.expires_at(),
                    "access_token_expires_at": s.access_token_expires_at(),
                }))
            })
            .route_layer(login.require_login()),
        )
    })
    .await
}

fn near(found: u64, expected: u64) -> bool {
    found.abs_diff(expected) <= SLACK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_expires_in_never_panics_nor_gives_a_wrong_expiry() {
    panics::install();
    let app = login_app().await;
    let provider = provider(&app.fake).await.expect("discovery");
    let mut matrix = Vec::new();
    for (name, expires_in, expect) in cases() {
        app.fake.set_token_expires_in(None);
        let browser = Browser::new();
        let callback = approved_callback(&browser, &app).await;
        app.fake.set_token_expires_in(Some(expires_in.clone()));
        let at = now() as u64;
        let answer = browser
            .client
            .get(&callback)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: the callback broke the connection: {e}"));
        let status = answer.status().as_u16();
        let page = answer.text().await.unwrap_or_default();
        let expiry = browser
            .client
            .get(app.url("/expiry"))
            .header("accept", "application/json")
            .send()
            .await
            .expect("the app answers");
        let signed_in = expiry.status() == 200;
        let expiry: Value = expiry.json().await.unwrap_or_default();
        match expect {
            Expect::Refused => {
                assert_eq!(status, 502, "{name}: {page}");
                assert!(page.contains("Sign-in unavailable"), "{name}: {page}");
                assert!(!signed_in, "{name}: no session");
            }
            Expect::Lifetime(lifetime) => {
                assert_eq!(status, 302, "{name}: signed in: {page}");
                assert!(signed_in, "{name}: the session works: {expiry}");
                let session = lifetime.map_or(MAX_SESSION, |l| l.min(MAX_SESSION));
                let expires_at = expiry["expires_at"].as_u64().unwrap_or_default();
                assert!(
                    near(expires_at, at + session),
                    "{name}: session expires in {}s, expected {session}s",
                    expires_at.saturating_sub(at)
                );
                let access = expiry["access_token_expires_at"].as_u64();
                match lifetime {
                    None => assert_eq!(access, None, "{name}: no stated lifetime"),
                    Some(l) => assert!(
                        access.is_some_and(|a| near(a, at + l)),
                        "{name}: access token expires at {access:?}, expected now + {l}s"
                    ),
                }
            }
        }

        // Client credentials read the same token response.
        let source = ClientCredentialsSource::builder(&provider)
            .build()
            .expect("client credentials source");
        let asked = Instant::now();
        let token = source.token().await;
        match (expect, token) {
            (Expect::Refused, Ok(_)) => panic!("{name}: client credentials took the response"),
            (Expect::Refused, Err(_)) => {}
            (Expect::Lifetime(_), Err(e)) => panic!("{name}: client credentials failed: {e}"),
            (Expect::Lifetime(lifetime), Ok(token)) => {
                let expected = lifetime.map(|l| l.min(MAX_CACHED_LIFETIME));
                let found = token
                    .expires_at()
                    .map(|at| at.saturating_duration_since(asked).as_secs());
                assert!(
                    match (found, expected) {
                        (Some(f), Some(e)) => near(f, e),
                        (f, e) => f == e,
                    },
                    "{name}: client-credentials token lives {found:?}, expected {expected:?}"
                );
            }
        }
        matrix.push(format!("{name}={status}"));
    }
    app.fake.set_token_expires_in(None);
    panics::report(&format!(
        "faults: odd expires_in, callback status per case: {}",
        matrix.join(" ")
    ));
    panics::assert_none("odd expires_in");
}
