//! [`IdTokenRules`]: what an ID token from the provider must be for a login to succeed, and
//! what the login asks for besides it (`acr_values`, userinfo).

use super::config::LoginConfigError;
use crate::provider::Provider;
use crate::token::{Algorithm, TokenKind, Validator};

/// The ID-token (and logout-token) algorithm allow-list of a login: the one the application
/// set with [`id_token_algorithms`](super::FeideLoginBuilder::id_token_algorithms), else the
/// provider's advertised safe algorithms ([`Provider::default_algorithms`]; `[RS256]` for
/// Feide). Logged once, at debug level, when the login is built.
pub(crate) fn resolve_algorithms(
    provider: &Provider,
    configured: Option<Vec<Algorithm>>,
) -> Vec<Algorithm> {
    let (algorithms, source) = match configured {
        Some(algorithms) => (algorithms, "configured"),
        None => (provider.default_algorithms(), "provider discovery"),
    };
    let names: Vec<&str> = algorithms.iter().map(|a| a.as_str()).collect();
    tracing::debug!(
        issuer = provider.issuer(),
        algorithms = %names.join(","),
        source,
        advertised = ?provider.metadata().id_token_signing_alg_values_supported,
        "login: ID token algorithms"
    );
    algorithms
}

/// How a login checks ID tokens and what it asks for with them.
#[derive(Debug)]
pub(crate) struct IdTokenRules {
    /// ID tokens of the provider, for this client: `aud`, algorithm allow-list, `iat` required,
    /// typed as ID tokens.
    pub(crate) validator: Validator,
    /// `acr_values` sent with every login; the ID token's `acr` must then equal them.
    pub(crate) acr_values: Option<String>,
    /// Whether the userinfo endpoint is called after login.
    pub(crate) fetch_userinfo: bool,
}

impl IdTokenRules {
    /// The rules for ID tokens of `provider` issued to `client_id`.
    pub(crate) fn new(
        provider: &Provider,
        client_id: &str,
        algorithms: &[Algorithm],
        acr_values: Option<String>,
        fetch_userinfo: bool,
    ) -> Result<Self, LoginConfigError> {
        let validator = Validator::for_provider(provider)
            .audience(client_id)
            .algorithms(algorithms)
            .require_iat(true)
            .kind(TokenKind::Id)
            .build()
            .map_err(LoginConfigError::IdTokens)?;
        Ok(Self {
            validator,
            acr_values,
            fetch_userinfo,
        })
    }
}
