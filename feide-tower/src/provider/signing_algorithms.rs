//! The signature algorithms a provider's tokens are verified with when the application names
//! none: the safe ones the provider advertises in its discovery document.

use super::{Provider, ProviderMetadata};
use crate::token::Algorithm;

/// The algorithms a provider's advertisement can turn on by itself: RS256, PS256, ES256 and
/// EdDSA (Ed25519).
///
/// Never `none`, never a shared-secret `HS*` (a client secret is no signing key), and nothing
/// feide-tower does not know. RS384, RS512 and ES384 are verified too, but only when the
/// application lists them itself.
pub const ADVERTISED_SAFE_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

/// What a provider that advertises nothing usable is taken to sign with: RS256, Feide's (and
/// OpenID Connect's default, Core §3.1.3.7).
pub const FALLBACK_ALGORITHMS: [Algorithm; 1] = [Algorithm::RS256];

impl ProviderMetadata {
    /// The default algorithm allow-list for this provider's tokens.
    ///
    /// The rule: the entries of `id_token_signing_alg_values_supported` that are in
    /// [`ADVERTISED_SAFE_ALGORITHMS`] (exact, case-sensitive names: `RS256`, `PS256`, `ES256`,
    /// `EdDSA`), in the provider's order, each once. When the field is absent, empty, or lists
    /// nothing in that set (only `none`, `HS256`, `RS512`, ...), [`FALLBACK_ALGORITHMS`]:
    /// `[RS256]`. The list is never empty.
    ///
    /// ```
    /// use feide_tower::provider::ProviderMetadata;
    /// use feide_tower::token::Algorithm;
    ///
    /// let metadata: ProviderMetadata = serde_json::from_value(serde_json::json!({
    ///     "issuer": "https://op.example",
    ///     "jwks_uri": "https://op.example/jwks",
    ///     "id_token_signing_alg_values_supported": ["none", "HS256", "ES256", "RS256"],
    /// }))
    /// .unwrap();
    /// assert_eq!(metadata.default_algorithms(), [Algorithm::ES256, Algorithm::RS256]);
    /// ```
    pub fn default_algorithms(&self) -> Vec<Algorithm> {
        let mut chosen = Vec::with_capacity(ADVERTISED_SAFE_ALGORITHMS.len());
        for name in &self.id_token_signing_alg_values_supported {
            let safe =
                Algorithm::from_name(name).filter(|alg| ADVERTISED_SAFE_ALGORITHMS.contains(alg));
            if let Some(alg) = safe
                && !chosen.contains(&alg)
            {
                chosen.push(alg);
            }
        }
        if chosen.is_empty() {
            chosen.extend(FALLBACK_ALGORITHMS);
        }
        chosen
    }
}

impl Provider {
    /// The algorithm allow-list used for this provider's tokens when the application sets none:
    /// [`ProviderMetadata::default_algorithms`] of its metadata. A login's ID tokens and logout
    /// tokens, [`Validator::for_provider`](crate::token::Validator::for_provider) and the bearer
    /// layer built from this provider start from it; an explicit list overrides it.
    pub fn default_algorithms(&self) -> Vec<Algorithm> {
        self.metadata().default_algorithms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advertising(algs: &[&str]) -> ProviderMetadata {
        let mut metadata =
            ProviderMetadata::manual("https://op.example", "https://op.example/k".into());
        metadata.id_token_signing_alg_values_supported =
            algs.iter().map(|s| (*s).to_owned()).collect();
        metadata
    }

    #[test]
    fn the_safe_advertised_algorithms_in_the_providers_order() {
        use Algorithm::*;
        let cases: &[(&[&str], &[Algorithm])] = &[
            (&[], &[RS256]),
            (&["RS256"], &[RS256]),
            (&["ES256"], &[ES256]),
            (&["EdDSA"], &[EdDSA]),
            (&["none", "HS256", "RS256"], &[RS256]),
            (&["none", "HS256", "HS384", "HS512"], &[RS256]),
            (&["RS512", "ES384", "RS384"], &[RS256]),
            (
                &["PS256", "ES256", "EdDSA", "RS256"],
                &[PS256, ES256, EdDSA, RS256],
            ),
            (&["ES256", "ES256", "es256", "Ed25519", "ES512"], &[ES256]),
            (&["EdDSA", "HS256", "none"], &[EdDSA]),
        ];
        for (advertised, expected) in cases {
            assert_eq!(
                advertising(advertised).default_algorithms(),
                *expected,
                "{advertised:?}"
            );
        }
    }
}
