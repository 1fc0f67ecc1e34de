//! The shared [`Provider`]: configuration, discovery metadata, the JWKS cache and the HTTP client.
//!
//! Build one per issuer at start-up and hand clones to every layer: login, bearer and token
//! exchange then share the same metadata and key cache.

mod builder;
mod client_assertion;
mod client_auth;
mod client_env;
mod client_key;
mod metadata;
mod pushed_authorization;
mod signing_algorithms;
mod token_endpoint;
mod validator;

use std::sync::Arc;
use std::time::Duration;

pub use builder::ProviderBuilder;
pub use client_key::{ClientKey, ClientKeyAlgorithm, ClientKeyError};
pub use metadata::ProviderMetadata;
pub use signing_algorithms::{ADVERTISED_SAFE_ALGORITHMS, FALLBACK_ALGORITHMS};
pub use token_endpoint::{
    ClientAuthMethod, MAX_EXPIRES_IN, OAuthErrorCode, TokenEndpointError, TokenResponse,
};

pub use crate::feide::{FEIDE_EXTENDED_USERINFO_URL, FEIDE_GROUPS_URL, FEIDE_ISSUER};
pub use crate::fetch::{ProviderError, require_secure_url};
pub use crate::secret::Secret;
use crate::token::Jwks;

/// An OpenID Connect provider (Feide by default), ready to use: metadata discovered, keys cached.
///
/// Cheap to clone (an `Arc` inside).
///
/// ```no_run
/// # async fn run() -> Result<(), feide_tower::provider::ProviderError> {
/// use feide_tower::Provider;
///
/// // FEIDE_ISSUER (default https://auth.dataporten.no), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
/// let feide = Provider::from_env().await?;
/// println!("token endpoint: {:?}", feide.metadata().token_endpoint);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Provider {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    issuer: String,
    client: Option<ClientCredentials>,
    metadata: ProviderMetadata,
    jwks: Jwks,
    http: reqwest::Client,
    timeout: Duration,
    extended_userinfo_url: Option<String>,
    groups_url: Option<String>,
    client_auth_method: ClientAuthMethod,
    client_assertion_audience: Option<String>,
}

/// A confidential client: its id and either a secret or a private key (`private_key_jwt`).
///
/// `Debug` never prints the secret or the key (only the key's `kid` and algorithm).
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// The client id.
    pub id: String,
    /// The client secret (empty for a client that authenticates with a key).
    pub secret: Secret,
    key: Option<ClientKey>,
}

impl ClientCredentials {
    /// A client id and its secret.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: Secret::new(secret),
            key: None,
        }
    }

    /// A client that authenticates with `private_key_jwt`: every request to the provider carries
    /// a fresh assertion signed with `key`, whatever method a layer names.
    pub fn with_private_key(id: impl Into<String>, key: ClientKey) -> Self {
        Self {
            id: id.into(),
            secret: Secret::new(""),
            key: Some(key),
        }
    }

    /// The private key, for a `private_key_jwt` client.
    pub fn key(&self) -> Option<&ClientKey> {
        self.key.as_ref()
    }
}

impl Provider {
    /// Starts building a provider for `issuer`.
    pub fn builder(issuer: impl Into<String>) -> ProviderBuilder {
        ProviderBuilder::new(issuer)
    }

    /// Builds a provider from the environment names users know from Feide's reference examples:
    /// `FEIDE_ISSUER` (default `https://auth.dataporten.no`), `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`,
    /// `FEIDE_EXTENDED_USERINFO_URL`, `FEIDE_GROUPINFO_URL`.
    pub async fn from_env() -> Result<Self, ProviderError> {
        ProviderBuilder::from_env()?.build().await
    }

    /// [`from_env`](Self::from_env) with the variables read through `lookup` (a test's map, a
    /// config file, a secrets manager); blank values count as unset.
    pub async fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderError> {
        ProviderBuilder::from_env_with(lookup)?.build().await
    }

    /// The issuer identifier, exactly as configured and as the provider states it.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The discovered (and overridden) metadata.
    pub fn metadata(&self) -> &ProviderMetadata {
        &self.inner.metadata
    }

    /// The shared signing-key cache.
    pub fn jwks(&self) -> &Jwks {
        &self.inner.jwks
    }

    /// The shared HTTP client (rustls, no redirects, user agent `feide-tower/<version>`).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Timeout for every request to the provider.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// This application's client credentials, if configured.
    pub fn client(&self) -> Option<&ClientCredentials> {
        self.inner.client.as_ref()
    }

    /// How this provider's client authenticates: `private_key_jwt` for a client with a key,
    /// otherwise the configured secret method (`client_secret_basic` by default).
    pub fn client_auth_method(&self) -> ClientAuthMethod {
        match self.client().and_then(ClientCredentials::key) {
            Some(_) => ClientAuthMethod::PrivateKeyJwt,
            None => self.inner.client_auth_method,
        }
    }

    /// The secret method layers use by default for a client with a secret (the configured one,
    /// `client_secret_basic` unless `client_secret_post` was chosen).
    pub(crate) fn default_secret_method(&self) -> ClientAuthMethod {
        match self.inner.client_auth_method {
            ClientAuthMethod::PrivateKeyJwt => ClientAuthMethod::ClientSecretBasic,
            method => method,
        }
    }

    /// The `aud` of client assertions: the configured audience, or the issuer.
    pub fn client_assertion_audience(&self) -> &str {
        self.inner
            .client_assertion_audience
            .as_deref()
            .unwrap_or(&self.inner.issuer)
    }

    /// Feide's extended userinfo URL (configured, or Feide's when the issuer is Feide).
    pub fn extended_userinfo_url(&self) -> Option<&str> {
        self.inner.extended_userinfo_url.as_deref()
    }

    /// Feide's groups API URL (configured, or Feide's when the issuer is Feide).
    pub fn groups_url(&self) -> Option<&str> {
        self.inner.groups_url.as_deref()
    }
}
