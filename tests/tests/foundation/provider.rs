//! Discovery against FakeFeide over real HTTP: happy path, issuer mismatch, provider down.

use std::time::{Duration, Instant};

use feide_tower::Provider;
use feide_tower::provider::ProviderError;
use feide_tower::testkit::{Endpoint, Failure, FakeFeide};

#[tokio::test(flavor = "multi_thread")]
async fn discovery_finds_every_endpoint_and_fetches_keys_once() {
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer()).build().await.unwrap();
    let m = provider.metadata();
    assert_eq!(m.issuer, fake.issuer());
    assert_eq!(
        m.authorization_endpoint.as_deref(),
        Some(&*fake.url("/oauth/authorization"))
    );
    assert_eq!(
        m.token_endpoint.as_deref(),
        Some(&*fake.url("/oauth/token"))
    );
    assert_eq!(
        m.userinfo_endpoint.as_deref(),
        Some(&*fake.url("/openid/userinfo"))
    );
    assert_eq!(
        m.end_session_endpoint.as_deref(),
        Some(&*fake.url("/openid/endsession"))
    );
    assert_eq!(m.jwks_uri, fake.url("/openid/jwks"));
    assert_eq!(fake.requests(Endpoint::Discovery), 1);
    assert_eq!(fake.requests(Endpoint::Jwks), 1);
    assert_eq!(provider.jwks().kids(), vec![fake.signing_kid()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_with_another_issuer_is_refused_naming_both() {
    let fake = FakeFeide::start().await.unwrap();
    fake.set_discovery_issuer(Some("https://evil.example".into()));
    let err = Provider::builder(fake.issuer()).build().await.unwrap_err();
    assert!(
        matches!(err, ProviderError::IssuerMismatch { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("https://evil.example") && text.contains(&fake.issuer()),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trailing_slash_is_a_different_issuer() {
    let fake = FakeFeide::start().await.unwrap();
    let err = Provider::builder(format!("{}/", fake.issuer()))
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::IssuerMismatch { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_down_at_start_up_is_a_clear_error() {
    // A port nobody listens on: bind, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Provider::builder(format!("http://127.0.0.1:{port}"))
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Unreachable {
                what: "discovery document",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")));
}

#[tokio::test(flavor = "multi_thread")]
async fn hanging_provider_fails_within_the_timeout() {
    let fake = FakeFeide::start().await.unwrap();
    fake.fail(Endpoint::Discovery, Failure::Hang);
    let started = Instant::now();
    let err = Provider::builder(fake.issuer())
        .timeout(Duration::from_millis(300))
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_errors_are_typed() {
    let fake = FakeFeide::start().await.unwrap();
    fake.fail(Endpoint::Discovery, Failure::Status(500));
    let err = Provider::builder(fake.issuer()).build().await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Status { status: 500, .. }),
        "{err:?}"
    );

    fake.fail(
        Endpoint::Discovery,
        Failure::Body {
            status: 200,
            content_type: "text/html".into(),
            body: "<html>hi</html>".into(),
        },
    );
    let err = Provider::builder(fake.issuer()).build().await.unwrap_err();
    assert!(
        matches!(err, ProviderError::InvalidDocument { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_discovery_the_endpoints_come_from_configuration() {
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer())
        .discovery(false)
        .jwks_uri(fake.url("/openid/jwks"))
        .token_endpoint(fake.url("/oauth/token"))
        .build()
        .await
        .unwrap();
    assert_eq!(fake.requests(Endpoint::Discovery), 0);
    assert_eq!(
        provider.metadata().token_endpoint.as_deref(),
        Some(&*fake.url("/oauth/token"))
    );
    assert_eq!(provider.jwks().kids().len(), 1);

    let err = Provider::builder(fake.issuer())
        .discovery(false)
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Config(_)), "{err:?}");
}
