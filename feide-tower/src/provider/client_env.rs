//! The client part of [`ProviderBuilder::from_env_with`]: id, and a secret or a private key.
//!
//! - `OIDC_CLIENT_AUTH_METHOD`: `client_secret_basic` (default), `client_secret_post` or
//!   `private_key_jwt`.
//! - secrets: `OIDC_CLIENT_ID` + `OIDC_CLIENT_SECRET`.
//! - `private_key_jwt`: `OIDC_CLIENT_ID` + either `OIDC_CLIENT_PRIVATE_JWK` (the private JWK as
//!   JSON, with `kid`) or `OIDC_CLIENT_PRIVATE_KEY_FILE` (a PKCS#8 PEM) + `OIDC_CLIENT_KEY_ID`;
//!   optional `OIDC_CLIENT_KEY_ALG` (`RS256`, `PS256`, `ES256`) and
//!   `OIDC_CLIENT_ASSERTION_AUDIENCE` (default: the issuer). `OIDC_CLIENT_SECRET` is not needed.
//!
//! Fails closed: a partial or contradictory configuration is an error naming the variable, and
//! never quotes a secret or a key.

use super::builder::ProviderBuilder;
use super::client_key::{ClientKey, ClientKeyAlgorithm};
use super::{ClientAuthMethod, ProviderError};

const KEY_VARS: [&str; 4] = [
    "OIDC_CLIENT_PRIVATE_JWK",
    "OIDC_CLIENT_PRIVATE_KEY_FILE",
    "OIDC_CLIENT_KEY_ID",
    "OIDC_CLIENT_KEY_ALG",
];

fn config(message: impl Into<String>) -> ProviderError {
    ProviderError::Config(message.into())
}

/// Applies the client variables to `builder`.
pub(crate) fn client_from_env(
    mut builder: ProviderBuilder,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<ProviderBuilder, ProviderError> {
    let method = match var("OIDC_CLIENT_AUTH_METHOD") {
        None => None,
        Some(name) => Some(ClientAuthMethod::parse(&name).ok_or_else(|| {
            config(
                "OIDC_CLIENT_AUTH_METHOD must be client_secret_basic, client_secret_post or \
                 private_key_jwt",
            )
        })?),
    };
    if let Some(audience) = var("OIDC_CLIENT_ASSERTION_AUDIENCE") {
        builder = builder.client_assertion_audience(audience);
    }
    if method == Some(ClientAuthMethod::PrivateKeyJwt) {
        let id = var("OIDC_CLIENT_ID").ok_or_else(|| {
            config("OIDC_CLIENT_AUTH_METHOD is private_key_jwt but OIDC_CLIENT_ID is not set")
        })?;
        let key = key_from_env(var)?;
        return Ok(builder
            .client_private_key_jwt(id, key)
            .client_auth_method(ClientAuthMethod::PrivateKeyJwt));
    }
    if let Some(name) = KEY_VARS.iter().find(|name| var(name).is_some()) {
        return Err(config(format!(
            "{name} is set but OIDC_CLIENT_AUTH_METHOD is not private_key_jwt"
        )));
    }
    if let Some(method) = method {
        builder = builder.client_auth_method(method);
    }
    match (var("OIDC_CLIENT_ID"), var("OIDC_CLIENT_SECRET")) {
        (Some(id), Some(secret)) => Ok(builder.client(id, secret)),
        (None, None) => Ok(builder),
        (Some(_), None) => Err(config(
            "OIDC_CLIENT_ID is set but OIDC_CLIENT_SECRET is not",
        )),
        (None, Some(_)) => Err(config(
            "OIDC_CLIENT_SECRET is set but OIDC_CLIENT_ID is not",
        )),
    }
}

fn key_from_env(var: &impl Fn(&str) -> Option<String>) -> Result<ClientKey, ProviderError> {
    let key = match (
        var("OIDC_CLIENT_PRIVATE_JWK"),
        var("OIDC_CLIENT_PRIVATE_KEY_FILE"),
    ) {
        (Some(_), Some(_)) => {
            return Err(config(
                "both OIDC_CLIENT_PRIVATE_JWK and OIDC_CLIENT_PRIVATE_KEY_FILE are set: choose one",
            ));
        }
        (None, None) => {
            return Err(config(
                "OIDC_CLIENT_AUTH_METHOD is private_key_jwt but neither OIDC_CLIENT_PRIVATE_JWK \
                 nor OIDC_CLIENT_PRIVATE_KEY_FILE (with OIDC_CLIENT_KEY_ID) is set",
            ));
        }
        (Some(jwk), None) => {
            if var("OIDC_CLIENT_KEY_ID").is_some() {
                return Err(config(
                    "OIDC_CLIENT_KEY_ID is set with OIDC_CLIENT_PRIVATE_JWK: the JWK's kid is used",
                ));
            }
            ClientKey::from_jwk(&jwk)
                .map_err(|e| config(format!("OIDC_CLIENT_PRIVATE_JWK: {e}")))?
        }
        (None, Some(path)) => {
            let kid = var("OIDC_CLIENT_KEY_ID").ok_or_else(|| {
                config("OIDC_CLIENT_PRIVATE_KEY_FILE is set but OIDC_CLIENT_KEY_ID is not")
            })?;
            let pem = std::fs::read_to_string(&path).map_err(|e| {
                config(format!(
                    "OIDC_CLIENT_PRIVATE_KEY_FILE: cannot read {path}: {}",
                    e.kind()
                ))
            })?;
            ClientKey::from_pkcs8_pem(&pem, kid)
                .map_err(|e| config(format!("OIDC_CLIENT_PRIVATE_KEY_FILE: {e}")))?
        }
    };
    match var("OIDC_CLIENT_KEY_ALG") {
        None => Ok(key),
        Some(alg) => ClientKeyAlgorithm::parse(&alg)
            .and_then(|alg| key.with_algorithm(alg))
            .map_err(|e| config(format!("OIDC_CLIENT_KEY_ALG: {e}"))),
    }
}
