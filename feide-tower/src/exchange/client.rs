//! [`TokenExchange`]: the RFC 8693 client, with its cache.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::telemetry;
use crate::telemetry::labels::{ExchangeResult, Grant};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::builder::TokenExchangeBuilder;
use super::cache::{CacheKey, ExchangeCache};
use super::clock::Clock;
use super::error::ExchangeError;
use super::exchange_span::{exchange_span, observe};
use super::issued::IssuedToken;
use super::layer::TokenExchangeLayer;
use super::pattern::ExchangePattern;
use crate::provider::{ClientAuthMethod, ClientCredentials, Provider, Secret, TokenEndpointError};
use crate::telemetry::labels::CacheUse;
use tracing::Instrument as _;

/// An RFC 8693 token-exchange client for one of Feide's two patterns, with a cache.
///
/// Exchanged tokens are cached per (SHA-256 of the subject token, audience, scope) until
/// `expires_in` minus a margin (default 60 s); concurrent requests for the same key share one
/// exchange; capacity is bounded (default 10,000 tokens). Cheap to clone: clones share the
/// cache.
///
/// ```no_run
/// # async fn run(session: feide_tower::session::FeideSession) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::{Provider, exchange::TokenExchange};
///
/// let feide = Provider::from_env().await?;
/// // A web app calling its data source on behalf of the signed-in user:
/// let exchange = TokenExchange::login_client(&feide, "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .scope("readUser")
///     .build()?;
/// let me: serde_json::Value = exchange
///     .get_json("https://datasource.example.org/me", session.access_token())
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenExchange {
    pub(super) shared: Arc<Shared>,
    pub(super) target: Arc<Target>,
}

/// What every target of one client shares.
pub(super) struct Shared {
    pub(super) provider: Provider,
    pub(super) client: ClientCredentials,
    pub(super) auth_method: ClientAuthMethod,
    pub(super) pattern: ExchangePattern,
    pub(super) margin: Duration,
    pub(super) cache: ExchangeCache,
    pub(super) clock: Clock,
}

/// Where exchanged tokens are aimed.
pub(super) struct Target {
    pub(super) audience: String,
    /// `None` when not sent (also for an empty scope).
    pub(super) scope: Option<String>,
}

impl TokenExchange {
    /// Starts configuring an exchange client for `pattern`, authenticated as the provider's
    /// client unless [`client`](TokenExchangeBuilder::client) says otherwise.
    pub fn builder(provider: &Provider, pattern: ExchangePattern) -> TokenExchangeBuilder {
        TokenExchangeBuilder::new(provider, pattern)
    }

    /// A login client exchanging users' access tokens for JWTs toward the data source
    /// `audience` (`https://n.feide.no/datasources/<uuid>`).
    pub fn login_client(provider: &Provider, audience: impl Into<String>) -> TokenExchangeBuilder {
        TokenExchangeBuilder::new(provider, ExchangePattern::LoginClient).audience(audience)
    }

    /// A data source exchanging incoming JWTs for tokens to Feide's APIs (audience: the issuer,
    /// `https://auth.dataporten.no`).
    pub fn data_source(provider: &Provider) -> TokenExchangeBuilder {
        TokenExchangeBuilder::new(provider, ExchangePattern::DataSource)
    }

    /// The pattern.
    pub fn pattern(&self) -> ExchangePattern {
        self.shared.pattern
    }

    /// The audience tokens are exchanged for.
    pub fn audience(&self) -> &str {
        &self.target.audience
    }

    /// The scope requested, if any.
    pub fn scope(&self) -> Option<&str> {
        self.target.scope.as_deref()
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.shared.provider
    }

    /// How many exchanged tokens are cached now (shared by clones and by
    /// [`with_target`](Self::with_target) copies; the count may lag behind the latest inserts
    /// and evictions by the cache's pending maintenance). For metrics.
    pub fn cached_tokens(&self) -> u64 {
        self.shared.cache.len()
    }

    /// The same client and cache aimed at another audience and scope (an app calling several
    /// data sources). Tokens for different targets never mix: the target is part of the key.
    pub fn with_target(&self, audience: impl Into<String>, scope: Option<&str>) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            target: Arc::new(Target {
                audience: audience.into(),
                scope: normalise_scope(scope),
            }),
        }
    }

    /// The exchanged token for `subject`, from the cache or from the token endpoint.
    ///
    /// Errors: [`ExchangeError::TokenEndpoint`] with the OAuth code (`invalid_grant`: the
    /// subject token is expired or not exchangeable by this client; `invalid_target`: unknown
    /// audience), or when the endpoint cannot be reached. Failures are not cached.
    pub async fn exchange(&self, subject: &Secret) -> Result<Arc<IssuedToken>, ExchangeError> {
        let span = exchange_span();
        let asked = AtomicBool::new(false);
        let result = self
            .exchange_in(subject, &asked)
            .instrument(span.clone())
            .await;
        let cache = if asked.load(Ordering::Relaxed) {
            CacheUse::Miss
        } else {
            CacheUse::Hit
        };
        observe(&span, &result, cache);
        result
    }

    async fn exchange_in(
        &self,
        subject: &Secret,
        asked: &AtomicBool,
    ) -> Result<Arc<IssuedToken>, ExchangeError> {
        let key = self.key(subject);
        let clock = &*self.shared.clock;
        // Whether this call asked the token endpoint itself; if not (a hit, or another caller's
        // request shared), the token counts as `cached`.
        let token = self
            .shared
            .cache
            .get_or_fetch(key, clock, || {
                asked.store(true, Ordering::Relaxed);
                self.fetch(subject)
            })
            .await
            .map_err(ExchangeError::TokenEndpoint)?;
        if !asked.load(Ordering::Relaxed) {
            telemetry::exchange(ExchangeResult::Cached, Grant::TokenExchange);
        }
        Ok(token)
    }

    /// The exchanged token for `subject` as a [`Secret`] (cached like
    /// [`exchange`](Self::exchange)), for building a request by hand. After a 401 from the
    /// downstream API, call [`invalidate`](Self::invalidate) before asking again — or use
    /// [`get_json`](Self::get_json) / [`with_token`](Self::with_token), which do.
    pub async fn bearer_for(&self, subject: &Secret) -> Result<Secret, ExchangeError> {
        Ok(self.exchange(subject).await?.access_token())
    }

    /// Exchanges `subject` without looking at or filling the cache.
    pub async fn exchange_uncached(&self, subject: &Secret) -> Result<IssuedToken, ExchangeError> {
        let span = exchange_span();
        let result = async { Ok(self.fetch(subject).await?) }
            .instrument(span.clone())
            .await;
        observe(&span, &result, CacheUse::None);
        result
    }

    /// Forgets the cached token for `subject` (at this target).
    pub async fn invalidate(&self, subject: &Secret) {
        self.shared.cache.invalidate(self.key(subject)).await;
    }

    /// Forgets `used` if it is still the cached token for `subject`: after a downstream 401,
    /// concurrent callers replace a rejected token once, not once each.
    pub(super) async fn invalidate_used(&self, subject: &Secret, used: &Arc<IssuedToken>) {
        self.shared
            .cache
            .invalidate_if(self.key(subject), used)
            .await;
    }

    /// The outgoing layer: exchanges each request's [`SubjectToken`](super::SubjectToken) and
    /// sets `Authorization: Bearer …`.
    pub fn layer(&self) -> TokenExchangeLayer {
        TokenExchangeLayer::new(self.clone())
    }

    fn key(&self, subject: &Secret) -> CacheKey {
        ExchangeCache::key(
            self.shared.pattern,
            subject.expose(),
            &self.target.audience,
            self.target.scope.as_deref(),
        )
    }

    async fn fetch(&self, subject: &Secret) -> Result<IssuedToken, TokenEndpointError> {
        let shared = &self.shared;
        let form = shared.pattern.form(
            subject.expose(),
            &self.target.audience,
            self.target.scope.as_deref(),
        );
        let sent_at = (shared.clock)();
        let response = shared
            .provider
            .token_request_as(&shared.client, shared.auth_method, &form)
            .await;
        let outcome = response.and_then(|r| {
            IssuedToken::from_response(
                r,
                sent_at,
                shared.margin,
                shared
                    .provider
                    .metadata()
                    .token_endpoint
                    .as_deref()
                    .unwrap_or_default(),
            )
        });
        let result = match &outcome {
            Ok(_) => ExchangeResult::Success,
            Err(_) => ExchangeResult::Failure,
        };
        telemetry::exchange(result, Grant::TokenExchange);
        match &outcome {
            Ok(token) => tracing::debug!(
                pattern = ?shared.pattern,
                audience = %self.target.audience,
                scope = token.scope().unwrap_or_default(),
                "token exchange: issued"
            ),
            Err(error) => tracing::warn!(
                pattern = ?shared.pattern,
                audience = %self.target.audience,
                %error,
                "token exchange: failed"
            ),
        }
        outcome
    }
}

impl fmt::Debug for TokenExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenExchange")
            .field("pattern", &self.shared.pattern)
            .field("client_id", &self.shared.client.id)
            .field("audience", &self.target.audience)
            .field("scope", &self.target.scope)
            .field("margin", &self.shared.margin)
            .finish_non_exhaustive()
    }
}

/// Whitespace collapsed to single spaces (RFC 6749 §3.3: strict providers refuse `"a  b"`), and a
/// blank scope is not sent, so it is the same target as none.
pub(super) fn normalise_scope(scope: Option<&str>) -> Option<String> {
    let joined = scope?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::normalise_scope;

    #[test]
    fn scopes_are_normalised() {
        assert_eq!(
            normalise_scope(Some(" readUser  writeUser\t")).as_deref(),
            Some("readUser writeUser")
        );
        assert_eq!(normalise_scope(Some("  ")), None);
        assert_eq!(normalise_scope(None), None);
    }
}
