//! Refresh, token exchange, client credentials and introspection sign their requests too.

use feide_tower::exchange::{ClientCredentialsSource, TokenExchange};
use feide_tower::introspection::Introspector;
use feide_tower::provider::{ClientAuthMethod, ClientKey, Secret};
use feide_tower::testkit::DEFAULT_DATASOURCE_AUDIENCE;
use integration_tests::browser::Browser;

use crate::common::{CLIENT_ID, assertion_of, fixture, start};

const API_AUD: &str = "https://api.example.org";

#[tokio::test]
async fn refresh_exchange_client_credentials_and_introspection_use_the_key() {
    let key = ClientKey::from_pkcs8_pem(&fixture("ec.pem"), "client-ec-1").unwrap();
    let app = start(key, |fake| {
        fake.enable_refresh_tokens(true);
        fake.enable_introspection(true);
        fake.set_introspection_audience(Some(API_AUD.to_owned()));
    })
    .await;
    let (fake, provider) = (&app.fake, &app.provider);
    assert_eq!(
        provider.client_auth_method(),
        ClientAuthMethod::PrivateKeyJwt
    );

    // A login, for a refresh token.
    let (_, response) = Browser::new().visit(&app.url("/me")).await;
    assert_eq!(response.status(), 200);
    let refresh_token = fake.live_refresh_tokens().pop().expect("a refresh token");
    fake.reset_counts();
    let before = fake.token_requests().len();

    // Refresh: whatever method is named, a key-holding client signs.
    let refreshed = provider
        .token_request(
            ClientAuthMethod::ClientSecretBasic,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ],
        )
        .await
        .expect("refresh with private_key_jwt");
    assert!(refreshed.refresh_token.is_some());

    // Token exchange (login client).
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), CLIENT_ID));
    let exchange = TokenExchange::login_client(provider, DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .unwrap();
    exchange.exchange(&subject).await.expect("token exchange");

    // Client credentials.
    let source = ClientCredentialsSource::builder(provider).build().unwrap();
    source.token().await.expect("client credentials");

    let sent = fake.token_requests();
    let grants: Vec<_> = sent[before..]
        .iter()
        .map(|r| {
            assert_eq!(r.auth_method, "private_key_jwt");
            assert_eq!(assertion_of(r).1["sub"], CLIENT_ID);
            r.field("grant_type").unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        grants,
        [
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:token-exchange",
            "client_credentials"
        ]
    );

    // Introspection (the fake refuses a request without valid client authentication).
    let introspector = Introspector::builder(provider)
        .audience(API_AUD)
        .build()
        .unwrap();
    let token = fake.issue_opaque_token(Some("alice"), CLIENT_ID);
    introspector
        .authorize_token(&token)
        .await
        .expect("introspection with private_key_jwt");
}

#[tokio::test]
async fn a_secret_client_asked_for_private_key_jwt_fails_closed() {
    let (fake, provider) = integration_tests::fake_and_provider().await;
    let source = ClientCredentialsSource::builder(&provider)
        .client(
            feide_tower::testkit::DEFAULT_CLIENT_ID,
            feide_tower::testkit::DEFAULT_CLIENT_SECRET,
        )
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .build()
        .unwrap();
    let err = source
        .token()
        .await
        .expect_err("no key, no private_key_jwt");
    assert!(err.to_string().contains("private key"), "{err}");
    assert!(fake.token_requests().is_empty(), "nothing sent");
    // And a provider that states private_key_jwt without a key does not start.
    let err = feide_tower::Provider::builder(fake.issuer())
        .client("x", "y")
        .client_auth_method(ClientAuthMethod::PrivateKeyJwt)
        .build()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");
}

#[tokio::test]
async fn a_layer_can_use_its_own_key_client_next_to_a_secret_provider() {
    let (fake, provider) = integration_tests::fake_and_provider().await;
    fake.register_client(feide_tower::testkit::FakeClient::private_key_jwt(
        "ds-client",
        crate::common::registered_jwks(),
    ));
    let key = ClientKey::from_jwk(&fixture("ec.jwk.json")).unwrap();
    let source = ClientCredentialsSource::builder(&provider)
        .client_private_key_jwt("ds-client", key)
        .build()
        .unwrap();
    source.token().await.expect("the layer's own key client");
    let sent = fake.token_requests();
    assert_eq!(sent[0].auth_method, "private_key_jwt");
    assert_eq!(sent[0].client_id.as_deref(), Some("ds-client"));
}
