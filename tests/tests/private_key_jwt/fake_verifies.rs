//! FakeFeide verifies client assertions fully: each property has a request it refuses.

use feide_tower::testkit::{FakeClient, FakeFeide};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::{CLIENT_ID, fixture, registered_jwks};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn sign(alg: Algorithm, pem: &str, kid: &str, claims: &Value) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(fixture(pem).as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(fixture(pem).as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn claims(fake: &FakeFeide, jti: &str) -> Value {
    let now = integration_tests::now();
    json!({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": fake.issuer(), "iat": now, "exp": now + 60, "jti": jti})
}

async fn present(fake: &FakeFeide, assertion: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(fake.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_fake_checks_signature_claims_lifetime_and_replay() {
    let fake = FakeFeide::start().await.unwrap();
    fake.register_client(FakeClient::private_key_jwt(CLIENT_ID, registered_jwks()));
    let rs = |c: &Value| sign(Algorithm::RS256, "rsa.pem", "client-rsa-1", c);

    let good = rs(&claims(&fake, "jti-1"));
    assert_eq!(present(&fake, &good).await.0, 200, "a valid assertion");
    let (status, body) = present(&fake, &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "replayed jti"
    );

    for alg in [Algorithm::PS256] {
        assert_eq!(
            present(
                &fake,
                &sign(alg, "rsa.pem", "client-rsa-1", &claims(&fake, "jti-ps"))
            )
            .await
            .0,
            200
        );
    }
    let es = sign(
        Algorithm::ES256,
        "ec.pem",
        "client-ec-1",
        &claims(&fake, "jti-es"),
    );
    assert_eq!(present(&fake, &es).await.0, 200, "ES256");

    let mut refused = Vec::new();
    let mut case = |label: &'static str, assertion: String| refused.push((label, assertion));
    let base = || claims(&fake, "jti-x");
    let with = |name: &str, value: Value| {
        let mut c = base();
        c[name] = value;
        c
    };
    case(
        "wrong key",
        sign(Algorithm::RS256, "wrong-rsa.pem", "client-rsa-1", &base()),
    );
    case(
        "wrong audience",
        rs(&with("aud", json!("https://elsewhere.example"))),
    );
    case(
        "iss is not the client",
        rs(&with("iss", json!("someone-else"))),
    );
    case(
        "sub is not the client",
        rs(&with("sub", json!("someone-else"))),
    );
    case(
        "expired",
        rs(&with("exp", json!(integration_tests::now() - 120))),
    );
    case(
        "exp far ahead",
        rs(&with("exp", json!(integration_tests::now() + 3600))),
    );
    let mut no_jti = base();
    no_jti.as_object_mut().unwrap().remove("jti");
    case("no jti", rs(&no_jti));
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &base(),
        &EncodingKey::from_secret(b"anything"),
    )
    .unwrap();
    case("HS256", hs);
    case("ES256 header with an RSA key", {
        let t = rs(&base());
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        parts[0] = base64_url(&json!({"alg": "ES256", "kid": "client-ec-1"}));
        parts.join(".")
    });
    let fake_rs_only = FakeFeide::start().await.unwrap();
    let rsa = feide_tower::provider::ClientKey::from_jwk(&fixture("rsa.jwk.json")).unwrap();
    fake_rs_only.register_client(FakeClient::private_key_jwt(CLIENT_ID, rsa.public_jwk()));
    let ps = sign(
        Algorithm::PS256,
        "rsa.pem",
        "client-rsa-1",
        &claims(&fake_rs_only, "p"),
    );
    let (status, _) = present(&fake_rs_only, &ps).await;
    assert_eq!(
        status, 401,
        "a JWK registered for RS256 does not verify PS256"
    );
    for (label, assertion) in refused {
        let (status, body) = present(&fake, &assertion).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{label}"
        );
    }

    // A secret does not work for a key-only client, even an empty one.
    let response = reqwest::Client::new()
        .post(fake.url("/oauth/token"))
        .basic_auth(CLIENT_ID, Some(""))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

fn base64_url(value: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}
