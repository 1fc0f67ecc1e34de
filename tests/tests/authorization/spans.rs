//! One `feide.authorization` span per guard decision, with the fields every layer's decision
//! span has (`outcome`, `reason`, `cache`), and nothing personal in the captured output.

use integration_tests::logs::{assert_span, capture_logs, logs};

use super::harness::{Browser, Options, api, ds, sign_in, start, token};

#[tokio::test]
async fn each_guard_decision_has_one_span_with_outcome_reason_and_cache() {
    capture_logs();
    let app = start(Options::default()).await;
    let bob = Browser::new();
    sign_in(&app, &bob, "bob").await;
    assert_eq!(api(&app, &bob, "/staff").await.0, 200);
    assert_eq!(api(&app, &bob, "/staff").await.0, 200);
    let alice = Browser::new();
    sign_in(&app, &alice, "alice").await;
    assert_eq!(api(&app, &alice, "/staff").await.0, 403);
    assert_eq!(api(&app, &Browser::new(), "/staff").await.0, 401);
    let caller = token(&app, "alice");
    assert_eq!(ds(&app, &caller, "/staff").await.0, 403);

    let text = logs();
    assert_span(
        &text,
        "feide.authorization",
        &["outcome=allowed", "cache=miss"],
    );
    assert_span(
        &text,
        "feide.authorization",
        &["outcome=allowed", "cache=hit"],
    );
    assert_span(
        &text,
        "feide.authorization",
        &["outcome=forbidden", "reason=affiliation"],
    );
    assert_span(&text, "feide.authorization", &["outcome=login_required"]);
    // The facts (affiliations, realm, names) never reach a log line, nor the caller's token.
    for secret in [
        "Bob Teacher",
        "Alice Student",
        "test.feide.no",
        caller.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the logs");
    }
}
