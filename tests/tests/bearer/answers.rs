//! Valid tokens reach the handler with their claims; every kind of bad request gets the right 401,
//! on axum and on plain hyper alike.

use feide_tower::bearer::BearerJwtLayer;
use feide_tower::testkit::FakeFeide;
use integration_tests::{fake_and_provider, now, raw_token};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use crate::common::{AUD, REALM, Stack, challenge, get_bearer, get_with, protected};

async fn app(stack: Stack) -> (FakeFeide, String) {
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .build()
        .unwrap();
    let base = protected(stack, layer).await;
    (fake, format!("{base}/me"))
}

async fn valid_token_reaches_the_handler(stack: Stack) {
    let (fake, url) = app(stack).await;
    let alice = &fake.users()[0];
    let token = fake.access_token_for("alice", AUD, "openid readUser");
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let reply = get_with(&url, &[&format!("{scheme} {token}")]).await;
        assert_eq!(reply.status, 200, "{scheme}: {reply:?}");
        assert_eq!(reply.body["subject"], json!(alice.sub));
        assert_eq!(reply.body["user"], json!(true));
        assert_eq!(reply.body["client_id"], json!("fake-client"));
        assert_eq!(reply.body["scope"], json!("openid readUser"));
        assert_eq!(reply.body["claims"]["aud"], json!(AUD));
        assert_eq!(reply.body["claims"]["iss"], json!(fake.issuer()));
        assert_eq!(reply.body["claims"]["name"], json!(alice.name));
        assert_eq!(
            reply.body["claims"]["act"]["sub"],
            json!("fake-client"),
            "the actor of an exchanged token is typed and kept"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_token_reaches_the_axum_handler_with_its_claims() {
    valid_token_reaches_the_handler(Stack::Axum).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_token_reaches_the_hyper_service_with_its_claims() {
    valid_token_reaches_the_handler(Stack::Hyper).await;
}

/// The HS256 confusion: the published RSA modulus used as an HMAC secret.
async fn hs256_with_the_public_key(fake: &FakeFeide) -> String {
    let (_, claims) = fake.mint().unsigned_parts();
    let jwks: serde_json::Value = reqwest::get(fake.url("/openid/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = jwks["keys"][0]["n"].as_str().unwrap().as_bytes().to_vec();
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(fake.signing_kid());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap()
}

async fn refusals(stack: Stack) {
    let (fake, url) = app(stack).await;
    let valid = fake.mint().sign();
    let alg_none = {
        let (mut header, claims) = fake.mint().unsigned_parts();
        header["alg"] = json!("none");
        raw_token(&header, &claims, b"")
    };
    let bad_tokens: Vec<(&str, String, String)> = vec![
        ("garbage", "garbage".into(), challenge::invalid_token()),
        ("alg none", alg_none, challenge::invalid_token()),
        (
            "HS256 signed with the RSA public key",
            hs256_with_the_public_key(&fake).await,
            challenge::invalid_token(),
        ),
        (
            "unknown kid",
            fake.mint().kid(Some("no-such-key")).sign(),
            challenge::invalid_token(),
        ),
        (
            "wrong iss",
            fake.mint()
                .claim("iss", "https://auth.dataporten.no.evil")
                .sign(),
            challenge::invalid_token(),
        ),
        (
            "an ID token (aud = the client id)",
            fake.mint().claim("aud", "fake-client").sign(),
            challenge::invalid_token(),
        ),
        (
            "expired",
            fake.mint().claim("exp", now() - 120).sign(),
            challenge::expired(),
        ),
        (
            "nbf in the future",
            fake.mint().claim("nbf", now() + 600).sign(),
            challenge::invalid_token(),
        ),
        (
            "no exp",
            fake.mint().remove("exp").sign(),
            challenge::invalid_token(),
        ),
        (
            "20 KB",
            fake.mint().claim("padding", "x".repeat(20 * 1024)).sign(),
            challenge::invalid_token(),
        ),
    ];
    for (name, token, expected) in &bad_tokens {
        let reply = get_bearer(&url, token).await;
        reply.assert_refusal(401, expected, &[token, &valid]);
        assert_eq!(reply.body["error"], "invalid_token", "{name}");
    }

    let header_cases: Vec<(&str, Vec<String>, String)> = vec![
        ("no Authorization header", vec![], challenge::missing()),
        (
            "Basic scheme",
            vec!["Basic dXNlcjpwYXNz".into()],
            challenge::missing(),
        ),
        (
            "token glued to the scheme",
            vec![format!("Bearer{valid}")],
            challenge::missing(),
        ),
        (
            "two Authorization headers",
            vec![format!("Bearer {valid}"), format!("Bearer {valid}")],
            challenge::invalid_request(),
        ),
        (
            "empty token",
            vec!["Bearer ".into()],
            challenge::invalid_request(),
        ),
        (
            "two tokens in one header",
            vec![format!("Bearer {valid} {valid}")],
            challenge::invalid_request(),
        ),
    ];
    for (name, headers, expected) in &header_cases {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let reply = get_with(&url, &headers).await;
        reply.assert_refusal(401, expected, &[&valid]);
        println!("{name}: ok");
    }

    // A token in the query string is never read.
    let reply = get_with(&format!("{url}?access_token={valid}"), &[]).await;
    reply.assert_refusal(401, &challenge::missing(), &[&valid]);
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_on_axum() {
    refusals(Stack::Axum).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_on_plain_hyper() {
    refusals(Stack::Hyper).await;
}
