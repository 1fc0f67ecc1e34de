//! Logins end to end with every kind of key; a wrong key; `Debug` and logs.

use feide_tower::provider::ClientKey;
use integration_tests::browser::Browser;

use crate::common::{CLIENT_ID, all_keys, assertion_of, fixture, logs, private_d, start};

#[tokio::test]
async fn login_end_to_end_with_rs256_ps256_es256_from_jwk_and_pem() {
    for (label, key) in all_keys() {
        let alg = key.algorithm().as_str();
        let kid = key.kid().to_owned();
        let app = start(key, |_| {}).await;
        let browser = Browser::new();
        let (_, response) = browser.visit(&app.url("/me")).await;
        assert_eq!(response.status(), 200, "{label}");
        assert!(
            response.text().await.unwrap().starts_with("hello "),
            "{label}"
        );

        let sent = app.fake.token_requests();
        let sent = sent.last().unwrap();
        assert_eq!(sent.auth_method, "private_key_jwt", "{label}");
        assert_eq!(sent.field("client_id"), Some(CLIENT_ID));
        assert!(sent.field("client_secret").is_none(), "{label}");
        assert_eq!(
            sent.field("client_assertion_type"),
            Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        );
        let (header, claims) = assertion_of(sent);
        assert_eq!(header["alg"], alg, "{label}");
        assert_eq!(header["kid"], kid.as_str(), "{label}");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(claims["iss"], CLIENT_ID);
        assert_eq!(claims["sub"], CLIENT_ID);
        assert_eq!(claims["aud"], app.fake.issuer());
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap(),
            claims["exp"].as_u64().unwrap(),
        );
        assert_eq!(exp - iat, 60, "{label}");
        assert!(claims["jti"].as_str().unwrap().len() >= 22, "{label}");
    }
}

#[tokio::test]
async fn each_assertion_has_a_fresh_jti_and_the_configured_audience() {
    let key = ClientKey::from_jwk(&fixture("ec.jwk.json")).unwrap();
    let fake = feide_tower::testkit::FakeFeide::start().await.unwrap();
    fake.register_client(feide_tower::testkit::FakeClient::private_key_jwt(
        CLIENT_ID,
        crate::common::registered_jwks(),
    ));
    let token_endpoint = fake.url("/oauth/token");
    let provider = feide_tower::Provider::builder(fake.issuer())
        .client_private_key_jwt(CLIENT_ID, key)
        .client_assertion_audience(token_endpoint.clone())
        .build()
        .await
        .unwrap();
    let source = feide_tower::exchange::ClientCredentialsSource::builder(&provider)
        .build()
        .unwrap();
    source.token().await.unwrap();
    // A second source: no cached token, a second assertion.
    feide_tower::exchange::ClientCredentialsSource::builder(&provider)
        .build()
        .unwrap()
        .token()
        .await
        .unwrap();
    let sent = fake.token_requests();
    let (_, first) = assertion_of(&sent[0]);
    let (_, second) = assertion_of(&sent[1]);
    assert_eq!(first["aud"], token_endpoint.as_str());
    assert_ne!(first["jti"], second["jti"]);
}

#[tokio::test]
async fn a_wrong_key_is_invalid_client_and_a_clear_error_page() {
    // Same kid as the registered RSA key, different key.
    let wrong = ClientKey::from_jwk(&fixture("wrong-rsa.jwk.json")).unwrap();
    let app = start(wrong, |_| {}).await;
    let browser = Browser::new();
    let (_, response) = browser.visit(&app.url("/me")).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    // The provider's invalid_client: the usual "sign-in unavailable" page, no detail leaked.
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("Sign-in unavailable"), "{body}");
    assert!(!body.contains(&private_d("wrong-rsa.jwk.json")));
    assert!(
        logs().contains("invalid_client"),
        "the refusal is logged with its code"
    );
}

#[tokio::test]
async fn debug_and_logs_never_show_the_key_or_the_assertion() {
    let mut secrets = Vec::new();
    for name in ["rsa.jwk.json", "ec.jwk.json"] {
        secrets.push(private_d(name));
    }
    // A line from the middle of each PEM body.
    for name in ["rsa.pem", "ec.pem"] {
        let pem = fixture(name);
        secrets.push(pem.lines().nth(2).unwrap().to_owned());
    }
    for (label, key) in all_keys() {
        let printed = format!("{key:?}");
        assert!(printed.starts_with("ClientKey { kid: "), "{printed}");
        let app = start(key, |_| {}).await;
        let (_, response) = Browser::new().visit(&app.url("/me")).await;
        assert_eq!(response.status(), 200, "{label}");
        let printed = format!("{:?} {:?}", app.provider, app.provider.client());
        let assertion = app.fake.token_requests()[0]
            .field("client_assertion")
            .unwrap()
            .to_owned();
        for text in [printed, logs()] {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{label}: key material printed"
                );
            }
            assert!(!text.contains(&assertion), "{label}: assertion printed");
        }
    }
}
