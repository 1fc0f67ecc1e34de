//! [`Validator::for_provider`]: a token validator wired to a provider's issuer and key cache.
//!
//! It lives here, not in `token`, because the validator sits below the provider in the layering:
//! `token` knows keys and claims, the provider knows where they come from.

use super::Provider;
use crate::token::{Validator, ValidatorBuilder};

impl Validator {
    /// A builder with the provider's issuer and shared key cache; set the audience.
    pub fn for_provider(provider: &Provider) -> ValidatorBuilder {
        Self::builder(provider.jwks().clone()).issuer(provider.issuer())
    }
}
