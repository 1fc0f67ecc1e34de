//! The provider's keys: rotation, and outages with a warm or a cold key cache.

use std::time::Duration;

use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::testkit::{Endpoint, Failure, FakeFeide};
use integration_tests::fake_and_provider;

use crate::common::{AUD, REALM, Stack, challenge, get_bearer, protected};

#[tokio::test(flavor = "multi_thread")]
async fn after_a_key_rotation_new_tokens_are_accepted_after_one_jwks_refresh() {
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    assert_eq!(get_bearer(&url, &fake.mint().sign()).await.status, 200);
    let fetches = fake.requests(Endpoint::Jwks);

    fake.rotate_keys();
    for user in ["alice", "bob", "carol"] {
        let token = fake.access_token_for(user, AUD, "openid");
        let reply = get_bearer(&url, &token).await;
        assert_eq!(reply.status, 200, "{user}: {reply:?}");
    }
    assert_eq!(
        fake.requests(Endpoint::Jwks),
        fetches + 1,
        "one refresh for the new kid"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn jwks_down_with_a_warm_key_cache_still_answers_200() {
    let (fake, provider) = fake_and_provider().await;
    // No verified-token cache: every request really checks the signature with the cached key.
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .cache(false)
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Hyper, layer).await);
    fake.fail(Endpoint::Jwks, Failure::Status(500));
    for _ in 0..3 {
        let reply = get_bearer(&url, &fake.mint().sign()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn jwks_down_with_a_cold_key_cache_is_503_never_an_allow() {
    let fake = FakeFeide::start().await.unwrap();
    fake.fail(Endpoint::Jwks, Failure::Status(503));
    let provider = Provider::builder(fake.issuer())
        .jwks_cooldown(Duration::ZERO)
        .build()
        .await
        .unwrap();
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .build()
        .unwrap();
    for stack in [Stack::Axum, Stack::Hyper] {
        let url = format!("{}/me", protected(stack, layer.clone()).await);
        let token = fake.mint().sign();
        let reply = get_bearer(&url, &token).await;
        assert_eq!(reply.status, 503, "{stack:?}: {reply:?}");
        assert_eq!(reply.retry_after.as_deref(), Some("5"));
        assert_eq!(reply.www_authenticate, None);
        assert_eq!(reply.body["error"], "temporarily_unavailable");
        reply.assert_error_body();
        assert!(!reply.raw_body.contains(&token));

        // A bad token is still a bad token: only a verifiable one waits for the keys.
        get_bearer(&url, "garbage")
            .await
            .assert_refusal(401, &challenge::invalid_token(), &[]);
    }

    fake.clear_failure(Endpoint::Jwks);
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    let reply = get_bearer(&url, &fake.mint().sign()).await;
    assert_eq!(
        reply.status, 200,
        "recovers once the JWKS is back: {reply:?}"
    );
}
