//! Test-only key material: three RSA-2048 keys, one P-256 key and one Ed25519
//! key, embedded at compile time and parsed once per process.

use std::sync::OnceLock;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Value, json};

/// Kids of the RSA keys, in rotation order.
pub(crate) const RSA_KIDS: [&str; 3] = ["fake-rsa-1", "fake-rsa-2", "fake-rsa-3"];

/// Kid of the P-256 key.
pub(crate) const EC_KID: &str = "fake-ec-1";

/// Kid of the Ed25519 key.
pub(crate) const ED_KID: &str = "fake-ed-1";

/// Public RSA exponent of every RSA key (65537).
const RSA_E: &str = "AQAB";

/// The public half of a key, as published in a JWK.
enum Public {
    Rsa { n: &'static str },
    Ec { x: &'static str, y: &'static str },
    Ed { x: &'static str },
}

/// One embedded key pair.
pub(crate) struct FakeKey {
    /// The key's `kid`.
    pub(crate) kid: &'static str,
    /// The JWS algorithm this key signs with.
    pub(crate) alg: Algorithm,
    pem: &'static str,
    public: Public,
    encoding: OnceLock<Option<EncodingKey>>,
    decoding: OnceLock<Option<DecodingKey>>,
}

impl std::fmt::Debug for FakeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

static KEYS: [FakeKey; 5] = [
    FakeKey::rsa(
        "fake-rsa-1",
        include_str!("keys/rsa1.pem"),
        include_str!("keys/rsa1.n"),
    ),
    FakeKey::rsa(
        "fake-rsa-2",
        include_str!("keys/rsa2.pem"),
        include_str!("keys/rsa2.n"),
    ),
    FakeKey::rsa(
        "fake-rsa-3",
        include_str!("keys/rsa3.pem"),
        include_str!("keys/rsa3.n"),
    ),
    FakeKey {
        kid: EC_KID,
        alg: Algorithm::ES256,
        pem: include_str!("keys/ec1.pem"),
        public: Public::Ec {
            x: include_str!("keys/ec1.x"),
            y: include_str!("keys/ec1.y"),
        },
        encoding: OnceLock::new(),
        decoding: OnceLock::new(),
    },
    FakeKey {
        kid: ED_KID,
        alg: Algorithm::EdDSA,
        pem: include_str!("keys/ed1.pem"),
        public: Public::Ed {
            x: include_str!("keys/ed1.x"),
        },
        encoding: OnceLock::new(),
        decoding: OnceLock::new(),
    },
];

impl FakeKey {
    const fn rsa(kid: &'static str, pem: &'static str, n: &'static str) -> FakeKey {
        FakeKey {
            kid,
            alg: Algorithm::RS256,
            pem,
            public: Public::Rsa { n },
            encoding: OnceLock::new(),
            decoding: OnceLock::new(),
        }
    }

    /// The JWS `alg` name of this key ("RS256", "ES256" or "EdDSA").
    pub(crate) fn alg_name(&self) -> &'static str {
        match self.public {
            Public::Rsa { .. } => "RS256",
            Public::Ec { .. } => "ES256",
            Public::Ed { .. } => "EdDSA",
        }
    }

    /// Whether this is one of the RSA keys.
    pub(crate) fn is_rsa(&self) -> bool {
        matches!(self.public, Public::Rsa { .. })
    }

    /// The private key, parsed on first use.
    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        let parsed = self.encoding.get_or_init(|| match self.public {
            Public::Rsa { .. } => EncodingKey::from_rsa_pem(self.pem.as_bytes()).ok(),
            Public::Ec { .. } => EncodingKey::from_ec_pem(self.pem.as_bytes()).ok(),
            Public::Ed { .. } => EncodingKey::from_ed_pem(self.pem.as_bytes()).ok(),
        });
        // The PEM files are fixed test fixtures compiled into the crate; a
        // parse failure is a broken build, not a runtime condition.
        parsed.as_ref().expect("embedded test key must parse")
    }

    /// The public key, parsed on first use.
    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        let parsed = self.decoding.get_or_init(|| match self.public {
            Public::Rsa { n } => DecodingKey::from_rsa_components(n.trim(), RSA_E).ok(),
            Public::Ec { x, y } => DecodingKey::from_ec_components(x.trim(), y.trim()).ok(),
            Public::Ed { x } => DecodingKey::from_ed_components(x.trim()).ok(),
        });
        // As above: fixed, compiled-in fixtures.
        parsed
            .as_ref()
            .expect("embedded test public key must parse")
    }

    /// The key as a JWK for the JWKS document.
    pub(crate) fn jwk(&self) -> Value {
        match self.public {
            Public::Rsa { n } => json!({
                "kty": "RSA",
                "kid": self.kid,
                "use": "sig",
                "alg": "RS256",
                "n": n.trim(),
                "e": RSA_E,
            }),
            Public::Ec { x, y } => json!({
                "kty": "EC",
                "crv": "P-256",
                "x": x.trim(),
                "y": y.trim(),
                "kid": self.kid,
                "use": "sig",
                "alg": "ES256",
            }),
            Public::Ed { x } => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": x.trim(),
                "kid": self.kid,
                "use": "sig",
                "alg": "EdDSA",
            }),
        }
    }
}

/// Looks a key up by kid.
pub(crate) fn by_kid(kid: &str) -> Option<&'static FakeKey> {
    KEYS.iter().find(|k| k.kid == kid)
}

/// All keys, RSA first, then `fake-ec-1` and `fake-ed-1`.
pub(crate) fn all() -> &'static [FakeKey] {
    &KEYS
}

/// The RSA kid that follows `kid` in rotation order (wrapping around).
pub(crate) fn next_rsa_kid(kid: &str) -> &'static str {
    let pos = RSA_KIDS.iter().position(|k| *k == kid).unwrap_or(0);
    RSA_KIDS[(pos + 1) % RSA_KIDS.len()]
}

/// Makes the aws-lc-rs backend jsonwebtoken's process-wide crypto provider.
///
/// jsonwebtoken 11 routes every sign/verify through a process-wide
/// `CryptoProvider`. With only the `aws_lc_rs` feature it would pick that
/// backend itself, but feature unification in a larger build (another crate
/// enabling `rust_crypto`) turns the automatic choice into a panic, so we
/// install it explicitly. Installing can succeed once per process; a second
/// call (or one made after the default was already fixed) returns `Err`,
/// which we ignore: some provider is then in place.
pub(crate) fn install_crypto_provider() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _already_installed = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
            .install_default()
            .is_err();
    });
}
