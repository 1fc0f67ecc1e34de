//! [`ClientCredentialsSource`]: a token for the client itself (`grant_type=client_credentials`),
//! cached and renewed before it expires.

use crate::telemetry;
use crate::telemetry::labels::{ExchangeResult, Grant};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

use super::builder::DEFAULT_MARGIN;
use super::client_credentials_layer::ClientCredentialsLayer;
use super::clock::{self, Clock};
use super::config_error::ExchangeConfigError;
use super::error::ExchangeError;
use super::exchange_span::{client_credentials_span, observe};
use super::issued::IssuedToken;
use crate::provider::{ClientAuthMethod, ClientCredentials, Provider, Secret, TokenEndpointError};
use crate::telemetry::labels::CacheUse;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument as _;

/// After a failed early renewal, how long the still-valid token is served before trying again.
const RENEWAL_BACKOFF: Duration = Duration::from_secs(5);

/// The client's own access token (`grant_type=client_credentials`, no user), for
/// system-to-system calls.
///
/// - Cached: one token for everybody, read lock-free.
/// - Renewed early: when less than the margin (default 60 s) is left, the next caller renews it
///   while the others keep using the current token; if renewal fails the current one is used
///   until it expires (retried at most every 5 s).
/// - Single-flight: without a usable token, concurrent callers wait for one request.
///
/// Cheap to clone (clones share the token).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::{Provider, exchange::ClientCredentialsSource};
///
/// let feide = Provider::from_env().await?;
/// let tokens = ClientCredentialsSource::builder(&feide).scope("system-all-users").build()?;
/// let token = tokens.bearer().await?; // a Secret; or tokens.layer() on an HTTP client
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCredentialsSource {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Provider,
    client: ClientCredentials,
    auth_method: ClientAuthMethod,
    scope: Option<String>,
    margin: Duration,
    clock: Clock,
    current: ArcSwapOption<IssuedToken>,
    renewal: tokio::sync::Mutex<Renewal>,
}

#[derive(Default)]
struct Renewal {
    /// After a failed early renewal: keep the current token until then.
    backoff_until: Option<Instant>,
}

impl ClientCredentialsSource {
    /// A source for `client` with `scope` (space-separated; `None` or blank: not sent) and the
    /// default settings. (Without a token endpoint, [`token`](Self::token) fails with
    /// [`ExchangeError::TokenEndpoint`]; [`builder`](Self::builder) checks that up front.)
    pub fn new(provider: &Provider, client: ClientCredentials, scope: Option<&str>) -> Self {
        let mut builder = Self::builder(provider);
        builder.scope = scope.map(str::to_owned);
        builder.into_source(client)
    }

    /// Starts configuring a source; by default for the provider's client, without a scope.
    pub fn builder(provider: &Provider) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            provider: provider.clone(),
            client: None,
            auth_method: provider.default_secret_method(),
            scope: None,
            margin: DEFAULT_MARGIN,
            clock: clock::system(),
        }
    }

    /// A token with more than the margin left: the cached one, or a new one.
    ///
    /// One `feide.client_credentials` span (debug level): `outcome` = `issued` | `cached` |
    /// `failed`, `reason` for a failure, `cache` = `hit` | `miss`.
    pub async fn token(&self) -> Result<Arc<IssuedToken>, ExchangeError> {
        let span = client_credentials_span();
        let fetched = AtomicBool::new(false);
        let result = self.token_in(&fetched).instrument(span.clone()).await;
        // A miss: this call asked the token endpoint (whether or not that worked), unless an
        // early renewal failed and the current token was kept.
        let cache = match &result {
            Ok(_) if !fetched.load(Ordering::Relaxed) => CacheUse::Hit,
            _ => CacheUse::Miss,
        };
        observe(&span, &result, cache);
        result
    }

    async fn token_in(&self, fetched: &AtomicBool) -> Result<Arc<IssuedToken>, ExchangeError> {
        let inner = &*self.inner;
        let start = (inner.clock)();
        let current = inner.current.load_full();
        match current {
            Some(token) if token.is_fresh(start) => return Ok(cached(token)),
            Some(token) if token.is_usable(start) => {
                // Early renewal: whoever gets the lock renews; everyone else keeps going with
                // the current token instead of queueing behind the request.
                return match inner.renewal.try_lock() {
                    Ok(mut renewal) => self.renew(&mut renewal, start, fetched).await,
                    Err(_) => Ok(cached(token)),
                };
            }
            _ => {}
        }
        let mut renewal = inner.renewal.lock().await;
        self.renew(&mut renewal, start, fetched).await
    }

    /// The token as a [`Secret`], for building a request by hand.
    pub async fn bearer(&self) -> Result<Secret, ExchangeError> {
        Ok(self.token().await?.access_token())
    }

    /// Drops `used` if it is still the current token (after a 401 from an API), so the next call
    /// gets a new one.
    pub fn invalidate(&self, used: &Arc<IssuedToken>) {
        let current = self.inner.current.load();
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, used)) {
            self.inner.current.compare_and_swap(&*current, None);
        }
    }

    /// The outgoing layer: sets `Authorization: Bearer <client token>` on every request.
    pub fn layer(&self) -> ClientCredentialsLayer {
        ClientCredentialsLayer::new(self.clone())
    }

    /// The scope asked for.
    pub fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }

    /// Under the renewal lock: use what another caller fetched meanwhile, or fetch.
    async fn renew(
        &self,
        renewal: &mut Renewal,
        start: Instant,
        fetched: &AtomicBool,
    ) -> Result<Arc<IssuedToken>, ExchangeError> {
        let inner = &*self.inner;
        let now = (inner.clock)();
        let current = inner.current.load_full();
        if let Some(token) = &current {
            // Renewed while we waited (or fetched after we started, even if short-lived).
            if token.is_fresh(now) || token.fetched_at() >= start {
                return Ok(cached(Arc::clone(token)));
            }
            let backing_off = renewal.backoff_until.is_some_and(|until| now < until);
            if backing_off && token.is_usable(now) {
                return Ok(cached(Arc::clone(token)));
            }
        }
        match self.fetch().await {
            Ok(token) => {
                fetched.store(true, Ordering::Relaxed);
                let token = Arc::new(token);
                inner.current.store(Some(Arc::clone(&token)));
                renewal.backoff_until = None;
                Ok(token)
            }
            Err(error) => match current {
                Some(token) if token.is_usable(now) => {
                    tracing::warn!(
                        client_id = %inner.client.id,
                        %error,
                        "client credentials: early renewal failed; using the current token"
                    );
                    renewal.backoff_until = Some(now + RENEWAL_BACKOFF);
                    Ok(cached(token))
                }
                _ => {
                    fetched.store(true, Ordering::Relaxed);
                    Err(error.into())
                }
            },
        }
    }

    /// One request to the token endpoint, counted as `success` or `failure`.
    async fn fetch(&self) -> Result<IssuedToken, TokenEndpointError> {
        let fetched = self.request().await;
        let result = match fetched {
            Ok(_) => ExchangeResult::Success,
            Err(_) => ExchangeResult::Failure,
        };
        telemetry::exchange(result, Grant::ClientCredentials);
        fetched
    }

    async fn request(&self) -> Result<IssuedToken, TokenEndpointError> {
        let inner = &*self.inner;
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &inner.scope {
            form.push(("scope", scope));
        }
        let sent_at = (inner.clock)();
        let response = inner
            .provider
            .token_request_as(&inner.client, inner.auth_method, &form)
            .await?;
        let token = IssuedToken::from_response(
            response,
            sent_at,
            inner.margin,
            inner
                .provider
                .metadata()
                .token_endpoint
                .as_deref()
                .unwrap_or_default(),
        )?;
        tracing::debug!(
            client_id = %inner.client.id,
            scope = token.scope().unwrap_or_default(),
            "client credentials: issued"
        );
        Ok(token)
    }
}

impl fmt::Debug for ClientCredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsSource")
            .field("client_id", &self.inner.client.id)
            .field("scope", &self.inner.scope)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ClientCredentialsSource`], following the crate's construction convention:
/// [`ClientCredentialsSource::builder`]`(&provider)`, settings, [`build`](Self::build)`()?`
/// gives the source (errors: [`ExchangeConfigError`]), then [`ClientCredentialsSource::layer`]
/// the outgoing tower layer. Scopes are taken as everywhere ([`scopes`](Self::scopes): a
/// space-separated string or a list).
#[must_use]
pub struct ClientCredentialsBuilder {
    provider: Provider,
    client: Option<ClientCredentials>,
    auth_method: ClientAuthMethod,
    scope: Option<String>,
    margin: Duration,
    clock: Clock,
}

impl ClientCredentialsBuilder {
    /// Authenticates as this client instead of the provider's.
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

    /// The scopes to ask for (Feide's system scopes start with `gk_`): a space-separated string
    /// or a list ([`IntoScopes`](crate::token::IntoScopes)), replacing those set before. None:
    /// not sent.
    pub fn scopes(mut self, scopes: impl crate::token::IntoScopes) -> Self {
        self.scope = Some(scopes.into_scopes().join(" "));
        self
    }

    /// The scope to ask for (space-separated), as [`scopes`](Self::scopes). Blank: not sent.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// `client_secret_basic` or `client_secret_post`.
    ///
    /// The default is the provider's secret method (`client_secret_basic` unless
    /// `OIDC_CLIENT_AUTH_METHOD` / [`ProviderBuilder::client_auth_method`](crate::provider::ProviderBuilder::client_auth_method)
    /// chose `client_secret_post`). A client holding a key always uses `private_key_jwt`;
    /// `PrivateKeyJwt` with a client that has only a secret fails each request, sending nothing.
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// Renew when less than this is left (default 60 s). A token that lives no longer than the
    /// margin (or without a stated `expires_in`) is fetched anew for every call.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Replaces the clock (tests). Not part of the stable API.
    #[doc(hidden)]
    pub fn clock(mut self, now: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Builds the source. Fails without client credentials (here or on the provider) or
    /// without a token endpoint.
    ///
    /// # Errors
    ///
    /// [`ExchangeConfigError::MissingClient`] or [`ExchangeConfigError::MissingTokenEndpoint`].
    pub fn build(self) -> Result<ClientCredentialsSource, ExchangeConfigError> {
        let client = match &self.client {
            Some(client) => client.clone(),
            None => self
                .provider
                .client()
                .cloned()
                .ok_or(ExchangeConfigError::MissingClient)?,
        };
        if self.provider.metadata().token_endpoint.is_none() {
            return Err(ExchangeConfigError::MissingTokenEndpoint);
        }
        Ok(self.into_source(client))
    }

    fn into_source(self, client: ClientCredentials) -> ClientCredentialsSource {
        ClientCredentialsSource {
            inner: Arc::new(Inner {
                provider: self.provider,
                client,
                auth_method: self.auth_method,
                scope: self
                    .scope
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
                margin: self.margin,
                clock: self.clock,
                current: ArcSwapOption::empty(),
                renewal: tokio::sync::Mutex::new(Renewal::default()),
            }),
        }
    }
}

/// `token`, counted as served from the cache.
fn cached(token: Arc<IssuedToken>) -> Arc<IssuedToken> {
    telemetry::exchange(ExchangeResult::Cached, Grant::ClientCredentials);
    token
}
