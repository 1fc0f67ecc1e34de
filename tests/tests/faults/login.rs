//! Provider faults during a login, one row per fault: the callback answers a 5xx page (never a
//! 200, never a session), the app keeps serving other requests while the provider hangs, and
//! the next login after the provider recovers works without any intervention.

use std::time::Instant;

use feide_tower::testkit::{Endpoint, Failure};
use serde_json::json;

use crate::app::{
    Browser, LoginApp, TIMEOUT, approved_callback, log_in, login_app, me, sets_session,
};
use crate::panics;

struct Row {
    name: &'static str,
    endpoint: Endpoint,
    failure: Failure,
    /// Rotate the signing key first, so the ID token needs a JWKS refresh.
    rotate: bool,
    expected: u16,
    /// Text the error page must show.
    page: &'static str,
}

fn body(status: u16, content_type: &str, body: impl Into<String>) -> Failure {
    Failure::Body {
        status,
        content_type: content_type.to_owned(),
        body: body.into(),
    }
}

const HTML: &str =
    "<html><body><h1>Bad Gateway</h1><p>upstream secret-detail-4711</p></body></html>";
const UNAVAILABLE: &str = "Sign-in unavailable";

fn rows(app: &LoginApp) -> Vec<Row> {
    let row = |name, endpoint, failure, expected, page| Row {
        name,
        endpoint,
        failure,
        rotate: false,
        expected,
        page,
    };
    let json = "application/json";
    // A real, signed token, but for the data source rather than for us.
    let foreign_id_token = app.fake.mint().sign();
    vec![
        row("token_hangs", Endpoint::Token, Failure::Hang, 502, UNAVAILABLE),
        row("token_slower_than_timeout", Endpoint::Token, Failure::Delay(TIMEOUT * 4), 502, UNAVAILABLE),
        row("token_500", Endpoint::Token, Failure::Status(500), 502, UNAVAILABLE),
        row("token_503", Endpoint::Token, Failure::Status(503), 502, UNAVAILABLE),
        row("token_html_200", Endpoint::Token, body(200, "text/html", HTML), 502, UNAVAILABLE),
        row("token_html_500", Endpoint::Token, body(500, "text/html", HTML), 502, UNAVAILABLE),
        row("token_empty_200", Endpoint::Token, body(200, json, ""), 502, UNAVAILABLE),
        row("token_json_array_200", Endpoint::Token, body(200, json, "[]"), 502, UNAVAILABLE),
        row("token_without_id_token", Endpoint::Token, body(200, json, json!({"access_token": "opaque-4711", "token_type": "Bearer", "expires_in": 3600}).to_string()), 502, UNAVAILABLE),
        row("token_id_token_garbage", Endpoint::Token, body(200, json, json!({"access_token": "opaque-4711", "token_type": "Bearer", "id_token": "not.a.jwt"}).to_string()), 502, UNAVAILABLE),
        row("token_id_token_for_another_audience", Endpoint::Token, body(200, json, json!({"access_token": "opaque-4711", "token_type": "Bearer", "id_token": foreign_id_token}).to_string()), 502, UNAVAILABLE),
        row("token_access_token_not_a_string", Endpoint::Token, body(200, json, json!({"access_token": 4711, "token_type": "Bearer"}).to_string()), 502, UNAVAILABLE),
        row("token_invalid_client_401", Endpoint::Token, body(401, json, json!({"error": "invalid_client"}).to_string()), 502, UNAVAILABLE),
        // Not a provider fault: the code was refused. A 4xx "try again" page.
        row("token_invalid_grant_400", Endpoint::Token, body(400, json, json!({"error": "invalid_grant", "error_description": "secret-detail-4711"}).to_string()), 400, "Sign-in failed"),
        row("userinfo_500", Endpoint::Userinfo, Failure::Status(500), 502, UNAVAILABLE),
        row("userinfo_hangs", Endpoint::Userinfo, Failure::Hang, 502, UNAVAILABLE),
        row("userinfo_html_200", Endpoint::Userinfo, body(200, "text/html", HTML), 502, UNAVAILABLE),
        Row { rotate: true, ..row("jwks_500_with_new_signing_key", Endpoint::Jwks, Failure::Status(500), 503, UNAVAILABLE) },
        Row { rotate: true, ..row("jwks_hangs_with_new_signing_key", Endpoint::Jwks, Failure::Hang, 503, UNAVAILABLE) },
        Row { rotate: true, ..row("jwks_garbage_with_new_signing_key", Endpoint::Jwks, body(200, json, "{\"keys\": \"nope\"}"), 503, UNAVAILABLE) },
        // Discovery is read once at start-up: an outage later changes nothing.
        row("discovery_500_changes_nothing", Endpoint::Discovery, Failure::Status(500), 302, ""),
    ]
}

fn slow(failure: &Failure) -> bool {
    matches!(failure, Failure::Hang | Failure::Delay(_))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_under_provider_faults() {
    panics::install();
    let app = login_app().await;
    let alice = app.fake.users()[0].sub.clone();
    let rows = rows(&app);
    let mut matrix = Vec::new();
    for row in &rows {
        let browser = Browser::new();
        if row.rotate {
            app.fake.rotate_keys();
        }
        let callback = approved_callback(&browser, &app).await;
        app.fake.fail(row.endpoint, row.failure.clone());

        let started = Instant::now();
        let completing = {
            let browser = browser.clone();
            tokio::spawn(async move {
                let r = browser.get(&callback).await;
                let took = started.elapsed();
                (
                    r.status().as_u16(),
                    sets_session(&r),
                    r.text().await.unwrap_or_default(),
                    took,
                )
            })
        };
        // Meanwhile another user is served normally.
        let other = Browser::new();
        let home = other.get(&app.url("/")).await;
        let served_after = started.elapsed();
        assert_eq!(
            home.status(),
            200,
            "{}: other requests are served",
            row.name
        );
        assert_eq!(home.text().await.unwrap_or_default(), "anonymous");

        let (status, session, page, took) = completing.await.expect("the callback task");
        assert_eq!(status, row.expected, "{}: {page}", row.name);
        if row.expected >= 500 || row.expected == 400 {
            assert!(!session, "{}: no session on a failed callback", row.name);
            assert!(
                page.contains(row.page),
                "{}: page says {:?}: {page}",
                row.name,
                row.page
            );
            assert!(
                !page.contains("secret-detail-4711") && !page.contains("opaque-4711"),
                "{}: nothing from the provider is echoed",
                row.name
            );
            assert_eq!(
                me(&browser, &app).await.0,
                401,
                "{}: not signed in",
                row.name
            );
        }
        if slow(&row.failure) {
            assert!(
                served_after < took,
                "{}: / answered in {served_after:?}, before the callback gave up after {took:?}",
                row.name
            );
            assert!(
                took < TIMEOUT * 3,
                "{}: the callback gives up at the timeout, took {took:?}",
                row.name
            );
        }

        app.fake.clear_failure(row.endpoint);
        let again = Browser::new();
        let recovered = log_in(&again, &app).await;
        assert_eq!(
            recovered.status(),
            302,
            "{}: a new login works once the provider is back",
            row.name
        );
        assert!(sets_session(&recovered));
        assert_eq!(
            me(&again, &app).await,
            (200, alice.clone()),
            "{}: recovered session",
            row.name
        );
        matrix.push(format!("{}={status}", row.name));
        panics::report(&format!(
            "faults: login {:<38} -> {status} in {:>5} ms; other request served in {:>4} ms; recovered",
            row.name,
            took.as_millis(),
            served_after.as_millis()
        ));
    }
    panics::report(&format!(
        "faults: login rows={} [{}]",
        rows.len(),
        matrix.join(" ")
    ));
    panics::assert_none("login faults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_gone_entirely() {
    panics::install();
    let app = login_app().await;
    let browser = Browser::new();
    let callback = approved_callback(&browser, &app).await;
    app.fake.shutdown();
    let r = browser.get(&callback).await;
    let status = r.status().as_u16();
    assert!(!sets_session(&r));
    assert_eq!(status, 502);
    assert!(r.text().await.unwrap_or_default().contains(UNAVAILABLE));
    let other = Browser::new();
    assert_eq!(
        other.get(&app.url("/")).await.status(),
        200,
        "the app itself stays up"
    );
    let login = other.get(&app.url("/login")).await;
    assert_eq!(
        login.status(),
        302,
        "starting a login needs no provider call"
    );
    panics::report(&format!(
        "faults: login provider_shut_down -> {status}; app still serves /"
    ));
    panics::assert_none("provider gone");
}
