//! The exchanged-token cache: reuse, single-flight, the expiry margin, one entry per target.

use std::sync::Arc;
use std::time::Duration;

use feide_tower::exchange::TokenExchange;
use feide_tower::provider::Secret;
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure, FakeClient, FakeDatasource,
};

use crate::common::{TestClock, TestResult, claims, start, token_calls};

const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;

#[tokio::test(flavor = "multi_thread")]
async fn one_exchange_for_a_hundred_sequential_calls() -> TestResult {
    let (fake, provider) = start().await;
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    fake.reset_counts();

    let first = exchange.exchange(&subject).await?;
    for _ in 0..99 {
        let again = exchange.exchange(&subject).await?;
        assert!(Arc::ptr_eq(&first, &again));
    }
    // `bearer_for` and clones of the client share the cache.
    assert_eq!(
        exchange.clone().bearer_for(&subject).await?.expose(),
        first.expose()
    );
    assert_eq!(token_calls(&fake), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_calls_with_a_new_subject_share_one_exchange() -> TestResult {
    let (fake, provider) = start().await;
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    // A slow token endpoint: every caller arrives while the first exchange is in flight.
    fake.fail(Endpoint::Token, Failure::Delay(Duration::from_millis(300)));
    fake.reset_counts();

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let exchange = exchange.clone();
            let subject = subject.clone();
            tokio::spawn(async move { exchange.exchange(&subject).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await??);
    }
    assert_eq!(token_calls(&fake), 1);
    assert!(tokens.iter().all(|t| Arc::ptr_eq(t, &tokens[0])));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_token_is_replaced_once_less_than_the_margin_is_left() -> TestResult {
    let (fake, provider) = start().await;
    fake.set_access_token_lifetime(Duration::from_secs(600));
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let clock = TestClock::default();
    let exchange = TokenExchange::login_client(&provider, AUD)
        .margin(Duration::from_secs(60))
        .clock(clock.source())
        .build()?;
    fake.reset_counts();

    let first = exchange.exchange(&subject).await?;
    clock.advance(Duration::from_secs(535)); // 65 s left: still served from the cache
    assert!(Arc::ptr_eq(&first, &exchange.exchange(&subject).await?));
    assert_eq!(token_calls(&fake), 1);

    clock.advance(Duration::from_secs(10)); // 55 s left: inside the margin
    let second = exchange.exchange(&subject).await?;
    assert!(!Arc::ptr_eq(&first, &second));
    assert_ne!(first.expose(), second.expose());
    assert_eq!(token_calls(&fake), 2);

    // And the replacement is cached in turn.
    assert!(Arc::ptr_eq(&second, &exchange.exchange(&subject).await?));
    assert_eq!(token_calls(&fake), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_lives_no_longer_than_the_margin_is_not_cached() -> TestResult {
    let (fake, provider) = start().await;
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    fake.set_access_token_lifetime(Duration::from_secs(30));
    let exchange = TokenExchange::login_client(&provider, AUD)
        .margin(Duration::from_secs(60))
        .build()?;
    fake.reset_counts();
    for n in 1..=3 {
        let token = exchange.exchange(&subject).await?;
        assert!(token.expires_at().is_some());
        assert_eq!(token_calls(&fake), n);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn different_audiences_and_scopes_get_different_tokens() -> TestResult {
    let (fake, provider) = start().await;
    let other_aud = "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000002";
    fake.register_client(
        FakeClient::new("other-owner", "other-secret")
            .datasource(FakeDatasource::new(other_aud, &["read"])),
    );
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    let targets = [
        exchange.clone(),
        exchange.with_target(AUD, Some("readUser")),
        exchange.with_target(AUD, Some("writeUser")),
        exchange.with_target(other_aud, None),
    ];
    fake.reset_counts();

    let mut seen = Vec::new();
    for target in &targets {
        let token = target.exchange(&subject).await?;
        seen.push(claims(token.expose()));
        assert!(
            !seen[..seen.len() - 1]
                .iter()
                .any(|c| c["jti"] == seen[seen.len() - 1]["jti"])
        );
    }
    assert_eq!(token_calls(&fake), 4);
    assert_eq!(seen[0]["scope"], "readUser writeUser");
    assert_eq!(seen[1]["scope"], "readUser");
    assert_eq!(seen[2]["scope"], "writeUser");
    assert_eq!(seen[3]["aud"], other_aud);

    // Each is cached under its own key; a blank scope is the same target as none.
    for target in &targets {
        target.exchange(&subject).await?;
    }
    exchange
        .with_target(AUD, Some(" "))
        .exchange(&subject)
        .await?;
    assert_eq!(token_calls(&fake), 4);

    // Another user's token is another key.
    let bob = Secret::new(fake.issue_opaque_token(Some("bob"), DEFAULT_CLIENT_ID));
    let bobs = exchange.exchange(&bob).await?;
    assert_ne!(claims(bobs.expose())["sub"], seen[0]["sub"]);
    assert_eq!(token_calls(&fake), 5);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_not_cached_and_invalidate_forgets() -> TestResult {
    let (fake, provider) = start().await;
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    fake.fail(Endpoint::Token, Failure::Status(503));
    fake.reset_counts();
    let err = exchange
        .exchange(&subject)
        .await
        .expect_err("Feide is down");
    assert!(err.oauth_error().is_none());
    assert!(err.to_string().contains("503"), "{err}");
    fake.clear_failure(Endpoint::Token);
    let first = exchange.exchange(&subject).await?;
    assert_eq!(token_calls(&fake), 2);

    exchange.invalidate(&subject).await;
    let second = exchange.exchange(&subject).await?;
    assert!(!Arc::ptr_eq(&first, &second));
    assert_eq!(token_calls(&fake), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_token_endpoint_times_out_as_a_typed_error() -> TestResult {
    let (fake, _) = start().await;
    let provider = feide_tower::Provider::builder(fake.issuer())
        .client(
            DEFAULT_CLIENT_ID,
            feide_tower::testkit::DEFAULT_CLIENT_SECRET,
        )
        .timeout(Duration::from_millis(300))
        .build()
        .await?;
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    fake.fail(Endpoint::Token, Failure::Hang);
    let err = exchange
        .exchange(&Secret::new("whatever"))
        .await
        .expect_err("timeout");
    assert!(err.is_timeout(), "{err:?}");
    Ok(())
}
