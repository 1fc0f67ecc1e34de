//! `private_key_jwt` (RFC 7523 §2.2) at the certified provider: oidc-provider registers the
//! login client with `token_endpoint_auth_method: private_key_jwt` and its public `jwks`; the
//! axum-login example signs in configured only through its environment (a PKCS#8 key file, no
//! secret), and client credentials work with RS256, PS256 and ES256 assertions. A wrong key is
//! the provider's `invalid_client`.

use feide_tower::Provider;
use feide_tower::exchange::{ClientCredentialsSource, ExchangeError};
use feide_tower::provider::{ClientKey, ClientKeyAlgorithm, OAuthErrorCode};
use serde_json::json;

use crate::apps::{ALICE, LOGIN_CLIENT_ID, LoginApp, bind_app, sign_in};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

fn fixture(name: &str) -> String {
    format!("{}/fixtures/client-keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture key")
}

#[tokio::test(flavor = "multi_thread")]
async fn login_and_client_credentials_with_private_key_jwt_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("private-key-jwt");
    let (listener, base) = bind_app().await;
    let rsa = ClientKey::from_pkcs8_pem(&read("rsa.pem"), "client-rsa-1").unwrap();
    let ec = ClientKey::from_jwk(&read("ec.jwk.json")).unwrap();
    let ps = rsa
        .clone()
        .with_algorithm(ClientKeyAlgorithm::Ps256)
        .unwrap();
    let mut settings = op::settings(&base);
    let client = &mut settings["clients"][0];
    client.as_object_mut().unwrap().remove("client_secret");
    client["token_endpoint_auth_method"] = json!("private_key_jwt");
    // A public JWK names its algorithm (`alg`), and the provider holds the key to it: the RSA key
    // is registered once per algorithm it signs with.
    client["jwks"] = json!({"keys": [rsa.public_jwk(), ps.public_jwk(), ec.public_jwk()]});
    client["grant_types"] = json!(["authorization_code", "client_credentials"]);
    let op = Op::start(&artifacts, &settings);

    // The example, configured as a deployment would be: no secret, a key file and its kid.
    let app = LoginApp::start_with(
        listener,
        &op,
        &[
            ("OIDC_CLIENT_AUTH_METHOD", "private_key_jwt".to_owned()),
            ("OIDC_CLIENT_PRIVATE_KEY_FILE", fixture("rsa.pem")),
            ("OIDC_CLIENT_KEY_ID", "client-rsa-1".to_owned()),
            ("OIDC_CLIENT_SECRET", String::new()),
        ],
        |app| app,
    )
    .await;
    let web = Web::new();
    let (user, name) = ALICE;
    let signed_in = sign_in(&web, &app, &op, user).await;
    signed_in
        .landed
        .expect("home, signed in", 200, &format!("Signed in as {name}"));
    let (status, me) = web.get_json(&app.url("/me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sub"], user);

    // Client credentials with each algorithm the provider allows for client assertions.
    for key in [rsa.clone(), ps, ec] {
        let alg = key.algorithm();
        let provider = Provider::builder(op.issuer())
            .client_private_key_jwt(LOGIN_CLIENT_ID, key)
            .build()
            .await
            .expect("discovery");
        let token = ClientCredentialsSource::builder(&provider)
            .build()
            .unwrap()
            .token()
            .await
            .unwrap_or_else(|e| panic!("client credentials with {alg}: {e}"));
        assert!(!token.access_token().expose().is_empty());
    }

    // A wrong key (same kid) is the provider's invalid_client.
    let wrong = ClientKey::from_pkcs8_pem(&read("wrong-rsa.pem"), "client-rsa-1").unwrap();
    let provider = Provider::builder(op.issuer())
        .client_private_key_jwt(LOGIN_CLIENT_ID, wrong)
        .build()
        .await
        .expect("discovery");
    let err: ExchangeError = ClientCredentialsSource::builder(&provider)
        .build()
        .unwrap()
        .token()
        .await
        .expect_err("a wrong key");
    assert_eq!(
        err.oauth_error(),
        Some(&OAuthErrorCode::InvalidClient),
        "{err}"
    );
}
