//! [`TokenExchangeBuilder`]: settings of a [`TokenExchange`], from code or from the environment
//! names of Feide's reference examples.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::ExchangeCache;
use super::client::{Shared, Target, TokenExchange, normalise_scope};
use super::clock::{self, Clock};
use super::config_error::ExchangeConfigError;
use super::pattern::ExchangePattern;
use crate::env::setting;
use crate::provider::{ClientAuthMethod, ClientCredentials, Provider};

/// Default safety margin: a cached token is replaced when less than this is left.
pub(crate) const DEFAULT_MARGIN: Duration = Duration::from_secs(60);
/// Default capacity of the exchanged-token cache.
pub(crate) const DEFAULT_CAPACITY: u64 = 10_000;
/// Default memory budget of the exchanged-token cache: 48 MiB, tokens and bookkeeping.
pub(crate) const DEFAULT_CACHE_BYTES: u64 = 48 * 1024 * 1024;

/// Builds a [`TokenExchange`], following the crate's construction convention: get one from
/// [`TokenExchange::builder`], [`TokenExchange::login_client`] or
/// [`TokenExchange::data_source`] (or [`from_env`](Self::from_env) /
/// [`from_env_with`](Self::from_env_with)), set what differs, [`build`](Self::build)`()?`
/// gives the client (errors: [`ExchangeConfigError`]), then [`TokenExchange::layer`] the
/// outgoing tower layer. Scopes are taken as everywhere ([`scopes`](Self::scopes): a
/// space-separated string or a list).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use feide_tower::{Provider, exchange::TokenExchange, provider::ClientAuthMethod};
///
/// let feide = Provider::from_env().await?;
/// // A data source: exchange incoming JWTs for tokens to Feide's APIs, as the data source's client.
/// let exchange = TokenExchange::data_source(&feide)
///     .client("datasource-client-id", "datasource-client-secret")
///     .scope("groups-memberships userinfo-name")
///     .auth_method(ClientAuthMethod::ClientSecretPost)
///     .margin(Duration::from_secs(120))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct TokenExchangeBuilder {
    provider: Provider,
    pattern: ExchangePattern,
    client: Option<ClientCredentials>,
    auth_method: ClientAuthMethod,
    audience: Option<String>,
    scope: Option<String>,
    margin: Duration,
    capacity: u64,
    cache_bytes: u64,
    clock: Clock,
}

impl std::fmt::Debug for TokenExchangeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenExchangeBuilder")
            .field("pattern", &self.pattern)
            .field("client", &self.client)
            .field("auth_method", &self.auth_method)
            .field("audience", &self.audience)
            .field("scope", &self.scope)
            .field("margin", &self.margin)
            .field("capacity", &self.capacity)
            .field("cache_bytes", &self.cache_bytes)
            .finish_non_exhaustive()
    }
}

impl TokenExchangeBuilder {
    pub(super) fn new(provider: &Provider, pattern: ExchangePattern) -> Self {
        Self {
            provider: provider.clone(),
            pattern,
            client: None,
            auth_method: provider.default_secret_method(),
            audience: None,
            scope: None,
            margin: DEFAULT_MARGIN,
            capacity: DEFAULT_CAPACITY,
            cache_bytes: DEFAULT_CACHE_BYTES,
            clock: clock::system(),
        }
    }

    /// A builder from the environment names of Feide's reference examples; see
    /// [`from_env_with`](Self::from_env_with).
    ///
    /// # Errors
    ///
    /// See [`from_env_with`](Self::from_env_with).
    pub fn from_env(
        provider: &Provider,
        pattern: ExchangePattern,
    ) -> Result<Self, ExchangeConfigError> {
        Self::from_env_with(provider, pattern, |name| std::env::var(name).ok())
    }

    /// A builder from any variable lookup. Blank values count as unset.
    ///
    /// - [`LoginClient`](ExchangePattern::LoginClient): audience
    ///   `FEIDE_TOKEN_EXCHANGE_AUDIENCE` (the data source's `https://n.feide.no/datasources/<uuid>`;
    ///   required), scope `FEIDE_TOKEN_EXCHANGE_SCOPE`; authenticated as the provider's client
    ///   (`OIDC_CLIENT_ID`).
    /// - [`DataSource`](ExchangePattern::DataSource): client `DATASOURCE_CLIENT_ID` /
    ///   `DATASOURCE_CLIENT_SECRET` (else the provider's client), audience
    ///   `DATASOURCE_TOKEN_EXCHANGE_AUDIENCE` (default: the issuer), scope
    ///   `DATASOURCE_TOKEN_EXCHANGE_SCOPE`.
    ///
    /// These are the names of Feide's reference examples: the web app's exchange is configured
    /// with `FEIDE_TOKEN_EXCHANGE_*`, the data source's own exchange with `DATASOURCE_TOKEN_EXCHANGE_*`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let provider = feide_tower::Provider::builder("http://127.0.0.1:9").discovery(false)
    /// #     .jwks_uri("http://127.0.0.1:9/jwks").token_endpoint("http://127.0.0.1:9/token")
    /// #     .client("app", "secret").build().await?;
    /// use feide_tower::exchange::{ExchangePattern, TokenExchangeBuilder};
    ///
    /// let vars = [("FEIDE_TOKEN_EXCHANGE_AUDIENCE", "https://n.feide.no/datasources/x")];
    /// let exchange = TokenExchangeBuilder::from_env_with(&provider, ExchangePattern::LoginClient, |name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })?
    /// .build()?;
    /// assert_eq!(exchange.audience(), "https://n.feide.no/datasources/x");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ExchangeConfigError::MissingAudienceVariable`] for a login client without
    /// `FEIDE_TOKEN_EXCHANGE_AUDIENCE`; [`ExchangeConfigError::HalfDataSourceClient`] for only
    /// one of `DATASOURCE_CLIENT_ID` and `DATASOURCE_CLIENT_SECRET`.
    pub fn from_env_with(
        provider: &Provider,
        pattern: ExchangePattern,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ExchangeConfigError> {
        let var = |name: &str| setting(&lookup, name);
        let mut builder = Self::new(provider, pattern);
        match pattern {
            ExchangePattern::LoginClient => {
                builder.audience = var("FEIDE_TOKEN_EXCHANGE_AUDIENCE");
                if builder.audience.is_none() {
                    return Err(ExchangeConfigError::MissingAudienceVariable);
                }
                builder.scope = var("FEIDE_TOKEN_EXCHANGE_SCOPE");
            }
            ExchangePattern::DataSource => {
                match (var("DATASOURCE_CLIENT_ID"), var("DATASOURCE_CLIENT_SECRET")) {
                    (Some(id), Some(secret)) => builder = builder.client(id, secret),
                    (None, None) => {}
                    _ => {
                        return Err(ExchangeConfigError::HalfDataSourceClient);
                    }
                }
                builder.audience = var("DATASOURCE_TOKEN_EXCHANGE_AUDIENCE");
                builder.scope = var("DATASOURCE_TOKEN_EXCHANGE_SCOPE");
            }
        }
        Ok(builder)
    }

    /// Authenticates as this client instead of the provider's (a data source usually has a
    /// client of its own: `DATASOURCE_CLIENT_ID`).
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client = Some(ClientCredentials::new(id, secret));
        self
    }

    /// Authenticates as this client, with `private_key_jwt` (a signed assertion per request).
    pub fn client_private_key_jwt(
        mut self,
        id: impl Into<String>,
        key: crate::provider::ClientKey,
    ) -> Self {
        self.client = Some(ClientCredentials::with_private_key(id, key));
        self
    }

    /// How the client authenticates at the token endpoint: `client_secret_basic` (what Feide
    /// documents) or `client_secret_post`.
    ///
    /// The default is the provider's secret method (`client_secret_basic` unless
    /// `OIDC_CLIENT_AUTH_METHOD` / [`ProviderBuilder::client_auth_method`](crate::provider::ProviderBuilder::client_auth_method)
    /// chose `client_secret_post`). A client holding a key always uses `private_key_jwt`;
    /// `PrivateKeyJwt` with a client that has only a secret fails each request, sending nothing.
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// The audience: the data source (`https://n.feide.no/datasources/<uuid>`) for a login
    /// client; for a data source the default, the issuer, is what Feide expects.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The scopes to ask for: a space-separated string or a list
    /// ([`IntoScopes`](crate::token::IntoScopes)), replacing those set before. None: not sent,
    /// and Feide grants every scope the client may have for the audience.
    pub fn scopes(mut self, scopes: impl crate::token::IntoScopes) -> Self {
        self.scope = Some(scopes.into_scopes().join(" "));
        self
    }

    /// The scope to ask for (space-separated), as [`scopes`](Self::scopes). Unset or blank: not
    /// sent, and Feide grants every scope the client may have for the audience.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// A cached token is replaced when less than `margin` of its lifetime is left (default
    /// 60 s), so it cannot expire on its way to the API. A token that lives no longer than the
    /// margin (or without a stated `expires_in`) is used once and not cached: keep the margin well
    /// below the lifetime your provider issues (Feide: hours).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// How many exchanged tokens the cache holds at most (default 10,000; the least useful go
    /// first). Each entry is the issued token plus about 440 bytes; the subject token is not
    /// stored. [`cache_bytes`](Self::cache_bytes) bounds the memory as well.
    pub fn capacity(mut self, capacity: u64) -> Self {
        self.capacity = capacity;
        self
    }

    /// The most memory the cache may take, in bytes, counting each entry as its token plus
    /// ~440 bytes of bookkeeping (default 48 MiB). Whichever of this and
    /// [`capacity`](Self::capacity) is reached first bounds the cache: 100,000 of Feide's opaque
    /// access tokens fit in the default budget (≈ 48 MB), 100,000 kilobyte JWTs do not (they
    /// alone are ≈ 90 MB); the least useful are then evicted and exchanged again when needed.
    pub fn cache_bytes(mut self, bytes: u64) -> Self {
        self.cache_bytes = bytes;
        self
    }

    /// Replaces the clock of the cache (tests: expiry without waiting). Not part of the stable
    /// API.
    #[doc(hidden)]
    pub fn clock(mut self, now: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// Fails when no client credentials are configured (here or on the provider), the login
    /// client has no audience, the capacity is zero, or the provider has no token endpoint.
    ///
    /// # Errors
    ///
    /// The [`ExchangeConfigError`] naming what is missing.
    pub fn build(self) -> Result<TokenExchange, ExchangeConfigError> {
        let client = match self.client {
            Some(client) => client,
            None => self
                .provider
                .client()
                .cloned()
                .ok_or(ExchangeConfigError::MissingClient)?,
        };
        if self.provider.metadata().token_endpoint.is_none() {
            return Err(ExchangeConfigError::MissingTokenEndpoint);
        }
        let audience = match (self.audience, self.pattern) {
            (Some(audience), _) if !audience.trim().is_empty() => audience,
            (_, ExchangePattern::DataSource) => self.provider.issuer().to_owned(),
            (_, ExchangePattern::LoginClient) => {
                return Err(ExchangeConfigError::MissingAudience);
            }
        };
        if self.capacity == 0 || self.cache_bytes == 0 {
            return Err(ExchangeConfigError::ZeroCache);
        }
        Ok(TokenExchange {
            shared: Arc::new(Shared {
                provider: self.provider,
                client,
                auth_method: self.auth_method,
                pattern: self.pattern,
                margin: self.margin,
                cache: ExchangeCache::new(self.capacity, self.cache_bytes),
                clock: self.clock,
            }),
            target: Arc::new(Target {
                audience,
                scope: normalise_scope(self.scope.as_deref()),
            }),
        })
    }
}
