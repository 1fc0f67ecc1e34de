//! Client credentials: the form, caching, early renewal, single-flight, the outgoing layer.

use std::sync::Arc;
use std::time::Duration;

use feide_tower::apis::{self, ApiError};
use feide_tower::exchange::ClientCredentialsSource;
use feide_tower::provider::{ClientAuthMethod, ClientCredentials};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_CLIENT_ID,
    DEFAULT_DATASOURCE_CLIENT_SECRET, Endpoint, Failure,
};
use http::StatusCode;
use tower::{ServiceBuilder, ServiceExt};

use crate::common::{
    Downstream, ReqwestService, TestClock, TestResult, empty, form, start, token_calls,
};

#[tokio::test(flavor = "multi_thread")]
async fn sends_client_credentials_and_caches_the_token() -> TestResult {
    let (fake, provider) = start().await;
    let source = ClientCredentialsSource::builder(&provider)
        .scope("gk_system")
        .build()?;
    fake.reset_counts();

    let first = source.token().await?;
    for _ in 0..20 {
        assert!(Arc::ptr_eq(&first, &source.token().await?));
    }
    let sent = fake.token_requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].auth_method, "client_secret_basic");
    assert_eq!(sent[0].client_id.as_deref(), Some(DEFAULT_CLIENT_ID));
    assert_eq!(
        form(&sent[0]),
        [("grant_type", "client_credentials"), ("scope", "gk_system")]
    );
    assert_eq!(first.scope(), Some("gk_system"));

    // A token without a user: Feide's user APIs refuse it with 403, typed.
    let err = apis::groups(&provider, &first.access_token())
        .await
        .expect_err("no user");
    assert!(matches!(err, ApiError::Forbidden), "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn new_with_another_client_and_client_secret_post() -> TestResult {
    let (fake, provider) = start().await;
    let source = ClientCredentialsSource::builder(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .auth_method(ClientAuthMethod::ClientSecretPost)
        .build()?;
    fake.reset_counts();
    source.bearer().await?;
    let sent = &fake.token_requests()[0];
    assert_eq!(sent.auth_method, "client_secret_post");
    assert_eq!(
        form(sent),
        [
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_DATASOURCE_CLIENT_ID),
            ("client_secret", "<redacted>"),
        ]
    );

    let plain = ClientCredentialsSource::new(
        &provider,
        ClientCredentials::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        Some(" "),
    );
    plain.token().await?;
    assert!(fake.token_requests()[1].field("scope").is_none());

    let wrong = ClientCredentialsSource::builder(&provider)
        .client(DEFAULT_CLIENT_ID, "WRONG-secret-77")
        .build()?;
    let err = wrong.token().await.expect_err("bad secret");
    assert!(matches!(
        err.oauth_error(),
        Some(feide_tower::provider::OAuthErrorCode::InvalidClient)
    ));
    assert!(!format!("{err} {err:?}").contains("WRONG-secret-77"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_first_calls_share_one_request() -> TestResult {
    let (fake, provider) = start().await;
    let source = ClientCredentialsSource::builder(&provider).build()?;
    fake.fail(Endpoint::Token, Failure::Delay(Duration::from_millis(300)));
    fake.reset_counts();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.token().await })
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
async fn the_token_is_renewed_before_it_expires() -> TestResult {
    let (fake, provider) = start().await;
    fake.set_access_token_lifetime(Duration::from_secs(600));
    let clock = TestClock::default();
    let source = ClientCredentialsSource::builder(&provider)
        .margin(Duration::from_secs(60))
        .clock(clock.source())
        .build()?;
    fake.reset_counts();

    let first = source.token().await?;
    let expires = first.expires_at().expect("expires_in was sent");
    clock.advance(Duration::from_secs(535)); // 65 s left
    assert!(Arc::ptr_eq(&first, &source.token().await?));
    assert_eq!(token_calls(&fake), 1);

    clock.advance(Duration::from_secs(10)); // 55 s left: renewed now, while still valid
    assert!(clock.now() < expires);
    let second = source.token().await?;
    assert_ne!(first.expose(), second.expose());
    assert_eq!(token_calls(&fake), 2);
    assert!(Arc::ptr_eq(&second, &source.token().await?));
    assert_eq!(token_calls(&fake), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_early_renewal_keeps_the_valid_token_until_it_expires() -> TestResult {
    let (fake, provider) = start().await;
    fake.set_access_token_lifetime(Duration::from_secs(600));
    let clock = TestClock::default();
    let source = ClientCredentialsSource::builder(&provider)
        .clock(clock.source())
        .build()?;
    let first = source.token().await?;
    fake.fail(Endpoint::Token, Failure::Status(500));
    fake.reset_counts();

    clock.advance(Duration::from_secs(550)); // inside the default 60 s margin
    assert!(Arc::ptr_eq(&first, &source.token().await?));
    assert_eq!(token_calls(&fake), 1, "renewal was tried");
    assert!(Arc::ptr_eq(&first, &source.token().await?));
    assert_eq!(token_calls(&fake), 1, "and not again within the back-off");

    clock.advance(Duration::from_secs(6)); // back-off over: tried again, still failing
    assert!(Arc::ptr_eq(&first, &source.token().await?));
    assert_eq!(token_calls(&fake), 2);

    clock.advance(Duration::from_secs(60)); // expired: now it is an error
    assert!(source.token().await.is_err());

    fake.clear_failure(Endpoint::Token);
    let renewed = source.token().await?;
    assert_ne!(renewed.expose(), first.expose());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_layer_sets_the_client_token_and_retries_a_401_once() -> TestResult {
    let (fake, provider) = start().await;
    let source = ClientCredentialsSource::builder(&provider)
        .scope("gk_system")
        .build()?;
    let downstream = Downstream::start().await;
    let client = ServiceBuilder::new()
        .layer(source.layer())
        .service(ReqwestService::new());
    fake.reset_counts();

    let request = || {
        http::Request::get(downstream.url("/status"))
            .body(empty())
            .unwrap()
    };
    let response = client.clone().oneshot(request()).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let token = source.token().await?;
    assert_eq!(
        downstream.seen()[0].as_deref(),
        Some(format!("Bearer {}", token.expose()).as_str())
    );

    downstream.unauthorized(1);
    let response = client.clone().oneshot(request()).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let seen = downstream.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0], seen[1]);
    assert_ne!(seen[1], seen[2]);
    assert_eq!(token_calls(&fake), 2);

    // No retry: the 401 is the answer, the next request has a new token.
    downstream.unauthorized(1);
    let once = ServiceBuilder::new()
        .layer(source.layer().no_retry())
        .service(ReqwestService::new());
    let response = once.clone().oneshot(request()).await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    once.oneshot(request()).await?;
    let seen = downstream.seen();
    assert_eq!(seen.len(), 5);
    assert_ne!(seen[3], seen[4]);
    assert_eq!(token_calls(&fake), 3);
    Ok(())
}
