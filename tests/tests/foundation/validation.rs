//! The validation matrix: one test per rejection, each asserting the specific error, all with
//! keys fetched from FakeFeide over HTTP.

use std::time::Duration;

use feide_tower::Provider;
use feide_tower::testkit::FakeFeide;
use feide_tower::token::{Algorithm, ScopeRule, TokenError, Validator};
use integration_tests::{fake_and_provider, now, raw_token};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

const AUD: &str = "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001";

struct Setup {
    fake: FakeFeide,
    provider: Provider,
    validator: Validator,
}

async fn setup() -> Setup {
    let (fake, provider) = fake_and_provider().await;
    let validator = Validator::for_provider(&provider)
        .audience(AUD)
        .build()
        .unwrap();
    Setup {
        fake,
        provider,
        validator,
    }
}

impl Setup {
    async fn refuse(&self, token: &str) -> TokenError {
        let err = self
            .validator
            .validate(token)
            .await
            .expect_err("token must be refused");
        assert!(
            !err.to_string().contains(token),
            "error text never contains the token"
        );
        err
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feide_access_token_validates_with_typed_claims() {
    let s = setup().await;
    let token = s
        .fake
        .mint()
        .claim("scope", json!("openid readUser"))
        .sign();
    let claims = s.validator.validate(&token).await.unwrap();
    assert_eq!(claims.iss, s.fake.issuer());
    assert_eq!(claims.aud, vec![AUD.to_owned()]);
    assert!(claims.scope.contains("readUser"));
    assert!(claims.sub.is_some() && claims.client_id.is_some() && claims.act.is_some());
    assert!(claims.has_user());
}

#[tokio::test(flavor = "multi_thread")]
async fn alg_none_is_refused() {
    let s = setup().await;
    let (mut header, claims) = s.fake.mint().unsigned_parts();
    header["alg"] = json!("none");
    let token = format!(
        "{}.",
        raw_token(&header, &claims, b"").trim_end_matches('.')
    );
    assert_eq!(s.refuse(&token).await, TokenError::AlgorithmNotAllowed);
}

#[tokio::test(flavor = "multi_thread")]
async fn hs256_signed_with_the_public_key_is_refused() {
    let s = setup().await;
    let (_, claims) = s.fake.mint().unsigned_parts();
    // The classic confusion: the published RSA key material used as an HMAC secret.
    let jwks: serde_json::Value = reqwest::get(s.fake.url("/openid/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = jwks["keys"][0]["n"].as_str().unwrap().as_bytes().to_vec();
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(s.fake.signing_kid());
    let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();
    assert_eq!(s.refuse(&token).await, TokenError::AlgorithmNotAllowed);
}

#[tokio::test(flavor = "multi_thread")]
async fn algorithms_outside_the_allow_list_are_refused_even_with_a_valid_key() {
    let s = setup().await;
    s.fake.publish_keys(&[&s.fake.signing_kid(), "fake-ec-1"]);
    s.provider.jwks().refresh_now().await.unwrap();
    let es256 = s.fake.mint().key("fake-ec-1").sign();
    assert_eq!(s.refuse(&es256).await, TokenError::AlgorithmNotAllowed);

    let with_es = Validator::for_provider(&s.provider)
        .audience(AUD)
        .algorithms(&[Algorithm::RS256, Algorithm::ES256])
        .build()
        .unwrap();
    with_es
        .validate(&es256)
        .await
        .expect("ES256 allowed when configured");
}

#[tokio::test(flavor = "multi_thread")]
async fn key_type_must_match_the_algorithm() {
    let s = setup().await;
    s.fake.publish_keys(&[&s.fake.signing_kid(), "fake-ec-1"]);
    s.provider.jwks().refresh_now().await.unwrap();
    // RS256 header naming the EC key.
    let (mut header, claims) = s.fake.mint().unsigned_parts();
    header["kid"] = json!("fake-ec-1");
    header["alg"] = json!("RS256");
    let token = raw_token(&header, &claims, &[1; 256]);
    assert_eq!(s.refuse(&token).await, TokenError::KeyMismatch);
}

#[tokio::test(flavor = "multi_thread")]
async fn key_selecting_headers_are_refused() {
    let s = setup().await;
    for (name, value) in [
        ("jku", json!("https://evil.example/jwks")),
        ("x5u", json!("https://evil.example/cert")),
        ("jwk", json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})),
        ("crit", json!(["exp"])),
    ] {
        let token = s.fake.mint().header_field(name, value).sign();
        assert_eq!(
            s.refuse(&token).await,
            TokenError::ForbiddenHeader(name),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kid_rules() {
    let s = setup().await;
    // One published key: a token without kid may use it.
    let no_kid = s.fake.mint().kid(None).sign();
    s.validator
        .validate(&no_kid)
        .await
        .expect("single key, no kid");

    // Several keys: the token must say which.
    s.fake.publish_keys(&["fake-rsa-1", "fake-rsa-2"]);
    s.provider.jwks().refresh_now().await.unwrap();
    assert_eq!(s.refuse(&no_kid).await, TokenError::MissingKeyId);

    let unknown = s.fake.mint().kid(Some("no-such-key")).sign();
    assert_eq!(s.refuse(&unknown).await, TokenError::UnknownKeyId);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_by_another_key_is_invalid() {
    let s = setup().await;
    // Signed with an unpublished key, but claiming the published key's kid.
    let forged = s
        .fake
        .mint()
        .key("fake-rsa-3")
        .kid(Some(&s.fake.signing_kid()))
        .sign();
    assert_eq!(s.refuse(&forged).await, TokenError::InvalidSignature);

    // A valid token whose payload was swapped.
    let good = s.fake.mint().sign();
    let other = s.fake.mint().claim("sub", json!("someone-else")).sign();
    let parts: Vec<&str> = good.split('.').collect();
    let other_payload = other.split('.').nth(1).unwrap();
    let spliced = format!("{}.{}.{}", parts[0], other_payload, parts[2]);
    assert_eq!(s.refuse(&spliced).await, TokenError::InvalidSignature);
}

#[tokio::test(flavor = "multi_thread")]
async fn issuer_and_audience_must_match_exactly() {
    let s = setup().await;
    let wrong_iss = s
        .fake
        .mint()
        .claim("iss", json!("https://auth.dataporten.no.evil"))
        .sign();
    assert_eq!(s.refuse(&wrong_iss).await, TokenError::WrongIssuer);
    // An ID token: its audience is the client id, not the data source.
    let id_token_like = s.fake.mint().claim("aud", json!("fake-client")).sign();
    assert_eq!(s.refuse(&id_token_like).await, TokenError::WrongAudience);
    let in_array = s.fake.mint().claim("aud", json!(["other", AUD])).sign();
    s.validator
        .validate(&in_array)
        .await
        .expect("aud array containing ours");
}

#[tokio::test(flavor = "multi_thread")]
async fn time_claims_with_leeway() {
    let s = setup().await;
    let expired = s.fake.mint().claim("exp", json!(now() - 120)).sign();
    assert_eq!(s.refuse(&expired).await, TokenError::Expired);
    let within_leeway = s.fake.mint().claim("exp", json!(now() - 30)).sign();
    s.validator
        .validate(&within_leeway)
        .await
        .expect("60 s leeway");
    let future = s.fake.mint().claim("nbf", json!(now() + 600)).sign();
    assert_eq!(s.refuse(&future).await, TokenError::NotYetValid);
    let iat_future = s.fake.mint().claim("iat", json!(now() + 600)).sign();
    assert_eq!(s.refuse(&iat_future).await, TokenError::IssuedInFuture);

    let strict = Validator::for_provider(&s.provider)
        .audience(AUD)
        .leeway(Duration::ZERO)
        .build()
        .unwrap();
    assert_eq!(
        strict.validate(&within_leeway).await,
        Err(TokenError::Expired)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exp_iss_and_aud_are_required() {
    let s = setup().await;
    for claim in ["exp", "iss", "aud"] {
        let token = s.fake.mint().remove(claim).sign();
        assert_eq!(
            s.refuse(&token).await,
            TokenError::MissingClaim(claim),
            "{claim}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_type_confusion_is_refused() {
    let s = setup().await;
    for (claim, value) in [
        ("aud", json!(7)),
        ("aud", json!({"a": 1})),
        ("exp", json!("9999999999")),
        ("exp", json!(1e300)),
        ("scope", json!({"readUser": true})),
    ] {
        let token = s.fake.mint().claim(claim, value.clone()).sign();
        assert_eq!(
            s.refuse(&token).await,
            TokenError::InvalidClaim(claim),
            "{claim}={value}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_over_16_kib_are_refused_unparsed() {
    let s = setup().await;
    let big = s
        .fake
        .mint()
        .claim("padding", json!("x".repeat(17 * 1024)))
        .sign();
    assert_eq!(
        s.refuse(&big).await,
        TokenError::TooLarge { limit: 16 * 1024 }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn required_scopes_all_of_and_any_of() {
    let s = setup().await;
    let token = s
        .fake
        .mint()
        .claim("scope", json!("openid readUser"))
        .sign();
    let all = Validator::for_provider(&s.provider)
        .audience(AUD)
        .require_scope("readUser")
        .require_scope("writeUser")
        .build()
        .unwrap();
    match all.validate(&token).await {
        Err(TokenError::InsufficientScope { required }) => {
            assert_eq!(required.to_string(), "readUser writeUser")
        }
        other => panic!("{other:?}"),
    }
    let any = Validator::for_provider(&s.provider)
        .audience(AUD)
        .require_scope("readUser")
        .require_scope("writeUser")
        .scope_rule(ScopeRule::AnyOf)
        .build()
        .unwrap();
    any.validate(&token).await.expect("any-of");
    let look_alike = s
        .fake
        .mint()
        .claim("scope", json!("readUserX READUSER"))
        .sign();
    assert!(matches!(
        any.validate(&look_alike).await,
        Err(TokenError::InsufficientScope { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_validator_needs_an_audience() {
    let s = setup().await;
    assert!(Validator::for_provider(&s.provider).build().is_err());
}
