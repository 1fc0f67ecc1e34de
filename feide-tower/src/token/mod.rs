//! JWT validation core: algorithm allow-list, keys, signature, `iss`/`aud`/`exp`/`nbf`, scopes,
//! typed claims. The bearer layer, the login layer (ID tokens) and the bridge all use this.
//!
//! Signatures are checked with aws-lc-rs against keys parsed once per JWKS fetch; the algorithm
//! comes from the validator's allow-list and must fit the key, never from the token alone.

mod algorithm;
mod claims;
mod client_rule;
mod error;
mod into_scopes;
mod issuer_keys;
mod jwk;
mod jwks;
mod jws;
mod key_status;
mod kind;
mod scope;
mod validator;

#[cfg(test)]
mod props;

#[cfg(test)]
mod eddsa_tests;

pub use algorithm::Algorithm;
pub use claims::{Actor, Claims};
pub use client_rule::ClientRule;
pub use error::TokenError;
pub use into_scopes::IntoScopes;
pub(crate) use jwk::Lookup;
pub use jwk::{JwkError, JwksParseError, KeySet, VerifyingKey};
pub use jwks::Jwks;
pub(crate) use jwks::JwksSettings;
pub use key_status::{KeyStatus, RefreshAttempt};
pub use kind::TokenKind;
pub use scope::Scopes;
pub(crate) use validator::{DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN};
pub use validator::{ScopeRule, Validator, ValidatorBuilder, ValidatorConfigError, now};
