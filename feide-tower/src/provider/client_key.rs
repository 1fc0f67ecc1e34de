//! A client's private signing key for `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9):
//! read from a private JWK or a PKCS#8 PEM, used only to sign client assertions, never printed.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// The algorithm a client assertion is signed with. An allow-list: nothing else is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientKeyAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the default for RSA keys).
    Rs256,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// ECDSA on P-256 with SHA-256 (the only one for EC keys).
    Es256,
}

impl ClientKeyAlgorithm {
    /// The JOSE name (`RS256`, `PS256`, `ES256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
            Self::Es256 => "ES256",
        }
    }

    /// Parses a JOSE name from the allow-list.
    ///
    /// # Errors
    ///
    /// [`ClientKeyError::UnsupportedAlgorithm`] for anything else (including `none` and `HS256`).
    pub fn parse(name: &str) -> Result<Self, ClientKeyError> {
        match name {
            "RS256" => Ok(Self::Rs256),
            "PS256" => Ok(Self::Ps256),
            "ES256" => Ok(Self::Es256),
            other => Err(ClientKeyError::UnsupportedAlgorithm(sanitise(other))),
        }
    }

    fn fits(self, pair: &Pair) -> bool {
        matches!(
            (self, pair),
            (Self::Rs256 | Self::Ps256, Pair::Rsa(_)) | (Self::Es256, Pair::Ec(_))
        )
    }
}

impl fmt::Display for ClientKeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client key could not be used. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientKeyError {
    /// The text is not a JSON object with the members of a private JWK.
    #[error("the client key is not a JWK (JSON object with \"kty\")")]
    NotAJwk,
    /// The JWK has no (or a blank) `kid`, or a blank key id was given for a PEM key.
    #[error("the client key has no key id (\"kid\")")]
    MissingKid,
    /// The JWK holds only a public key (no `d`).
    #[error("the client key is a public key: a private key (with \"d\") is needed")]
    NotPrivate,
    /// Neither RSA nor EC P-256.
    #[error("unsupported client key type {0:?}: RSA or EC P-256 keys are supported")]
    UnsupportedKeyType(String),
    /// An algorithm outside the allow-list.
    #[error("unsupported client assertion algorithm {0:?}: RS256, PS256 or ES256")]
    UnsupportedAlgorithm(String),
    /// The algorithm does not fit the key (e.g. ES256 with an RSA key).
    #[error("algorithm {alg} does not fit a {kty} key")]
    AlgorithmMismatch {
        /// The algorithm asked for.
        alg: ClientKeyAlgorithm,
        /// `RSA` or `EC`.
        kty: &'static str,
    },
    /// The key material is malformed or refused by the crypto library.
    #[error("the client key cannot be read: {0}")]
    Invalid(&'static str),
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl Pair {
    fn kty(&self) -> &'static str {
        match self {
            Pair::Rsa(_) => "RSA",
            Pair::Ec(_) => "EC",
        }
    }
}

/// The private key this application signs its client assertions with (`private_key_jwt`).
///
/// RSA (RS256 by default, or PS256) or EC P-256 (ES256), from a private JWK or a PKCS#8 PEM plus
/// a key id. Cheap to clone. `Debug` prints the key id and algorithm only: the key never
/// appears in a log or an error.
///
/// ```
/// use feide_tower::provider::{ClientKey, ClientKeyAlgorithm};
///
/// let jwk = r#"{"kty":"EC","crv":"P-256","kid":"k1",
///   "x":"dzMomPy4il5syH-Yz_Ywa-7V_G5Sie6pWXDsMWRltPU",
///   "y":"ScOgbfd5XfjvW7kxC98pqjqv1HBIb98c8RibOiOkk80",
///   "d":"Xk8Y7ZgbeopF5a9PLd8TM0hw4YGBPJNzevhOYSNF868"}"#;
/// let key = ClientKey::from_jwk(jwk).unwrap();
/// assert_eq!(key.algorithm(), ClientKeyAlgorithm::Es256);
/// assert_eq!(format!("{key:?}"), r#"ClientKey { kid: "k1", alg: ES256 }"#);
/// // Publish or register the public half with the provider:
/// assert!(key.public_jwk().get("d").is_none());
/// ```
#[derive(Clone)]
pub struct ClientKey {
    kid: String,
    alg: ClientKeyAlgorithm,
    pair: Arc<Pair>,
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("kid", &self.kid)
            .field("alg", &format_args!("{}", self.alg))
            .finish()
    }
}

impl ClientKey {
    /// Reads a private JWK (RFC 7517/7518): `kty` `RSA` (`n e d p q dp dq qi`) or `EC` with
    /// `crv` `P-256` (`x y d`), and a `kid`. The algorithm is the JWK's `alg` when present (it
    /// must be on the allow-list and fit the key), otherwise RS256 for RSA and ES256 for EC.
    ///
    /// # Errors
    ///
    /// A [`ClientKeyError`] naming what is wrong (never quoting the key).
    pub fn from_jwk(jwk: &str) -> Result<Self, ClientKeyError> {
        let Ok(Value::Object(jwk)) = serde_json::from_str::<Value>(jwk) else {
            return Err(ClientKeyError::NotAJwk);
        };
        let text = |name: &str| jwk.get(name).and_then(Value::as_str);
        let kty = text("kty").ok_or(ClientKeyError::NotAJwk)?;
        let kid = text("kid")
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(ClientKeyError::MissingKid)?;
        if text("d").is_none() {
            return Err(ClientKeyError::NotPrivate);
        }
        let bytes = |name: &'static str| -> Result<Vec<u8>, ClientKeyError> {
            let value = text(name).ok_or(ClientKeyError::Invalid("a JWK member is missing"))?;
            URL_SAFE_NO_PAD
                .decode(value.trim_end_matches('='))
                .map_err(|_| ClientKeyError::Invalid("a JWK member is not base64url"))
        };
        let pair = match kty {
            "RSA" => {
                if jwk.contains_key("oth") {
                    return Err(ClientKeyError::Invalid("multi-prime RSA keys"));
                }
                let mut parts = Vec::with_capacity(8);
                for name in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                    parts.push(bytes(name)?);
                }
                let der = rsa_private_key_der(&parts);
                Pair::Rsa(
                    RsaKeyPair::from_der(&der)
                        .map_err(|_| ClientKeyError::Invalid("RSA key refused"))?,
                )
            }
            "EC" => {
                if text("crv") != Some("P-256") {
                    return Err(ClientKeyError::UnsupportedKeyType(format!(
                        "EC {}",
                        sanitise(text("crv").unwrap_or("(no crv)"))
                    )));
                }
                let (x, y, d) = (
                    fixed32(bytes("x")?)?,
                    fixed32(bytes("y")?)?,
                    fixed32(bytes("d")?)?,
                );
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Pair::Ec(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &d,
                        &point,
                    )
                    .map_err(|_| ClientKeyError::Invalid("EC key refused"))?,
                )
            }
            other => return Err(ClientKeyError::UnsupportedKeyType(sanitise(other))),
        };
        let key = Self::with_default_algorithm(kid.to_owned(), pair);
        match text("alg") {
            Some(alg) => key.with_algorithm(ClientKeyAlgorithm::parse(alg)?),
            None => Ok(key),
        }
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey` writes) holding
    /// an RSA or EC P-256 key, named `kid` (the key id registered with the provider).
    ///
    /// # Errors
    ///
    /// [`ClientKeyError::MissingKid`] for a blank `kid`; [`ClientKeyError::Invalid`] for
    /// anything but an unencrypted PKCS#8 RSA or P-256 key.
    pub fn from_pkcs8_pem(pem: &str, kid: impl Into<String>) -> Result<Self, ClientKeyError> {
        const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
        const END: &str = "-----END PRIVATE KEY-----";
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(ClientKeyError::Invalid(
                "encrypted PEM keys are not supported",
            ));
        }
        if pem.contains("-----BEGIN RSA PRIVATE KEY-----")
            || pem.contains("-----BEGIN EC PRIVATE KEY-----")
        {
            return Err(ClientKeyError::Invalid(
                "not PKCS#8: convert it with `openssl pkcs8 -topk8 -nocrypt`",
            ));
        }
        let body = pem
            .split_once(BEGIN)
            .and_then(|(_, rest)| rest.split_once(END))
            .map(|(body, _)| body)
            .ok_or(ClientKeyError::Invalid("no PKCS#8 PEM block"))?;
        let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = STANDARD
            .decode(b64)
            .map_err(|_| ClientKeyError::Invalid("the PEM body is not base64"))?;
        Self::from_pkcs8_der(&der, kid)
    }

    /// Reads a DER-encoded PKCS#8 RSA or EC P-256 private key, named `kid`.
    ///
    /// # Errors
    ///
    /// As [`from_pkcs8_pem`](Self::from_pkcs8_pem).
    pub fn from_pkcs8_der(der: &[u8], kid: impl Into<String>) -> Result<Self, ClientKeyError> {
        let kid = kid.into().trim().to_owned();
        if kid.is_empty() {
            return Err(ClientKeyError::MissingKid);
        }
        let pair = if let Ok(rsa) = RsaKeyPair::from_pkcs8(der) {
            Pair::Rsa(rsa)
        } else if let Ok(ec) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der)
        {
            Pair::Ec(ec)
        } else {
            return Err(ClientKeyError::Invalid(
                "not an unencrypted PKCS#8 RSA or EC P-256 private key",
            ));
        };
        Ok(Self::with_default_algorithm(kid, pair))
    }

    fn with_default_algorithm(kid: String, pair: Pair) -> Self {
        let alg = match pair {
            Pair::Rsa(_) => ClientKeyAlgorithm::Rs256,
            Pair::Ec(_) => ClientKeyAlgorithm::Es256,
        };
        Self {
            kid,
            alg,
            pair: Arc::new(pair),
        }
    }

    /// Signs with `alg` instead of the key's default (PS256 for an RSA key).
    ///
    /// # Errors
    ///
    /// [`ClientKeyError::AlgorithmMismatch`] when `alg` does not fit the key.
    pub fn with_algorithm(mut self, alg: ClientKeyAlgorithm) -> Result<Self, ClientKeyError> {
        if !alg.fits(&self.pair) {
            return Err(ClientKeyError::AlgorithmMismatch {
                alg,
                kty: self.pair.kty(),
            });
        }
        self.alg = alg;
        Ok(self)
    }

    /// The key id (the assertion's `kid` header).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The signing algorithm (the assertion's `alg` header).
    pub fn algorithm(&self) -> ClientKeyAlgorithm {
        self.alg
    }

    /// The public half as a JWK (`kty`, `kid`, `alg`, `use: sig` and `n`/`e` or `crv`/`x`/`y`),
    /// to register with the provider (a client's `jwks`) or publish at a `jwks_uri`.
    pub fn public_jwk(&self) -> Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match &*self.pair {
            Pair::Rsa(pair) => {
                let public = pair.public_key();
                json!({
                    "kty": "RSA",
                    "kid": self.kid,
                    "alg": self.alg.as_str(),
                    "use": "sig",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Pair::Ec(pair) => {
                let point = pair.public_key().as_ref();
                let (x, y) = point
                    .get(1..33)
                    .zip(point.get(33..65))
                    .unwrap_or((&[], &[]));
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "kid": self.kid,
                    "alg": self.alg.as_str(),
                    "use": "sig",
                    "x": b64(x),
                    "y": b64(y),
                })
            }
        }
    }

    /// The JWS signature of `message` (fixed-size `r || s` for ES256).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ClientKeyError> {
        let rng = SystemRandom::new();
        let failed = |_| ClientKeyError::Invalid("signing failed");
        match (&*self.pair, self.alg) {
            (Pair::Rsa(pair), alg) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    ClientKeyAlgorithm::Ps256 => &signature::RSA_PSS_SHA256,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
            (Pair::Ec(pair), _) => Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// An EC coordinate or scalar as exactly 32 bytes (left-padded when a serializer dropped
/// leading zeros).
fn fixed32(bytes: Vec<u8>) -> Result<[u8; 32], ClientKeyError> {
    let mut out = [0u8; 32];
    let start = 32usize
        .checked_sub(bytes.len())
        .ok_or(ClientKeyError::Invalid("an EC member is too long"))?;
    out[start..].copy_from_slice(&bytes);
    Ok(out)
}

/// `RSAPrivateKey` (RFC 8017 A.1.2, version 0) in DER from the JWK's big-endian integers.
fn rsa_private_key_der(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut content = der_integer(&[0]);
    for part in parts {
        content.extend(der_integer(part));
    }
    der_tlv(0x30, &content)
}

fn der_integer(big_endian: &[u8]) -> Vec<u8> {
    let first = big_endian
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(big_endian.len());
    let digits = &big_endian[first..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    // A positive INTEGER whose first byte has the high bit set needs a leading zero.
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    der_tlv(0x02, &content)
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let significant = &bytes[skip..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// Up to 32 printable ASCII characters of a value taken from configuration, for an error.
fn sanitise(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures for the report (ignored; `--ignored --nocapture`): the cost of one assertion.
    #[test]
    #[ignore = "a measurement, not a test"]
    fn measure_assertion_cost() {
        use std::time::Instant;
        let rsa = || Pair::Rsa(RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap());
        let ec =
            Pair::Ec(EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap());
        let rs = ClientKey::with_default_algorithm("k".into(), rsa());
        let ps = ClientKey::with_default_algorithm("k".into(), rsa())
            .with_algorithm(ClientKeyAlgorithm::Ps256)
            .unwrap();
        let es = ClientKey::with_default_algorithm("k".into(), ec);
        const N: u32 = 500;
        for key in [rs, ps, es] {
            let start = Instant::now();
            for _ in 0..N {
                std::hint::black_box(
                    super::super::client_assertion::client_assertion(
                        &key,
                        "client",
                        "https://issuer",
                    )
                    .unwrap(),
                );
            }
            println!("{}: {:?} per assertion", key.alg, start.elapsed() / N);
        }
    }

    #[test]
    fn der_integers_are_minimal_and_positive() {
        assert_eq!(der_integer(&[0]), [2, 1, 0]);
        assert_eq!(der_integer(&[]), [2, 1, 0]);
        assert_eq!(der_integer(&[0, 0, 5]), [2, 1, 5]);
        assert_eq!(der_integer(&[0x80]), [2, 2, 0, 0x80]);
        assert_eq!(der_tlv(0x30, &[0; 200])[..3], [0x30, 0x81, 200]);
        assert_eq!(der_tlv(0x30, &[0; 300])[..4], [0x30, 0x82, 1, 44]);
    }

    #[test]
    fn refuses_what_it_cannot_use_without_quoting_it() {
        let err = |s: &str| ClientKey::from_jwk(s).unwrap_err();
        assert_eq!(err("not json"), ClientKeyError::NotAJwk);
        assert_eq!(err(r#"{"kty":"EC","d":"x"}"#), ClientKeyError::MissingKid);
        assert_eq!(err(r#"{"kty":"EC","kid":"k"}"#), ClientKeyError::NotPrivate);
        assert!(matches!(
            err(r#"{"kty":"oct","kid":"k","d":"x","k":"c2VjcmV0"}"#),
            ClientKeyError::UnsupportedKeyType(_)
        ));
        assert!(matches!(
            ClientKeyAlgorithm::parse("none"),
            Err(ClientKeyError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            ClientKeyAlgorithm::parse("HS256"),
            Err(ClientKeyError::UnsupportedAlgorithm(_))
        ));
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----";
        assert!(matches!(
            ClientKey::from_pkcs8_pem(pem, "k"),
            Err(ClientKeyError::Invalid(_))
        ));
    }
}
