//! EdDSA (Ed25519) keys and tokens: parsed from `OKP` JWKs, verified with aws-lc-rs, and never
//! confused with keys of another family, nor another curve taken for Ed25519.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::jwk::Lookup;
use super::{Algorithm, JwkError, Jwks, KeySet, TokenError, Validator, now};

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "client-1";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn ed25519() -> Ed25519KeyPair {
    Ed25519KeyPair::generate().unwrap()
}

fn okp_jwk(key: &Ed25519KeyPair, kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": b64(key.public_key().as_ref()), "kid": kid,
           "use": "sig", "alg": "EdDSA"})
}

fn ec_jwk(key: &EcdsaKeyPair, kid: &str) -> Value {
    let point = key.public_key().as_ref();
    json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..]),
           "kid": kid})
}

/// An RSA public key of 2048 bits that parses (no private half: it verifies nothing).
fn rsa_jwk(kid: &str) -> Value {
    let mut n = vec![0xd5u8; 256];
    n[255] = 0x01;
    json!({"kty": "RSA", "n": b64(&n), "e": "AQAB", "kid": kid})
}

fn parse_one(jwk: Value) -> Result<(), JwkError> {
    super::jwk::parse_jwk(jwk).map(|_| ())
}

fn set(keys: Vec<Value>) -> KeySet {
    KeySet::from_json(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

fn claims() -> Value {
    let now = now();
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "iat": now, "exp": now + 300})
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn ed_token(key: &Ed25519KeyPair, header: &Value) -> String {
    let input = signing_input(header, &claims());
    format!("{input}.{}", b64(key.sign(input.as_bytes()).as_ref()))
}

fn validator(keys: KeySet, algorithms: &[Algorithm]) -> Validator {
    Validator::builder(Jwks::fixed(keys))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .algorithms(algorithms)
        .build()
        .unwrap()
}

/// Validation against a fixed key set never waits; poll it to completion.
fn validate(validator: &Validator, token: &str) -> Result<super::Claims, TokenError> {
    let mut future = std::pin::pin!(validator.validate(token));
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("validation with a fixed key set waited"),
    }
}

#[test]
fn an_ed25519_jwk_verifies_eddsa_tokens() {
    let key = ed25519();
    let keys = set(vec![okp_jwk(&key, "ed")]);
    assert_eq!(keys.len(), 1);
    let v = validator(keys, &[Algorithm::EdDSA]);
    let token = ed_token(&key, &json!({"alg": "EdDSA", "kid": "ed"}));
    assert_eq!(validate(&v, &token).unwrap().sub.as_deref(), Some("u"));
    // Without a kid: the only EdDSA key.
    let token = ed_token(&key, &json!({"alg": "EdDSA"}));
    assert!(validate(&v, &token).is_ok());
    // Another Ed25519 key's signature, and a changed payload, do not verify.
    let other = ed_token(&ed25519(), &json!({"alg": "EdDSA", "kid": "ed"}));
    assert_eq!(
        validate(&v, &other).err(),
        Some(TokenError::InvalidSignature)
    );
    let (input, signature) = token.rsplit_once('.').unwrap();
    let tampered = format!("{}x.{signature}", &input[..input.len() - 1]);
    assert!(validate(&v, &tampered).is_err());
}

#[test]
fn eddsa_only_where_the_allow_list_says() {
    let key = ed25519();
    let v = validator(set(vec![okp_jwk(&key, "ed")]), &[Algorithm::RS256]);
    let token = ed_token(&key, &json!({"alg": "EdDSA", "kid": "ed"}));
    assert_eq!(
        validate(&v, &token).err(),
        Some(TokenError::AlgorithmNotAllowed)
    );
}

#[test]
fn other_curves_are_refused() {
    let x32 = b64(&[7u8; 32]);
    let x57 = b64(&[7u8; 57]);
    for jwk in [
        json!({"kty": "OKP", "crv": "Ed448", "x": x57}),
        json!({"kty": "OKP", "crv": "X25519", "x": x32}),
        json!({"kty": "OKP", "crv": "X448", "x": x57}),
        json!({"kty": "OKP", "x": x32}),
        json!({"kty": "EC", "crv": "P-521", "x": x32, "y": x32}),
        json!({"kty": "EC", "crv": "secp256k1", "x": x32, "y": x32}),
        json!({"kty": "EC", "crv": "Ed25519", "x": x32}),
    ] {
        assert_eq!(
            parse_one(jwk.clone()),
            Err(JwkError::UnsupportedCurve),
            "{jwk}"
        );
    }
    assert_eq!(
        parse_one(json!({"kty": "oct", "k": "c2VjcmV0"})),
        Err(JwkError::UnsupportedKeyType)
    );
}

#[test]
fn malformed_ed25519_keys_are_refused() {
    let key = ed25519();
    let public = key.public_key().as_ref().to_vec();
    for jwk in [
        json!({"kty": "OKP", "crv": "Ed25519"}),
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&public[..31])}),
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&[public.clone(), vec![0]].concat())}),
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&public), "y": b64(&public)}),
        json!({"kty": "OKP", "crv": "Ed25519", "x": "not base64url!"}),
    ] {
        assert_eq!(parse_one(jwk.clone()), Err(JwkError::Malformed), "{jwk}");
    }
}

#[test]
fn an_alg_of_another_family_is_a_mismatch() {
    let key = ed25519();
    let mut es256_on_okp = okp_jwk(&key, "ed");
    es256_on_okp["alg"] = json!("ES256");
    let mut eddsa_on_ec = ec_jwk(
        &EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
        "ec",
    );
    eddsa_on_ec["alg"] = json!("EdDSA");
    let mut eddsa_on_rsa = rsa_jwk("rsa");
    eddsa_on_rsa["alg"] = json!("EdDSA");
    for jwk in [es256_on_okp, eddsa_on_ec, eddsa_on_rsa] {
        assert_eq!(
            parse_one(jwk.clone()),
            Err(JwkError::AlgorithmMismatch),
            "{jwk}"
        );
    }
}

/// No algorithm/key confusion: a kid names the key, and a key verifies only its own family,
/// whatever the allow-list holds.
#[test]
fn keys_of_another_family_never_verify_eddsa_and_back() {
    let ed = ed25519();
    let ec = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let keys = set(vec![okp_jwk(&ed, "ed"), ec_jwk(&ec, "ec"), rsa_jwk("rsa")]);
    assert_eq!(keys.len(), 3);
    assert!(matches!(
        keys.lookup(Algorithm::EdDSA, Some("ec")),
        Lookup::Mismatch
    ));
    assert!(matches!(
        keys.lookup(Algorithm::EdDSA, Some("rsa")),
        Lookup::Mismatch
    ));
    for alg in [Algorithm::ES256, Algorithm::RS256, Algorithm::PS256] {
        assert!(
            matches!(keys.lookup(alg, Some("ed")), Lookup::Mismatch),
            "{alg}"
        );
    }
    assert!(matches!(
        keys.lookup(Algorithm::EdDSA, None),
        Lookup::Found(k) if k.kid() == Some("ed")
    ));
    let every = [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ];
    let v = validator(keys, &every);
    // An Ed25519 signature presented as ES256 under the EC key's kid, and as EdDSA under the
    // EC and RSA keys' kids: refused before any signature check.
    for header in [
        json!({"alg": "ES256", "kid": "ed"}),
        json!({"alg": "EdDSA", "kid": "ec"}),
        json!({"alg": "EdDSA", "kid": "rsa"}),
        json!({"alg": "RS256", "kid": "ed"}),
    ] {
        let token = ed_token(&ed, &header);
        assert_eq!(
            validate(&v, &token).err(),
            Some(TokenError::KeyMismatch),
            "{header}"
        );
    }
    // An ES256 signature labelled EdDSA (64 bytes, like an Ed25519 signature) does not verify.
    let header = json!({"alg": "EdDSA", "kid": "ed"});
    let input = signing_input(&header, &claims());
    let es = ec.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    assert_eq!(es.as_ref().len(), 64);
    let token = format!("{input}.{}", b64(es.as_ref()));
    assert_eq!(
        validate(&v, &token).err(),
        Some(TokenError::InvalidSignature)
    );
}
