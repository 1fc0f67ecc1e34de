//! The JWKS cache against FakeFeide: single-flight on rotation, cooldown against random kids,
//! the last good key set kept while the provider is down, and a cold cache that fails closed.

use std::time::Duration;

use feide_tower::Provider;
use feide_tower::testkit::{Endpoint, Failure, FakeFeide};
use feide_tower::token::{TokenError, Validator};
use integration_tests::{fake_and_provider, now, raw_token};
use serde_json::json;

const AUD: &str = "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001";

fn validator(provider: &Provider) -> Validator {
    Validator::for_provider(provider)
        .audience(AUD)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_requests_with_a_new_kid_cause_exactly_one_fetch() {
    let (fake, provider) = fake_and_provider().await;
    let validator = validator(&provider);
    assert_eq!(fake.requests(Endpoint::Jwks), 1);

    let new_kid = fake.rotate_keys();
    let token = fake.mint().sign();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (v, t) = (validator.clone(), token.clone());
            tokio::spawn(async move { v.validate(&t).await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("a token signed with the rotated key validates");
    }
    assert_eq!(
        fake.requests(Endpoint::Jwks),
        2,
        "50 concurrent misses share one refresh"
    );
    assert_eq!(provider.jwks().kids(), vec![new_kid]);
    assert_eq!(provider.jwks().fetch_count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn random_unknown_kids_inside_the_cooldown_cause_at_most_one_fetch() {
    let (fake, provider) = fake_and_provider().await;
    let validator = validator(&provider);
    let claims = json!({"iss": fake.issuer(), "aud": AUD, "exp": now() + 600});
    let mut refused = 0;
    for i in 0..1000 {
        let header = json!({"alg": "RS256", "kid": format!("attacker-{i}")});
        let token = raw_token(&header, &claims, b"not a signature");
        match validator.validate(&token).await {
            Err(TokenError::UnknownKeyId) => refused += 1,
            other => panic!("token {i}: {other:?}"),
        }
    }
    assert_eq!(refused, 1000);
    assert!(
        fake.requests(Endpoint::Jwks) <= 2,
        "fetches: {}",
        fake.requests(Endpoint::Jwks)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn jwks_down_keeps_the_cached_keys() {
    let (fake, provider) = fake_and_provider().await;
    let validator = validator(&provider);
    fake.fail(Endpoint::Jwks, Failure::Status(500));
    let token = fake.mint().sign();
    validator
        .validate(&token)
        .await
        .expect("cached key still validates");

    // An unknown kid now triggers a refresh that fails: the answer is "try later", not "invalid".
    let claims = json!({"iss": fake.issuer(), "aud": AUD, "exp": now() + 600});
    let unknown = raw_token(&json!({"alg": "RS256", "kid": "new-key"}), &claims, b"x");
    assert_eq!(
        validator.validate(&unknown).await,
        Err(TokenError::KeysUnavailable)
    );
    // ...and the cached key still works after the failed refresh.
    validator
        .validate(&token)
        .await
        .expect("still valid after a failed refresh");
}

#[tokio::test(flavor = "multi_thread")]
async fn cold_cache_with_jwks_down_fails_closed_then_recovers() {
    let fake = FakeFeide::start().await.unwrap();
    fake.fail(Endpoint::Jwks, Failure::Status(503));
    let provider = Provider::builder(fake.issuer())
        .jwks_cooldown(Duration::ZERO)
        .build()
        .await
        .expect("a JWKS outage at start-up is not fatal");
    let validator = validator(&provider);
    let token = fake.mint().sign();
    assert_eq!(
        validator.validate(&token).await,
        Err(TokenError::KeysUnavailable)
    );

    fake.clear_failure(Endpoint::Jwks);
    validator
        .validate(&token)
        .await
        .expect("recovers once the JWKS is back");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_key_set_does_not_replace_good_keys() {
    let (fake, provider) = fake_and_provider().await;
    let validator = validator(&provider);
    fake.fail(
        Endpoint::Jwks,
        Failure::Body {
            status: 200,
            content_type: "application/json".into(),
            body: r#"{"keys":[]}"#.into(),
        },
    );
    provider.jwks().refresh_now().await.unwrap_err();
    validator
        .validate(&fake.mint().sign())
        .await
        .expect("old keys kept");
}
