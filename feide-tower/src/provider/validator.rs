//! [`Validator::for_provider`]: a token validator wired to a provider's issuer and key cache.
//!
//! It lives here, not in `token`, because the validator sits below the provider in the layering:
//! `token` knows keys and claims, the provider knows where they come from.

use super::Provider;
use crate::token::{Validator, ValidatorBuilder};

impl Validator {
    /// A builder with the provider's issuer and shared key cache; set the audience.
    ///
    /// The algorithm allow-list starts as [`Provider::default_algorithms`]: the algorithms the
    /// provider advertises in `id_token_signing_alg_values_supported` that are among RS256,
    /// PS256, ES256 and EdDSA, or `[RS256]` when it advertises none of them (Feide advertises
    /// RS256 only). [`ValidatorBuilder::algorithms`] replaces it. ([`Validator::builder`], which
    /// knows no provider, starts from `[RS256]`.)
    pub fn for_provider(provider: &Provider) -> ValidatorBuilder {
        Self::builder(provider.jwks().clone())
            .issuer(provider.issuer())
            .algorithms(&provider.default_algorithms())
    }
}
