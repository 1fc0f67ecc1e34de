//! [`IntrospectorBuilder`]: issuer, audience, scopes, client and cache of an [`Introspector`].

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use super::introspector::{Config, Introspector};
use crate::Provider;
use crate::bearer::{Admission, DEFAULT_REALM};
use crate::provider::{ClientAuthMethod, ClientCredentials};
use crate::token::{ClientRule, ScopeRule, Validator};

/// Default number of active answers remembered.
pub(crate) const DEFAULT_CACHE_CAPACITY: u64 = 10_000;

/// Default longest time an active answer is reused (also the longest a revoked token keeps
/// working).
pub(crate) const DEFAULT_CACHE_MAX_LIFETIME: Duration = Duration::from_secs(60);

/// Default number of refused tokens remembered (each entry: a 32-byte hash and the reason).
pub(crate) const DEFAULT_REFUSAL_CACHE_CAPACITY: u64 = 10_000;

/// Default time a refused token is remembered: a junk token sent again within it costs no call.
pub(crate) const DEFAULT_REFUSAL_CACHE_LIFETIME: Duration = Duration::from_secs(30);

/// Longest time a refused token may be remembered.
const MAX_REFUSAL_CACHE_LIFETIME: Duration = Duration::from_secs(300);

/// Longest token accepted (bytes).
const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// The configuration of an [`Introspector`] is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntrospectionConfigError {
    /// The provider's metadata lists no `introspection_endpoint`.
    #[error("the provider offers no introspection endpoint")]
    NoEndpoint,
    /// No client credentials, neither given nor on the provider.
    #[error("introspection needs client credentials")]
    NoClient,
    /// No audience configured: every token would be accepted whoever it was issued for.
    #[error("an audience is required")]
    NoAudience,
    /// A required scope is empty or contains a space.
    #[error("invalid required scope")]
    InvalidScope,
    /// The claims validator refused the configuration.
    #[error("invalid validator configuration")]
    Validator,
}

/// Configures an [`Introspector`], following the crate's construction convention:
/// [`Introspector::builder`]`(&provider)`, settings, [`build`](Self::build)`()?` gives the
/// introspector (errors: [`IntrospectionConfigError`]). Scopes are taken as everywhere
/// ([`require_scopes`](Self::require_scopes) with a space-separated string or a list).
#[derive(Debug)]
pub struct IntrospectorBuilder {
    provider: Provider,
    client: Option<ClientCredentials>,
    method: ClientAuthMethod,
    audiences: Vec<String>,
    required: Vec<String>,
    rule: ScopeRule,
    allow_clients: bool,
    client_rule: Option<ClientRule>,
    realm: String,
    leeway: Option<Duration>,
    cache_capacity: u64,
    cache_max_lifetime: Duration,
    refusal_cache_capacity: u64,
    refusal_cache_lifetime: Duration,
}

impl IntrospectorBuilder {
    pub(crate) fn new(provider: &Provider) -> Self {
        Self {
            provider: provider.clone(),
            client: provider.client().cloned(),
            method: provider.default_secret_method(),
            audiences: Vec::new(),
            required: Vec::new(),
            rule: ScopeRule::AllOf,
            allow_clients: false,
            client_rule: None,
            realm: DEFAULT_REALM.to_owned(),
            leeway: None,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            cache_max_lifetime: DEFAULT_CACHE_MAX_LIFETIME,
            refusal_cache_capacity: DEFAULT_REFUSAL_CACHE_CAPACITY,
            refusal_cache_lifetime: DEFAULT_REFUSAL_CACHE_LIFETIME,
        }
    }

    /// The client that authenticates at the introspection endpoint (default: the provider's).
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client = Some(ClientCredentials::new(id, secret));
        self
    }

    /// The client that authenticates at the introspection endpoint, with `private_key_jwt`.
    pub fn client_private_key_jwt(
        mut self,
        id: impl Into<String>,
        key: crate::provider::ClientKey,
    ) -> Self {
        self.client = Some(ClientCredentials::with_private_key(id, key));
        self
    }

    /// How the client authenticates: `client_secret_basic` or `client_secret_post`.
    ///
    /// The default is the provider's secret method (`client_secret_basic` unless
    /// `OIDC_CLIENT_AUTH_METHOD` / [`ProviderBuilder::client_auth_method`](crate::provider::ProviderBuilder::client_auth_method)
    /// chose `client_secret_post`). A client holding a key always uses `private_key_jwt`;
    /// `PrivateKeyJwt` with a client that has only a secret fails each request, sending nothing.
    pub fn client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.method = method;
        self
    }

    /// An accepted `aud` (at least one is required; several may be given).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Scopes the token must have, added to those already required (all of them, or any one
    /// with [`scope_rule`](Self::scope_rule)): a space-separated string or a list
    /// ([`IntoScopes`](crate::token::IntoScopes)).
    pub fn require_scopes(mut self, scopes: impl crate::token::IntoScopes) -> Self {
        self.required.extend(scopes.into_scopes());
        self
    }

    /// One scope the token must have; as [`require_scopes`](Self::require_scopes) with one.
    pub fn require_scope(mut self, scope: impl Into<String>) -> Self {
        self.required.push(scope.into());
        self
    }

    /// Whether all required scopes or any one is needed (default all).
    pub fn scope_rule(mut self, rule: ScopeRule) -> Self {
        self.rule = rule;
        self
    }

    /// Let through tokens without a user (client credentials). Default off.
    pub fn allow_clients(mut self, allow: bool) -> Self {
        self.allow_clients = allow;
        self
    }

    /// How a client's own token is told from a user's (default: by the answer's issuer,
    /// [`ClientRule::for_issuer`]); as [`BearerBuilder::client_rule`](crate::bearer::BearerBuilder::client_rule).
    pub fn client_rule(mut self, rule: ClientRule) -> Self {
        self.client_rule = Some(rule);
        self
    }

    /// The realm named in `WWW-Authenticate` (default `api`).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// Clock leeway for `exp`/`nbf`/`iat` (default 60 s, as the validator's).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// How many active answers are remembered (default 10 000; 0 turns the cache off).
    pub fn cache_capacity(mut self, entries: u64) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// The longest an active answer is reused, whatever the token's `exp` (default 60 s).
    pub fn cache_max_lifetime(mut self, lifetime: Duration) -> Self {
        self.cache_max_lifetime = lifetime;
        self
    }

    /// How many refused tokens are remembered (default 10 000; 0 turns the refusal cache off).
    /// An entry is the SHA-256 of the token and the reason, never the token.
    pub fn refusal_cache_capacity(mut self, entries: u64) -> Self {
        self.refusal_cache_capacity = entries;
        self
    }

    /// How long a refused token is remembered (default 30 s, at most 5 min; zero turns the
    /// refusal cache off).
    ///
    /// Only refusals the same answer would always give are remembered: `active: false`, or an
    /// active answer that fails a check time cannot change (issuer, audience, kind, expiry,
    /// malformed claims). A failed call (unreachable, timeout, an error status) is never
    /// remembered. The price: a token the provider calls inactive by mistake (for instance one
    /// issued a moment ago, before the provider's replicas agree) stays refused for this long.
    pub fn refusal_cache_lifetime(mut self, lifetime: Duration) -> Self {
        self.refusal_cache_lifetime = lifetime;
        self
    }

    /// The introspector.
    pub fn build(self) -> Result<Introspector, IntrospectionConfigError> {
        let endpoint = self
            .provider
            .metadata()
            .introspection_endpoint
            .clone()
            .ok_or(IntrospectionConfigError::NoEndpoint)?;
        let client = self.client.ok_or(IntrospectionConfigError::NoClient)?;
        if self.audiences.is_empty() {
            return Err(IntrospectionConfigError::NoAudience);
        }
        if self
            .required
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(IntrospectionConfigError::InvalidScope);
        }
        let mut validator = Validator::for_provider(&self.provider);
        for audience in &self.audiences {
            validator = validator.audience(audience.clone());
        }
        if let Some(leeway) = self.leeway {
            validator = validator.leeway(leeway);
        }
        let validator = validator
            .build()
            .map_err(|_| IntrospectionConfigError::Validator)?;
        let refusal_lifetime = self.refusal_cache_lifetime.min(MAX_REFUSAL_CACHE_LIFETIME);
        let refused = (self.refusal_cache_capacity > 0 && !refusal_lifetime.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(self.refusal_cache_capacity)
                .time_to_live(refusal_lifetime)
                .build()
        });
        let cache = (self.cache_capacity > 0).then(|| {
            Cache::builder()
                .max_capacity(self.cache_capacity)
                .time_to_live(self.cache_max_lifetime)
                .build()
        });
        Ok(Introspector::from_config(Arc::new(Config {
            provider: self.provider,
            endpoint,
            client,
            method: self.method,
            validator,
            admission: Admission {
                required: self.required.into_boxed_slice(),
                rule: self.rule,
                allow_clients: self.allow_clients,
                clients: self.client_rule,
            },
            realm: self.realm.into_boxed_str(),
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            cache,
            refused,
        })))
    }
}
