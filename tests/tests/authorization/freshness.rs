//! The facts are kept for the freshness window: a user whose affiliations or groups change is
//! re-evaluated after it, and not before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use feide_tower::store::MemoryStore;
use feide_tower::testkit::{Endpoint, FakeUser};
use integration_tests::eventually;

use super::harness::{Browser, Options, Sessions, api, sign_in, start};

const WINDOW: Duration = Duration::from_secs(2);

async fn re_evaluated_after_the_window(sessions: Sessions) {
    let app = start(Options {
        sessions,
        freshness: WINDOW,
        ..Options::default()
    })
    .await;
    let browser = Browser::new();
    sign_in(&app, &browser, "alice").await;
    assert_eq!(api(&app, &browser, "/staff").await.0, 403);
    let fetched = Instant::now();
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);

    // Alice becomes an employee.
    app.fake.add_user(
        FakeUser::new("alice", "Alice Student").affiliation("employee", &["member", "employee"]),
    );
    // Within the window: the kept facts decide, Feide is not asked again.
    assert_eq!(api(&app, &browser, "/staff").await.0, 403);
    assert!(
        fetched.elapsed() < WINDOW,
        "the check ran within the window"
    );
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);

    // After it: fetched again, and let in.
    let app_ref = &app;
    let browser_ref = &browser;
    assert!(
        eventually(Duration::from_secs(10), || async move {
            api(app_ref, browser_ref, "/staff").await.0 == 200
        })
        .await,
        "re-evaluated after the freshness window"
    );
    assert!(fetched.elapsed() >= WINDOW - Duration::from_millis(100));
    assert!(app.fake.requests(Endpoint::Groups) >= 2);
}

#[tokio::test]
async fn cookie_sessions_are_re_evaluated_after_the_freshness_window() {
    re_evaluated_after_the_window(Sessions::Cookie).await;
}

#[tokio::test]
async fn stored_sessions_are_re_evaluated_after_the_freshness_window() {
    re_evaluated_after_the_window(Sessions::Store(Arc::new(MemoryStore::default()))).await;
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let app = start(Options::default()).await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    // Slow APIs, so that the requests overlap.
    app.fake.fail(
        Endpoint::Groups,
        feide_tower::testkit::Failure::Delay(Duration::from_millis(300)),
    );
    let requests = (0..8).map(|_| api(&app, &browser, "/staff"));
    let answers = futures_util::future::join_all(requests).await;
    assert!(answers.iter().all(|(status, _)| *status == 200));
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);
    assert_eq!(app.fake.requests(Endpoint::ExtendedUserinfo), 1);
}
