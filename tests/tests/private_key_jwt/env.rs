//! `private_key_jwt` from the environment: `Provider::from_env_with` and the axum-login example.

use feide_tower::Provider;
use feide_tower::provider::ClientAuthMethod;
use feide_tower::testkit::{FakeClient, FakeFeide};
use integration_tests::browser::Browser;

use crate::common::{CLIENT_ID, KEY, fixture, fixture_path, private_d, registered_jwks};

fn lookup(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> + Clone {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

#[tokio::test]
async fn from_env_with_a_jwk_or_a_pem_file_and_fail_closed_on_partial_settings() {
    let fake = FakeFeide::start().await.unwrap();
    fake.register_client(FakeClient::private_key_jwt(CLIENT_ID, registered_jwks()));
    let issuer = || ("FEIDE_ISSUER", fake.issuer());
    let id = || ("OIDC_CLIENT_ID", CLIENT_ID.to_owned());
    let method = || ("OIDC_CLIENT_AUTH_METHOD", "private_key_jwt".to_owned());

    for vars in [
        vec![
            issuer(),
            id(),
            method(),
            ("OIDC_CLIENT_PRIVATE_JWK", fixture("rsa.jwk.json")),
        ],
        vec![
            issuer(),
            id(),
            method(),
            ("OIDC_CLIENT_PRIVATE_KEY_FILE", fixture_path("ec.pem")),
            ("OIDC_CLIENT_KEY_ID", "client-ec-1".to_owned()),
        ],
        vec![
            issuer(),
            id(),
            method(),
            ("OIDC_CLIENT_PRIVATE_KEY_FILE", fixture_path("rsa.pem")),
            ("OIDC_CLIENT_KEY_ID", "client-rsa-1".to_owned()),
            ("OIDC_CLIENT_KEY_ALG", "PS256".to_owned()),
        ],
    ] {
        let provider = Provider::from_env_with(lookup(vars)).await.unwrap();
        assert_eq!(
            provider.client_auth_method(),
            ClientAuthMethod::PrivateKeyJwt
        );
        feide_tower::exchange::ClientCredentialsSource::builder(&provider)
            .build()
            .unwrap()
            .token()
            .await
            .expect("client credentials with the key from the environment");
    }

    let secret_d = private_d("rsa.jwk.json");
    for (vars, names) in [
        (
            vec![issuer(), id(), method()],
            vec!["OIDC_CLIENT_PRIVATE_JWK", "OIDC_CLIENT_PRIVATE_KEY_FILE"],
        ),
        (
            vec![
                issuer(),
                method(),
                ("OIDC_CLIENT_PRIVATE_JWK", fixture("rsa.jwk.json")),
            ],
            vec!["OIDC_CLIENT_ID"],
        ),
        (
            vec![
                issuer(),
                id(),
                method(),
                ("OIDC_CLIENT_PRIVATE_KEY_FILE", fixture_path("rsa.pem")),
            ],
            vec!["OIDC_CLIENT_KEY_ID"],
        ),
        (
            vec![
                issuer(),
                id(),
                ("OIDC_CLIENT_PRIVATE_JWK", fixture("rsa.jwk.json")),
            ],
            vec!["OIDC_CLIENT_PRIVATE_JWK", "OIDC_CLIENT_AUTH_METHOD"],
        ),
        (
            vec![
                issuer(),
                id(),
                ("OIDC_CLIENT_AUTH_METHOD", "client_secret_jwt".to_owned()),
            ],
            vec!["OIDC_CLIENT_AUTH_METHOD"],
        ),
        (
            vec![
                issuer(),
                id(),
                method(),
                ("OIDC_CLIENT_PRIVATE_JWK", fixture("rsa.jwk.json")),
                ("OIDC_CLIENT_KEY_ALG", "ES256".to_owned()),
            ],
            vec!["OIDC_CLIENT_KEY_ALG"],
        ),
        (
            vec![
                issuer(),
                id(),
                method(),
                (
                    "OIDC_CLIENT_PRIVATE_JWK",
                    fixture("rsa.jwk.json").replace("\"kid\"", "\"x\""),
                ),
            ],
            vec!["OIDC_CLIENT_PRIVATE_JWK", "kid"],
        ),
    ] {
        let err = Provider::from_env_with(lookup(vars))
            .await
            .unwrap_err()
            .to_string();
        for name in names {
            assert!(err.contains(name), "{err} should name {name}");
        }
        assert!(!err.contains(&secret_d), "{err}");
    }
}

#[tokio::test]
async fn the_axum_login_example_logs_in_with_private_key_jwt() {
    let fake = FakeFeide::start().await.unwrap();
    let (listener, base) = integration_tests::bind().await;
    fake.register_client(
        FakeClient::private_key_jwt(CLIENT_ID, registered_jwks())
            .redirect_uri(format!("{base}/callback")),
    );
    let addr = listener.local_addr().unwrap();
    let env = lookup(vec![
        ("FEIDE_ISSUER", fake.issuer()),
        ("OIDC_CLIENT_ID", CLIENT_ID.to_owned()),
        ("OIDC_CLIENT_AUTH_METHOD", "private_key_jwt".to_owned()),
        ("OIDC_CLIENT_PRIVATE_KEY_FILE", fixture_path("rsa.pem")),
        ("OIDC_CLIENT_KEY_ID", "client-rsa-1".to_owned()),
        ("OIDC_REDIRECT_URI", format!("{base}/callback")),
        ("APP_SECRET_KEY", KEY.to_owned()),
    ]);
    let started = axum_login::configure(env, addr)
        .await
        .expect("configured, no secret needed");
    assert!(started.fake.is_none(), "not the demo");
    integration_tests::serve_axum(listener, started.app);
    let (_, response) = Browser::new().visit(&format!("{base}/me")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(fake.token_requests()[0].auth_method, "private_key_jwt");
}
