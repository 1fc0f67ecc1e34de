//! The verified-token cache over HTTP: expiry is still enforced on hits, and its documented limit
//! (a withdrawn key does not evict verified tokens) is bounded by the maximum entry lifetime.

use std::time::Duration;

use feide_tower::bearer::BearerJwtLayer;
use feide_tower::testkit::Endpoint;
use integration_tests::{eventually, fake_and_provider, now};

use crate::common::{AUD, REALM, Stack, challenge, get_bearer, protected};

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_refused_even_if_cached() {
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .leeway(Duration::ZERO)
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    let exp = now() + 2;
    let token = fake.mint().claim("exp", exp).sign();
    assert_eq!(
        get_bearer(&url, &token).await.status,
        200,
        "fresh: verified and cached"
    );

    let refused = eventually(Duration::from_secs(10), || {
        let (url, token) = (url.clone(), token.clone());
        let before = now();
        async move {
            let reply = get_bearer(&url, &token).await;
            if reply.status == 200 {
                assert!(before <= exp, "accepted at {before}, after exp {exp}");
                return false;
            }
            reply.assert_refusal(401, &challenge::expired(), &[&token]);
            true
        }
    })
    .await;
    assert!(refused, "the cached token must be refused once expired");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawn_key_keeps_verified_tokens_only_for_the_cache_lifetime() {
    let (fake, provider) = fake_and_provider().await;
    let builder = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM);
    let no_cache = format!(
        "{}/me",
        protected(Stack::Axum, builder.clone().cache(false).build().unwrap()).await
    );
    let cached = format!(
        "{}/me",
        protected(Stack::Axum, builder.clone().build().unwrap()).await
    );
    let short = format!(
        "{}/me",
        protected(
            Stack::Axum,
            builder
                .cache_max_lifetime(Duration::from_secs(1))
                .build()
                .unwrap()
        )
        .await
    );
    let token = fake.mint().sign();
    for url in [&no_cache, &cached, &short] {
        assert_eq!(get_bearer(url, &token).await.status, 200);
    }

    // The provider withdraws the key that signed the token.
    fake.publish_keys(&["fake-rsa-2"]);
    provider.jwks().refresh_now().await.unwrap();
    let fetches = fake.requests(Endpoint::Jwks);

    get_bearer(&no_cache, &token)
        .await
        .assert_refusal(401, &challenge::invalid_token(), &[&token]);
    // Served from the cache without touching the signature: the documented trade-off.
    assert_eq!(get_bearer(&cached, &token).await.status, 200);
    assert!(
        fake.requests(Endpoint::Jwks) <= fetches + 1,
        "the cached answer needs no key"
    );
    // ...which `cache_max_lifetime` bounds.
    let expired_from_cache = eventually(Duration::from_secs(10), || {
        let (url, token) = (short.clone(), token.clone());
        async move { get_bearer(&url, &token).await.status == 401 }
    })
    .await;
    assert!(
        expired_from_cache,
        "the entry ends after its maximum lifetime"
    );
}
