//! The signature algorithms feide-tower verifies, and the allow-list that selects among them.

use std::fmt;

/// A JWS signature algorithm that feide-tower can verify.
///
/// Only asymmetric algorithms exist here: a shared-secret (`HS*`) or `none` token can never be
/// accepted, whatever the configuration says. Which of these a validator accepts is decided by its
/// allow-list ([`crate::token::ValidatorBuilder::algorithms`]), never by the token's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (Feide's only algorithm; the default).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// EdDSA (RFC 8037) with an Ed25519 key (`kty: OKP`, `crv: Ed25519`); other Edwards curves
    /// (Ed448) are not verified.
    EdDSA,
}

/// The family of key an algorithm needs; a JWK of another family can never verify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFamily {
    Rsa,
    EcP256,
    EcP384,
    Ed25519,
}

impl Algorithm {
    /// The name used in a JWS header's `alg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Parses a header `alg` value; `None` for anything feide-tower does not verify (including
    /// `none` and every `HS*`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "RS256" => Self::RS256,
            "RS384" => Self::RS384,
            "RS512" => Self::RS512,
            "PS256" => Self::PS256,
            "ES256" => Self::ES256,
            "ES384" => Self::ES384,
            "EdDSA" => Self::EdDSA,
            _ => return None,
        })
    }

    pub(crate) fn key_family(self) -> KeyFamily {
        match self {
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 => KeyFamily::Rsa,
            Self::ES256 => KeyFamily::EcP256,
            Self::ES384 => KeyFamily::EcP384,
            Self::EdDSA => KeyFamily::Ed25519,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_none_are_not_algorithms() {
        for name in [
            "none", "None", "HS256", "HS384", "HS512", "eddsa", "Ed448", "rs256", "",
        ] {
            assert_eq!(Algorithm::from_name(name), None, "{name}");
        }
        assert_eq!(Algorithm::from_name("RS256"), Some(Algorithm::RS256));
        assert_eq!(Algorithm::from_name("EdDSA"), Some(Algorithm::EdDSA));
    }

    #[test]
    fn names_round_trip() {
        for alg in [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ] {
            assert_eq!(Algorithm::from_name(alg.as_str()), Some(alg));
        }
    }
}
