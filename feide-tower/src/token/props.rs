//! Property tests of the token parser and validator (issue #9): parsing never panics on any
//! input, the validator accepts exactly what the key signed (with the claims it says), and never
//! a token signed by another key, altered in any byte, expired, or with a registered claim of
//! the wrong type. Tokens are ES256 with keys generated per process (fast to sign); the code
//! under test is the same for every algorithm past the signature check.

use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::claims::Claims;
use super::jws;
use super::{Algorithm, KeySet, TokenError, Validator, now};
use crate::token::Jwks;

const ISSUER: &str = "https://auth.dataporten.no";
const AUDIENCE: &str = "https://n.feide.no/datasources/props";
const KID: &str = "props-ec";

struct Keys {
    ours: EcdsaKeyPair,
    theirs: EcdsaKeyPair,
    rng: SystemRandom,
    validator: Validator,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let generate = || EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let (ours, theirs) = (generate(), generate());
        let point = ours.public_key().as_ref().to_vec(); // 0x04 || x || y
        let jwks = json!({"keys": [{
            "kty": "EC", "crv": "P-256", "kid": KID, "use": "sig", "alg": "ES256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..]),
        }]});
        let set = KeySet::from_json(jwks.to_string().as_bytes()).unwrap();
        let validator = Validator::builder(Jwks::fixed(set))
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .algorithms(&[Algorithm::ES256, Algorithm::RS256])
            .build()
            .unwrap();
        Keys {
            ours,
            theirs,
            rng: SystemRandom::new(),
            validator,
        }
    })
}

/// Validation against a fixed key set never waits; poll it to completion.
fn validate(token: &str) -> Result<Claims, TokenError> {
    let mut future = std::pin::pin!(keys().validator.validate(token));
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("validation with a fixed key set waited"),
    }
}

fn sign_with(key: &EcdsaKeyPair, header: &Value, claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = key.sign(&keys().rng, input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn sign(claims: &Value) -> String {
    sign_with(
        &keys().ours,
        &json!({"alg": "ES256", "kid": KID}),
        claims.to_string().as_bytes(),
    )
}

/// Claims that must validate: our issuer and audience, live times, any subject and scopes.
fn good_claims() -> impl Strategy<Value = Value> {
    (
        "[a-zA-Z0-9@._-]{1,40}",
        proptest::collection::vec("[a-zA-Z0-9_:-]{1,20}", 0..5),
        60i64..100_000,
        proptest::option::of(-50i64..50),
        any::<bool>(),
    )
        .prop_map(|(sub, scopes, ttl, nbf, aud_array)| {
            let now = now();
            let mut claims = json!({
                "iss": ISSUER,
                "aud": if aud_array { json!(["https://other.example", AUDIENCE]) } else { json!(AUDIENCE) },
                "sub": sub,
                "exp": now + ttl,
                "iat": now,
                "scope": scopes.join(" "),
            });
            if let Some(nbf) = nbf {
                claims["nbf"] = json!(now + nbf);
            }
            claims
        })
}

/// A JSON value of any shape (bounded).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics(token in any::<String>()) {
        let _ = jws::parse(&token, &[Algorithm::RS256, Algorithm::ES256]);
        let _ = validate(&token);
    }

    #[test]
    fn parse_never_panics_on_token_shaped_input(
        h in "[A-Za-z0-9_=+/-]{0,120}",
        p in "[A-Za-z0-9_=+/-]{0,120}",
        s in "[A-Za-z0-9_=+/-]{0,120}",
        extra in proptest::option::of("[A-Za-z0-9_-]{0,20}"),
    ) {
        let token = match extra {
            Some(e) => format!("{h}.{p}.{s}.{e}"),
            None => format!("{h}.{p}.{s}"),
        };
        let _ = jws::parse(&token, &[Algorithm::RS256, Algorithm::ES256]);
        prop_assert!(validate(&token).is_err());
    }

    #[test]
    fn any_header_json_parses_or_is_refused_without_panic(header in any_json()) {
        let token = format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(header.to_string()));
        if let Ok(compact) = jws::parse(&token, &[Algorithm::RS256, Algorithm::ES256]) {
            // Whatever parses named an allowed algorithm and no key-choosing parameter.
            prop_assert!(matches!(header["alg"].as_str(), Some("RS256" | "ES256")));
            for name in ["jku", "x5u", "jwk", "crit", "zip"] {
                prop_assert!(header.get(name).is_none_or(Value::is_null));
            }
            prop_assert_eq!(compact.header.kid.as_deref(), header["kid"].as_str());
        }
    }

    #[test]
    fn claims_parsing_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Claims::from_payload(&payload);
    }

    #[test]
    fn claims_of_any_shape_are_read_or_refused(claims in any_json()) {
        if let Ok(c) = Claims::from_payload(claims.to_string().as_bytes()) {
            // What was read is what the JSON said, with the right types.
            prop_assert_eq!(claims["iss"].as_str(), Some(c.iss.as_str()));
            prop_assert!(!c.aud.is_empty());
            prop_assert!(claims["exp"].is_number());
        }
    }

    #[test]
    fn the_validator_accepts_what_our_key_signed(claims in good_claims()) {
        let c = validate(&sign(&claims)).expect("a token our key signed validates");
        prop_assert_eq!(c.iss, ISSUER);
        prop_assert_eq!(c.sub.as_deref(), claims["sub"].as_str());
        prop_assert_eq!(c.exp, claims["exp"].as_i64().unwrap());
        prop_assert_eq!(c.scope.to_string(), claims["scope"].as_str().unwrap().split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "));
    }

    #[test]
    fn never_a_token_signed_by_another_key(claims in good_claims(), name_our_kid in any::<bool>()) {
        let header = if name_our_kid { json!({"alg": "ES256", "kid": KID}) } else { json!({"alg": "ES256"}) };
        let token = sign_with(&keys().theirs, &header, claims.to_string().as_bytes());
        prop_assert_eq!(validate(&token).unwrap_err(), TokenError::InvalidSignature);
    }

    #[test]
    fn never_a_token_changed_in_any_byte(
        claims in good_claims(),
        index in any::<prop::sample::Index>(),
        replacement in prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".to_vec()),
    ) {
        let token = sign(&claims);
        let mut bytes = token.clone().into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let mutated = String::from_utf8(bytes).unwrap();
        prop_assert!(validate(&mutated).is_err(), "accepted {} (from {})", mutated, token);
    }

    #[test]
    fn never_a_token_cut_or_extended(claims in good_claims(), cut in 1usize..40, tail in "[A-Za-z0-9_.-]{1,8}") {
        let token = sign(&claims);
        let cut_token = &token[..token.len().saturating_sub(cut)];
        prop_assert!(validate(cut_token).is_err());
        let extended = format!("{token}{tail}");
        prop_assert!(validate(&extended).is_err());
    }

    #[test]
    fn never_an_expired_token(claims in good_claims(), ago in 61i64..10_000_000) {
        let mut claims = claims;
        claims["exp"] = json!(now() - ago);
        claims.as_object_mut().unwrap().remove("nbf");
        prop_assert_eq!(validate(&sign(&claims)).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn never_a_registered_claim_of_the_wrong_type(
        claims in good_claims(),
        name in prop::sample::select(vec!["iss", "aud", "exp", "nbf", "iat", "sub", "client_id", "scope", "act", "acr", "nonce", "azp", "auth_time"]),
        value in any_json(),
    ) {
        let fits = match name {
            "iss" => value == json!(ISSUER),
            "aud" => value == json!(AUDIENCE) || value.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string) && a.contains(&json!(AUDIENCE))),
            "exp" | "nbf" | "iat" | "auth_time" => value.is_number(),
            "scope" => value.is_string() || value.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            "act" => value.is_object(),
            _ => value.is_string(),
        };
        prop_assume!(!fits);
        let mut claims = claims;
        claims[name] = value;
        prop_assert!(validate(&sign(&claims)).is_err());
    }
}
