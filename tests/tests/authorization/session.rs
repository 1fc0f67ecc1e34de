//! Session guards: each rule for each test user, with cookie, MemoryStore and Redis sessions;
//! the answers browsers and API callers get.

use std::sync::Arc;
use std::time::Duration;

use feide_tower::store::{MemoryStore, RedisStore};
use feide_tower::testkit::Endpoint;
use integration_tests::redis::RedisServer;

use super::harness::{App, Browser, Options, Sessions, allowed, api, location, sign_in, start};

/// What each user may enter (the routes of `harness::rules`).
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "alice",
        &[
            "/primary-student",
            "/realm",
            "/org",
            "/course",
            "/emne",
            "/combo",
        ],
    ),
    (
        "bob",
        &[
            "/staff",
            "/realm",
            "/org",
            "/course",
            "/course-admin",
            "/fs-teacher",
            "/emne",
        ],
    ),
    ("olga", &["/staff", "/combo"]),
    ("dora", &["/realm", "/org", "/orgnr", "/adhoc"]),
];

async fn every_rule_for_every_user(app: &App) {
    for (user, expected) in EXPECTED {
        let browser = Browser::new();
        sign_in(app, &browser, user).await;
        let got = allowed(|path| {
            let browser = browser.clone();
            async move { api(app, &browser, path).await.0 }
        })
        .await;
        assert_eq!(&got, expected, "{user}");
    }
}

#[tokio::test]
async fn cookie_sessions_each_rule_allows_and_refuses() {
    let app = start(Options::default()).await;
    every_rule_for_every_user(&app).await;
}

#[tokio::test]
async fn memory_store_sessions_each_rule_allows_and_refuses() {
    let store = Arc::new(MemoryStore::default());
    let app = start(Options {
        sessions: Sessions::Store(store),
        ..Options::default()
    })
    .await;
    assert!(app.login.stores_sessions());
    every_rule_for_every_user(&app).await;
}

#[tokio::test]
async fn redis_sessions_keep_the_facts_beside_the_session() {
    let redis = RedisServer::start();
    let store = RedisStore::builder(redis.url()).build().unwrap();
    let app = start(Options {
        sessions: Sessions::Store(Arc::new(store)),
        ..Options::default()
    })
    .await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    assert_eq!(api(&app, &browser, "/staff").await.0, 200);
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);
    // The facts are a record of their own, sealed: nothing about bob is readable in Redis.
    let keys = integration_tests::redis::text(&redis.command(&["KEYS", "*"]).unwrap());
    assert!(
        !keys.contains("bob") && !keys.contains("employee"),
        "{keys}"
    );
    // Kept with the session: another route's guard finds them in the store, not at Feide.
    assert_eq!(api(&app, &browser, "/course-owner").await.0, 403);
    assert_eq!(api(&app, &browser, "/staff").await.0, 200);
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);
    assert_eq!(app.fake.requests(Endpoint::ExtendedUserinfo), 1);
}

/// Stored facts are read from the store once per window and replica, not on every request:
/// with Redis gone after the first guarded request, the next ones are still decided (from the
/// session's and the facts' in-process copies) while both last. Before, every guarded request
/// read the facts record from the store, and this answered 503.
#[tokio::test]
async fn stored_facts_are_read_once_per_window_not_per_request() {
    let mut redis = RedisServer::start();
    let store = RedisStore::builder(redis.url()).build().unwrap();
    let app = start(Options {
        sessions: Sessions::Store(Arc::new(store)),
        revocation_bound: Some(Duration::from_secs(3600)),
        ..Options::default()
    })
    .await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    assert_eq!(api(&app, &browser, "/staff").await.0, 200);
    // Each guard keeps its own copy: the second route's guard reads the record once too.
    assert_eq!(api(&app, &browser, "/course-owner").await.0, 403);
    redis.stop();
    for _ in 0..3 {
        assert_eq!(api(&app, &browser, "/staff").await.0, 200);
        assert_eq!(api(&app, &browser, "/course-owner").await.0, 403);
    }
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);
}

#[tokio::test]
async fn facts_reach_the_handler_and_the_extractor_refuses_unguarded_routes() {
    let app = start(Options::default()).await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    let (status, facts) = api(&app, &browser, "/staff").await;
    assert_eq!(status, 200);
    assert_eq!(
        facts["affiliations"],
        serde_json::json!(["member", "employee", "faculty"])
    );
    assert_eq!(facts["primary"], "faculty");
    assert_eq!(facts["realm"], "test.feide.no");
    assert_eq!(facts["groups"], 2);
    assert_eq!(facts["mfa"], "No");
    let (status, body) = api(&app, &browser, "/unguarded").await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "server_error");
}

#[tokio::test]
async fn browsers_get_an_html_403_and_api_callers_json_naming_only_the_requirement() {
    let app = start(Options::default()).await;
    let browser = Browser::new();
    sign_in(&app, &browser, "alice").await;
    let page = browser.get(&app.url("/staff")).await;
    assert_eq!(page.status(), 403);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Access denied") && html.contains("(affiliation)"),
        "{html}"
    );
    assert!(
        !html.contains("alice") && !html.contains("student"),
        "{html}"
    );

    let (status, body) = api(&app, &browser, "/staff").await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "forbidden");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains("affiliation"), "{description}");
    assert_eq!(
        api(&app, &browser, "/mfa").await.1["error_description"]
            .as_str()
            .map(|d| d.contains("mfa")),
        Some(true)
    );
    assert!(
        api(&app, &browser, "/orgnr").await.1["error_description"]
            .as_str()
            .unwrap()
            .contains("organization")
    );
    assert!(
        api(&app, &browser, "/fs-teacher").await.1["error_description"]
            .as_str()
            .unwrap()
            .contains("group_type")
    );
}

#[tokio::test]
async fn without_a_session_the_answer_is_require_logins() {
    let app = start(Options::default()).await;
    let browser = Browser::new();
    let page = browser.get(&app.url("/staff?x=1")).await;
    assert_eq!(page.status(), 302);
    assert_eq!(
        location(&page),
        app.url("/login?return_to=%2Fstaff%3Fx%3D1")
    );
    let (status, body) = api(&app, &browser, "/staff").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "login_required");
    // Nothing asked of Feide's APIs for a request without a user.
    assert_eq!(app.fake.requests(Endpoint::Groups), 0);
}

#[tokio::test]
async fn mfa_sessions_meet_the_mfa_rule() {
    let app = start(Options {
        mfa: true,
        ..Options::default()
    })
    .await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    let (status, facts) = api(&app, &browser, "/staff-mfa").await;
    assert_eq!(status, 200, "{facts}");
    assert_eq!(facts["mfa"], "Yes");
    let browser = Browser::new();
    sign_in(&app, &browser, "alice").await;
    assert_eq!(api(&app, &browser, "/mfa").await.0, 200);
    // MFA, but not an employee: the failed requirement is the affiliation.
    let (status, body) = api(&app, &browser, "/staff-mfa").await;
    assert_eq!(status, 403);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("affiliation")
    );
}

#[tokio::test]
async fn the_logins_renderer_writes_the_bodies_of_403_and_503() {
    let app = start(Options {
        render: true,
        ..Options::default()
    })
    .await;
    let browser = Browser::new();
    sign_in(&app, &browser, "alice").await;
    let page = browser.get(&app.url("/staff")).await;
    assert_eq!(page.status(), 403);
    assert_eq!(page.headers()["content-type"], "text/plain");
    assert_eq!(page.text().await.unwrap(), "custom authorization 403");
    app.fake
        .fail(Endpoint::Groups, feide_tower::testkit::Failure::Status(500));
    let page = browser.get(&app.url("/realm")).await;
    assert_eq!(page.status(), 503);
    // The status and Retry-After stay ours.
    assert_eq!(page.headers()["retry-after"], "5");
    assert_eq!(page.text().await.unwrap(), "custom authorization 503");
}
