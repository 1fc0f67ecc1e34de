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

/// What the certified provider refuses in a client assertion, FakeFeide refuses too (it may be
/// stricter): the same assertions go to both, as `client_credentials` requests.
#[tokio::test(flavor = "multi_thread")]
async fn fake_feide_refuses_the_client_assertions_the_certified_provider_refuses() {
    use feide_tower::testkit::{FakeClient, FakeFeide};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::Value;

    const CLIENT: &str = "parity-pk";
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("private-key-jwt-parity");
    let rsa = ClientKey::from_pkcs8_pem(&read("rsa.pem"), "client-rsa-1").unwrap();
    let ec = ClientKey::from_jwk(&read("ec.jwk.json")).unwrap();
    let jwks = json!({"keys": [rsa.public_jwk(), ec.public_jwk()]});
    let mut settings = op::settings("http://localhost:9");
    settings["clients"].as_array_mut().unwrap().push(json!({
        "client_id": CLIENT,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwks,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
    }));
    let op = Op::start(&artifacts, &settings);
    let fake = FakeFeide::start().await.unwrap();
    fake.register_client(FakeClient::private_key_jwt(CLIENT, jwks.clone()));

    let sign = |alg: Algorithm, pem: &str, kid: &str, claims: &Value| {
        let key = match alg {
            Algorithm::ES256 => EncodingKey::from_ec_pem(read(pem).as_bytes()).unwrap(),
            Algorithm::HS256 => EncodingKey::from_secret(b"a shared secret"),
            _ => EncodingKey::from_rsa_pem(read(pem).as_bytes()).unwrap(),
        };
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    };
    let now = integration_tests::now();
    let claims = |issuer: &str, jti: &str| json!({"iss": CLIENT, "sub": CLIENT, "aud": issuer, "iat": now, "exp": now + 60, "jti": jti});
    let http = reqwest::Client::new();
    let present = |token_endpoint: String, assertion: String| {
        let http = http.clone();
        async move {
            let response = http
                .post(token_endpoint)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.as_str()),
                ])
                .send()
                .await
                .unwrap();
            response.status().is_success()
        }
    };
    type Case<'a> = (&'static str, Box<dyn Fn(&str, &str) -> String + 'a>);
    let rs = |c: &Value| sign(Algorithm::RS256, "rsa.pem", "client-rsa-1", c);
    let with = move |issuer: &str, jti: &str, name: &str, value: Value| {
        let mut c = claims(issuer, jti);
        if value.is_null() {
            c.as_object_mut().unwrap().remove(name);
        } else {
            c[name] = value;
        }
        c
    };
    let cases: Vec<Case<'_>> = vec![
        (
            "valid RS256",
            Box::new(move |iss, jti| rs(&claims(iss, jti))),
        ),
        (
            "valid ES256",
            Box::new(move |iss, jti| {
                sign(Algorithm::ES256, "ec.pem", "client-ec-1", &claims(iss, jti))
            }),
        ),
        (
            "wrong key",
            Box::new(move |iss, jti| {
                sign(
                    Algorithm::RS256,
                    "wrong-rsa.pem",
                    "client-rsa-1",
                    &claims(iss, jti),
                )
            }),
        ),
        (
            "PS256 with a JWK for RS256",
            Box::new(move |iss, jti| {
                sign(
                    Algorithm::PS256,
                    "rsa.pem",
                    "client-rsa-1",
                    &claims(iss, jti),
                )
            }),
        ),
        (
            "HS256",
            Box::new(move |iss, jti| sign(Algorithm::HS256, "", "client-rsa-1", &claims(iss, jti))),
        ),
        (
            "other audience",
            Box::new(move |iss, jti| {
                rs(&with(iss, jti, "aud", json!("https://elsewhere.example")))
            }),
        ),
        (
            "iss is not the client",
            Box::new(move |iss, jti| rs(&with(iss, jti, "iss", json!("x")))),
        ),
        (
            "sub is not the client",
            Box::new(move |iss, jti| rs(&with(iss, jti, "sub", json!("x")))),
        ),
        (
            "expired",
            Box::new(move |iss, jti| rs(&with(iss, jti, "exp", json!(now - 300)))),
        ),
        (
            "no exp",
            Box::new(move |iss, jti| rs(&with(iss, jti, "exp", Value::Null))),
        ),
        (
            "no jti",
            Box::new(move |iss, jti| rs(&with(iss, jti, "jti", Value::Null))),
        ),
        (
            "exp an hour ahead",
            Box::new(move |iss, jti| rs(&with(iss, jti, "exp", json!(now + 3600)))),
        ),
    ];
    let mut table = Vec::new();
    for (i, (label, make)) in cases.iter().enumerate() {
        let jti = format!("parity-{i}");
        let op_ok = present(op.url("/token"), make(op.issuer(), &jti)).await;
        let fake_ok = present(fake.url("/oauth/token"), make(&fake.issuer(), &jti)).await;
        table.push(format!("{label}: certified {op_ok}, FakeFeide {fake_ok}"));
        assert!(
            op_ok || !fake_ok,
            "FakeFeide accepts what the certified provider refuses: {label}"
        );
        if label.starts_with("valid") {
            assert!(op_ok && fake_ok, "{label}");
            // The same assertion again: a replayed jti.
            let op_again = present(op.url("/token"), make(op.issuer(), &jti)).await;
            let fake_again = present(fake.url("/oauth/token"), make(&fake.issuer(), &jti)).await;
            table.push(format!(
                "{label} replayed: certified {op_again}, FakeFeide {fake_again}"
            ));
            assert!(!fake_again, "FakeFeide refuses a replayed jti");
        }
    }
    eprintln!("{}", table.join("\n"));
}
