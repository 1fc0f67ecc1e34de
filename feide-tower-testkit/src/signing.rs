//! Which algorithm the fake signs with, what its discovery advertises for ID tokens, and the
//! HS256 ID tokens a misconfigured or hostile provider would send. All off by default: RS256
//! with the rotating RSA keys, `["RS256"]` advertised, as at Feide.

use jsonwebtoken::{EncodingKey, Header};
use serde_json::Value;

use super::jwt;
use super::keys;
use super::mint;
use super::state::Inner;

/// The one algorithm a fake signs its tokens with (ID tokens, data-source access tokens,
/// logout tokens, minted tokens); see [`FakeFeideBuilder::signing_algorithm`](super::FakeFeideBuilder::signing_algorithm).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// RS256 with the RSA keys (`fake-rsa-1`, rotated by
    /// [`FakeFeide::rotate_keys`](super::FakeFeide::rotate_keys)): Feide's, the default.
    #[default]
    Rs256,
    /// ES256 with the P-256 key `fake-ec-1`, the only key in the JWKS.
    Es256,
    /// EdDSA with the Ed25519 key `fake-ed-1`, the only key in the JWKS.
    EdDsa,
}

impl SigningAlgorithm {
    /// The JWS `alg` name: `RS256`, `ES256` or `EdDSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::Rs256 => "RS256",
            SigningAlgorithm::Es256 => "ES256",
            SigningAlgorithm::EdDsa => "EdDSA",
        }
    }

    /// The kid of the only key of a non-RSA fake.
    fn only_kid(self) -> Option<&'static str> {
        match self {
            SigningAlgorithm::Rs256 => None,
            SigningAlgorithm::Es256 => Some(keys::EC_KID),
            SigningAlgorithm::EdDsa => Some(keys::ED_KID),
        }
    }
}

/// The signing switches of one fake.
#[derive(Debug, Default)]
pub(crate) struct SigningSettings {
    /// Discovery's `id_token_signing_alg_values_supported` (`None`: `["RS256"]`).
    pub(crate) advertised: Option<Vec<String>>,
    /// ID tokens from the token endpoint are HS256 MACs keyed with the client secret.
    pub(crate) hs256_id_tokens: bool,
}

/// Makes `inner` a provider of `algorithm` only: its key signs and is the only one published,
/// and discovery advertises only its algorithm (unless `advertised` says otherwise).
pub(crate) fn apply(
    inner: &mut Inner,
    algorithm: SigningAlgorithm,
    advertised: Option<Vec<String>>,
) {
    if let Some(kid) = algorithm.only_kid() {
        inner.signing_kid = kid;
        inner.published = vec![kid];
        inner.signing.advertised = Some(vec![algorithm.as_str().to_owned()]);
    }
    if advertised.is_some() {
        inner.signing.advertised = advertised;
    }
}

/// The ID token for `claims`: signed with the current signing key, or, when
/// [`SigningSettings::hs256_id_tokens`] is on, an HS256 MAC keyed with `client_secret` (what a
/// provider configured for HS256 ID tokens sends, OpenID Connect Core §10.1).
pub(crate) fn sign_id_token(inner: &Inner, claims: &Value, client_secret: &str) -> String {
    if inner.signing.hs256_id_tokens {
        let header = Header::new(jsonwebtoken::Algorithm::HS256);
        // HS256 over a JSON value with a byte-string key cannot fail.
        return jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(client_secret.as_bytes()),
        )
        .expect("HS256 signing failed");
    }
    let key = keys::by_kid(inner.signing_kid).unwrap_or(&keys::all()[0]);
    jwt::sign(&mint::header_for(key), claims, key)
}
