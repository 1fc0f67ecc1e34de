//! The JWT validator on hostile input. The first byte picks what the rest is:
//!
//! - `0`: a whole compact token. It is never signed by our key, so it must never validate, and
//!   no error text may contain it.
//! - `1`: the claims segment (any bytes), signed with the test key under a good header: reaches
//!   claim parsing and checking; whatever validates must really have our issuer, audience and
//!   live times.
//! - `2`: the header segment (any bytes), with good claims, signed: whatever validates must have
//!   named our algorithm and key and carry no key-choosing parameter.
#![no_main]

use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::token::Jwks;
use feide_tower::token::{Algorithm, Claims, KeySet, TokenError, Validator, now};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "https://n.feide.no/datasources/fuzz";
const KID: &str = "fuzz-ec";
const LEEWAY: i64 = 60;

struct Setup {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    validator: Validator,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256 key");
        let point = key.public_key().as_ref().to_vec(); // 0x04 || x || y
        let jwks = json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": KID, "use": "sig", "alg": "ES256",
             "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])},
        ]});
        let keys = KeySet::from_json(jwks.to_string().as_bytes()).expect("JWKS");
        assert_eq!(keys.len(), 1);
        let validator = Validator::builder(Jwks::fixed(keys))
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .algorithms(&[Algorithm::ES256, Algorithm::RS256])
            .build()
            .expect("validator");
        Setup {
            key,
            rng: SystemRandom::new(),
            validator,
        }
    })
}

/// Polls a future that never waits (a fixed key set never fetches) to completion.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("validation with a fixed key set should never wait");
}

fn signed(s: &Setup, header: &[u8], claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = s.key.sign(&s.rng, input.as_bytes()).expect("sign");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn check_accepted(claims: &Claims, payload: &Value) {
    let t = now();
    assert_eq!(claims.iss, ISSUER);
    assert!(claims.aud.iter().any(|a| a == AUDIENCE));
    assert!(t <= claims.exp + LEEWAY, "expired token accepted");
    assert!(claims.nbf.is_none_or(|nbf| nbf <= t + LEEWAY));
    assert!(claims.iat.is_none_or(|iat| iat <= t + LEEWAY));
    // What the validator read is what the token said.
    assert_eq!(payload["iss"], ISSUER);
    match &payload["aud"] {
        Value::String(a) => assert_eq!(a, AUDIENCE),
        Value::Array(items) => assert!(items.iter().any(|a| a == AUDIENCE)),
        other => panic!("accepted aud {other}"),
    }
    assert!(payload["exp"].is_number());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let s = setup();
    match mode % 3 {
        0 => {
            let Ok(token) = std::str::from_utf8(rest) else {
                return;
            };
            let result = block_on(s.validator.validate(token));
            let error = result.expect_err("a token we never signed validated");
            // Error texts are fixed sentences; a JWT-shaped input (with a dot, which no message
            // has) never appears in one.
            if token.len() >= 16 && token.contains('.') {
                assert!(!error.to_string().contains(token));
            }
        }
        1 => {
            let header = json!({"alg": "ES256", "kid": KID}).to_string();
            let token = signed(s, header.as_bytes(), rest);
            if let Ok(claims) = block_on(s.validator.validate(&token)) {
                let payload: Value =
                    serde_json::from_slice(rest).expect("accepted claims are JSON");
                check_accepted(&claims, &payload);
            }
        }
        _ => {
            let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600}).to_string();
            let token = signed(s, rest, claims.as_bytes());
            match block_on(s.validator.validate(&token)) {
                Ok(_) => {
                    // serde_json skips unknown members without checking their UTF-8, so an
                    // accepted header may hold invalid bytes there: read it leniently.
                    let text = String::from_utf8_lossy(rest);
                    let header: Value =
                        serde_json::from_str(&text).expect("accepted header is JSON");
                    assert_eq!(header["alg"], "ES256");
                    assert!(header.get("kid").is_none_or(|k| k == KID));
                    for forbidden in ["jku", "x5u", "jwk", "crit", "zip"] {
                        assert!(header.get(forbidden).is_none(), "{forbidden} accepted");
                    }
                }
                Err(TokenError::InvalidSignature) => {
                    panic!("our own signature over a parsable header failed to verify")
                }
                Err(_) => {}
            }
        }
    }
});
