//! JSON Web Keys: parsed once into verification keys, looked up by `kid`.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ED25519, ParsedPublicKey,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::algorithm::{Algorithm, KeyFamily};

/// One verification key from a JWKS, parsed once.
///
/// RSA keys hold one pre-parsed key per RSA algorithm they may verify, so a request never parses
/// key material (DESIGN §5: parsing costs as much as a quarter of a verify).
pub struct VerifyingKey {
    kid: Option<String>,
    family: KeyFamily,
    /// The `alg` the JWK pins, if any: a token must then use exactly this algorithm.
    pinned_alg: Option<Algorithm>,
    parsed: Vec<(Algorithm, ParsedPublicKey)>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("family", &self.family)
            .field("pinned_alg", &self.pinned_alg)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// The key's id, if the JWK had one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub(crate) fn accepts(&self, alg: Algorithm) -> bool {
        alg.key_family() == self.family && self.pinned_alg.is_none_or(|p| p == alg)
    }

    /// Verifies `signature` over `message`; `false` when the key cannot verify `alg` at all.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.parsed
            .iter()
            .find(|(a, _)| *a == alg)
            .is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok())
    }
}

/// Why a JWK was skipped. Skipped keys are logged at debug level, never fatal for the set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkError {
    /// `use` is present and not `sig`.
    #[error("key is not for signatures")]
    NotForSignatures,
    /// Key type feide-tower does not verify (`oct`, or anything unknown).
    #[error("unsupported key type")]
    UnsupportedKeyType,
    /// An `EC` or `OKP` key on a curve feide-tower does not verify: only P-256, P-384 and
    /// Ed25519 are (Ed448 and the key-agreement curves X25519/X448 are refused).
    #[error("unsupported curve (P-256, P-384 and Ed25519 are verified)")]
    UnsupportedCurve,
    /// The key's `alg` is not one feide-tower verifies.
    #[error("unsupported key algorithm")]
    UnsupportedAlgorithm,
    /// The key's `alg` does not fit its key type.
    #[error("key algorithm does not match key type")]
    AlgorithmMismatch,
    /// Missing or malformed key material.
    #[error("malformed key material")]
    Malformed,
    /// An RSA modulus shorter than 2048 bits: it could never verify a token, and accepting it
    /// would let a broken JWKS replace the good keys.
    #[error("RSA key shorter than 2048 bits")]
    WeakKey,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

fn b64(field: Option<&str>) -> Result<Vec<u8>, JwkError> {
    URL_SAFE_NO_PAD
        .decode(field.ok_or(JwkError::Malformed)?)
        .map_err(|_| JwkError::Malformed)
}

impl VerifyingKey {
    fn from_raw(raw: &RawJwk) -> Result<Self, JwkError> {
        if raw.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(JwkError::NotForSignatures);
        }
        let pinned_alg = match raw.alg.as_deref() {
            None => None,
            Some(name) => Some(Algorithm::from_name(name).ok_or(JwkError::UnsupportedAlgorithm)?),
        };
        let family = match (raw.kty.as_str(), raw.crv.as_deref()) {
            ("RSA", _) => KeyFamily::Rsa,
            ("EC", Some("P-256")) => KeyFamily::EcP256,
            ("EC", Some("P-384")) => KeyFamily::EcP384,
            ("OKP", Some("Ed25519")) => KeyFamily::Ed25519,
            ("EC" | "OKP", _) => return Err(JwkError::UnsupportedCurve),
            _ => return Err(JwkError::UnsupportedKeyType),
        };
        if pinned_alg.is_some_and(|a| a.key_family() != family) {
            return Err(JwkError::AlgorithmMismatch);
        }
        let parsed = match family {
            KeyFamily::Rsa => {
                let n = b64(raw.n.as_deref())?;
                let e = b64(raw.e.as_deref())?;
                if strip_leading_zeros(&n).len() < MIN_RSA_MODULUS_BYTES {
                    return Err(JwkError::WeakKey);
                }
                // The components must be minimal big-endian; strip a sign byte some encoders add.
                let components = RsaPublicKeyComponents {
                    n: strip_leading_zeros(&n),
                    e: strip_leading_zeros(&e),
                };
                const RSA_ALGS: [Algorithm; 4] = [
                    Algorithm::RS256,
                    Algorithm::RS384,
                    Algorithm::RS512,
                    Algorithm::PS256,
                ];
                let algs: &[Algorithm] = match &pinned_alg {
                    Some(a) => std::slice::from_ref(a),
                    None => &RSA_ALGS,
                };
                let mut parsed = Vec::with_capacity(algs.len());
                for &alg in algs {
                    let params = rsa_params(alg);
                    let key = components
                        .to_parsed_public_key(params)
                        .map_err(|_| JwkError::Malformed)?;
                    parsed.push((alg, key));
                }
                parsed
            }
            KeyFamily::EcP256 | KeyFamily::EcP384 => {
                let (alg, verification, len) = if family == KeyFamily::EcP256 {
                    (Algorithm::ES256, &ECDSA_P256_SHA256_FIXED, 32)
                } else {
                    (Algorithm::ES384, &ECDSA_P384_SHA384_FIXED, 48)
                };
                let x = b64(raw.x.as_deref())?;
                let y = b64(raw.y.as_deref())?;
                if x.len() != len || y.len() != len {
                    return Err(JwkError::Malformed);
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let key =
                    ParsedPublicKey::new(verification, point).map_err(|_| JwkError::Malformed)?;
                vec![(alg, key)]
            }
            KeyFamily::Ed25519 => {
                // RFC 8037 §2: `x` is the 32-byte public key; there is no `y`.
                let x = b64(raw.x.as_deref())?;
                if x.len() != ED25519_PUBLIC_KEY_LEN || raw.y.is_some() {
                    return Err(JwkError::Malformed);
                }
                let key = ParsedPublicKey::new(&ED25519, x).map_err(|_| JwkError::Malformed)?;
                vec![(Algorithm::EdDSA, key)]
            }
        };
        Ok(Self {
            kid: raw.kid.clone(),
            family,
            pinned_alg,
            parsed,
        })
    }
}

/// One JWK parsed as [`KeySet::from_json`] parses each, with the reason when it is skipped.
#[cfg(test)]
pub(super) fn parse_jwk(jwk: serde_json::Value) -> Result<VerifyingKey, JwkError> {
    serde_json::from_value::<RawJwk>(jwk)
        .map_err(|_| JwkError::Malformed)
        .and_then(|raw| VerifyingKey::from_raw(&raw))
}

/// An Ed25519 public key is 32 bytes (RFC 8032 §5.1.5).
const ED25519_PUBLIC_KEY_LEN: usize = 32;

/// 2048 bits: the smallest modulus the RS*/PS* verifiers accept.
const MIN_RSA_MODULUS_BYTES: usize = 256;

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn rsa_params(alg: Algorithm) -> &'static aws_lc_rs::signature::RsaParameters {
    use aws_lc_rs::signature as s;
    match alg {
        Algorithm::RS384 => &s::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &s::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &s::RSA_PSS_2048_8192_SHA256,
        _ => &s::RSA_PKCS1_2048_8192_SHA256,
    }
}

/// The outcome of looking a token's key up in a [`KeySet`].
pub(crate) enum Lookup<'a> {
    Found(&'a Arc<VerifyingKey>),
    /// The `kid` exists but its key cannot verify the token's algorithm.
    Mismatch,
    /// No `kid` and several candidate keys.
    Ambiguous,
    NotFound,
}

/// A parsed JSON Web Key Set.
///
/// Keys that cannot be used for signature verification (encryption keys, unknown types, broken
/// material) are skipped; a set may therefore be empty, and an empty set verifies nothing.
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    by_kid: HashMap<String, Arc<VerifyingKey>>,
    all: Vec<Arc<VerifyingKey>>,
}

/// The whole JWKS document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the JWKS document is not a JSON object with a `keys` array")]
pub struct JwksParseError;

impl KeySet {
    /// Parses a JWKS document (`{"keys": [...]}`).
    ///
    /// ```
    /// use feide_tower::token::KeySet;
    ///
    /// let set = KeySet::from_json(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).unwrap();
    /// assert!(set.is_empty()); // shared-secret keys are never used
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, JwksParseError> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<serde_json::Value>,
        }
        let doc: Doc = serde_json::from_slice(body).map_err(|_| JwksParseError)?;
        let mut set = Self::default();
        for value in doc.keys {
            let parsed = serde_json::from_value::<RawJwk>(value)
                .map_err(|_| JwkError::Malformed)
                .and_then(|raw| VerifyingKey::from_raw(&raw));
            match parsed {
                Ok(key) => set.insert(key),
                Err(error) => tracing::debug!(%error, "skipping JWK"),
            }
        }
        Ok(set)
    }

    fn insert(&mut self, key: VerifyingKey) {
        let key = Arc::new(key);
        if let Some(kid) = &key.kid {
            self.by_kid.insert(kid.clone(), Arc::clone(&key));
        }
        self.all.push(key);
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&Arc<VerifyingKey>> {
        self.by_kid.get(kid)
    }

    /// Finds the key for a token's header.
    ///
    /// With a `kid`, the key of that id (which must fit `alg`). Without one, the only key that can
    /// verify `alg`; several candidates mean the token must name its key.
    pub(crate) fn lookup(&self, alg: Algorithm, kid: Option<&str>) -> Lookup<'_> {
        match kid {
            Some(kid) => match self.by_kid.get(kid) {
                Some(key) if key.accepts(alg) => Lookup::Found(key),
                Some(_) => Lookup::Mismatch,
                None => Lookup::NotFound,
            },
            None => {
                let mut candidates = self.all.iter().filter(|k| k.accepts(alg));
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => Lookup::Found(key),
                    (Some(_), Some(_)) => Lookup::Ambiguous,
                    (None, _) => Lookup::NotFound,
                }
            }
        }
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether no usable key is present.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The key ids in the set.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.by_kid.keys().map(String::as_str)
    }
}
