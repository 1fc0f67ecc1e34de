//! Feide's APIs down or failing: 503 with Retry-After, never an allow; allowed again once they
//! answer.

use std::time::Duration;

use feide_tower::testkit::{Endpoint, Failure};

use super::harness::{Browser, Options, api, ds, sign_in, start, token};

#[tokio::test]
async fn a_failing_groups_api_gives_503_and_no_allow() {
    let app = start(Options::default()).await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    for failure in [
        Failure::Status(500),
        Failure::Status(401),
        Failure::Body {
            status: 200,
            content_type: "application/json".into(),
            body: "{\"not\": \"groups\"}".into(),
        },
    ] {
        app.fake.fail(Endpoint::Groups, failure.clone());
        // bob would be let in: an unavailable API is never an allow.
        let (status, body) = api(&app, &browser, "/staff").await;
        assert_eq!(status, 503, "{failure:?}");
        assert_eq!(body["error"], "temporarily_unavailable");
        let response = browser.get(&app.url("/course")).await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "5");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    // A failure is not kept: once the API answers, bob is let in.
    app.fake.clear_failure(Endpoint::Groups);
    assert_eq!(api(&app, &browser, "/staff").await.0, 200);
}

#[tokio::test]
async fn a_hanging_extended_userinfo_times_out_to_503() {
    let app = start(Options::default()).await;
    let browser = Browser::new();
    sign_in(&app, &browser, "bob").await;
    app.fake.fail(Endpoint::ExtendedUserinfo, Failure::Hang);
    let started = std::time::Instant::now();
    let (status, _) = api(&app, &browser, "/staff").await;
    assert_eq!(status, 503);
    // The provider's timeout (2 s in the harness), not for ever.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn data_sources_answer_503_when_the_exchange_or_the_apis_fail() {
    let app = start(Options::default()).await;
    let bob = token(&app, "bob");
    app.fake.fail(Endpoint::Token, Failure::Status(500));
    let (status, headers, body) = ds(&app, &bob, "/staff").await;
    assert_eq!(status, 503);
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(body["error"], "temporarily_unavailable");
    app.fake.clear_failure(Endpoint::Token);
    app.fake.fail(Endpoint::Groups, Failure::Status(502));
    assert_eq!(ds(&app, &bob, "/staff").await.0, 503);
    app.fake.clear_failure(Endpoint::Groups);
    assert_eq!(ds(&app, &bob, "/staff").await.0, 200);
}
