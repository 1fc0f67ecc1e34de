//! [`DataSourceGuard`]: the rule checked for the user behind a data source's caller, with the
//! facts fetched by token exchange and kept per subject.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::cache::{self, FactsCache, Fresh, Unavailable};
use super::decision_span::{self, Lookup};
use super::error::AuthorizationConfigError;
use super::facts::{FeideFacts, Mfa, feide_id_claim};
use super::layer::AuthorizeLayer;
use super::rule::Rule;
use super::session::{DEFAULT_CAPACITY, DEFAULT_FRESHNESS, check_settings};
use super::source;
use super::verdict::{self, Verdict};
use crate::answer::Answer;
use crate::bearer::Principal;
use crate::denial::{ErrorRenderer, SharedRenderer};
use crate::exchange::TokenExchange;
use crate::login::FEIDE_MFA_ACR;
use crate::provider::Secret;

/// Checks a [`Rule`] for the user behind a data source's caller: behind
/// [`BearerJwtLayer`](crate::bearer::BearerJwtLayer) (which puts the [`Principal`] in the
/// request), the incoming token is exchanged ([`TokenExchange::data_source`]) for one for
/// Feide's APIs, the facts fetched with it and kept per subject for the freshness window
/// (default 5 minutes; bounded, single-flight). So a caller's token is exchanged once per
/// subject and window, not per request.
///
/// MFA: Feide's JWT access tokens say nothing about it unless they carry `acr`; without one a
/// rule asking for MFA refuses ([`Mfa::Unknown`]).
///
/// Refusals are JSON (API callers): `403` `{"error":"forbidden",...}` naming the failed
/// requirement kind, `503` with `Retry-After` when the exchange or Feide's APIs fail, `401`
/// without a bearer principal (the route is not behind the bearer layer).
///
/// ```no_run
/// # fn run(feide: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
/// use feide_tower::authorization::{DataSourceGuard, Rule};
/// use feide_tower::bearer::BearerJwtLayer;
/// use feide_tower::exchange::TokenExchange;
///
/// let bearer = BearerJwtLayer::builder(&feide)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .build()?;
/// let exchange = TokenExchange::data_source(&feide).client("ds-id", "ds-secret").build()?;
/// let staff = DataSourceGuard::builder(&exchange, Rule::affiliation(["employee"])).build()?;
/// let app: Router = Router::new()
///     .route("/staff", get(|| async { "staff only" }).route_layer(staff.layer()))
///     .layer(bearer);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DataSourceGuard {
    inner: Arc<Inner>,
}

struct Inner {
    exchange: TokenExchange,
    rule: Rule,
    freshness: Duration,
    cache: FactsCache,
    renderer: Option<SharedRenderer>,
}

/// Builds a [`DataSourceGuard`].
#[must_use]
pub struct DataSourceGuardBuilder {
    exchange: TokenExchange,
    rule: Rule,
    freshness: Duration,
    capacity: u64,
    renderer: Option<SharedRenderer>,
}

impl DataSourceGuard {
    /// A guard that lets in the callers whose user meets `rule`, asking Feide through
    /// `exchange` (a [`TokenExchange::data_source`]).
    pub fn builder(exchange: &TokenExchange, rule: Rule) -> DataSourceGuardBuilder {
        DataSourceGuardBuilder {
            exchange: exchange.clone(),
            rule,
            freshness: DEFAULT_FRESHNESS,
            capacity: DEFAULT_CAPACITY,
            renderer: None,
        }
    }

    /// The tower layer for routes (inside the bearer layer).
    pub fn layer(&self) -> AuthorizeLayer<Self> {
        AuthorizeLayer::new(self.clone())
    }

    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.inner.rule
    }

    /// Subjects whose facts are kept, for tests and metrics.
    pub fn cached_facts(&self) -> u64 {
        self.inner.cache.len()
    }

    /// The plain decision (for frameworks other than tower): `principal` is the validated
    /// caller (from the bearer layer or [`BearerAuthorizer`](crate::bearer::BearerAuthorizer)),
    /// `token` the caller's bearer token (the exchange's subject token), `headers` the
    /// request's.
    ///
    /// One `feide.authorization` span per decision (debug level), with `outcome`, `reason` (the
    /// failed requirement's kind) and `cache`.
    pub async fn decide(
        &self,
        principal: Option<&Principal>,
        token: Option<&Secret>,
        headers: &HeaderMap,
    ) -> Verdict {
        let lookup = Lookup::default();
        let decision = self.decide_noting(principal, token, headers, &lookup);
        decision_span::traced(&lookup, decision).await
    }

    async fn decide_noting(
        &self,
        principal: Option<&Principal>,
        token: Option<&Secret>,
        headers: &HeaderMap,
        lookup: &Lookup,
    ) -> Verdict {
        let inner = &self.inner;
        let renderer = inner.renderer.as_ref();
        let (Some(principal), Some(token)) = (principal, token) else {
            // Not behind the bearer layer: a wiring mistake. Refuse, never allow.
            tracing::error!("data-source authorization without a bearer principal; refusing");
            return Verdict::LoginRequired(Answer::json(
                StatusCode::UNAUTHORIZED,
                r#"{"error":"invalid_token","error_description":"A bearer token is required"}"#,
            ));
        };
        let browser = verdict::is_browser(headers);
        let Some(subject) = principal.subject().filter(|_| principal.is_user()) else {
            return verdict::forbidden("user", browser, renderer);
        };
        let claims = principal.claims();
        let key = cache::key(
            "authz-subject",
            &[principal.issuer().as_bytes(), subject.as_bytes()],
        );
        let feide_id = feide_id_claim(&claims.extra);
        let freshness = inner.freshness;
        lookup.looked_up();
        let fetch = || async move {
            lookup.fetched();
            let provider = inner.exchange.provider();
            inner
                .exchange
                .with_token(token, |exchanged| async move {
                    source::fetch(provider, &exchanged, feide_id).await
                })
                .await
                .map(|directory| Fresh::new(directory, freshness))
                .map_err(|error| {
                    tracing::warn!(%error, "authorization: Feide's APIs could not say who the caller is");
                    Unavailable
                })
        };
        let Ok(directory) = inner.cache.get_or_fetch(key, fetch).await else {
            return verdict::unavailable(browser, renderer);
        };
        let mfa = match claims.acr.as_deref() {
            Some(acr) if acr == FEIDE_MFA_ACR => Mfa::Yes,
            Some(_) => Mfa::No,
            None => Mfa::Unknown,
        };
        let facts = FeideFacts::new(directory, mfa);
        match inner.rule.evaluate(&facts) {
            Ok(()) => Verdict::Allowed(facts),
            Err(requirement) => {
                tracing::debug!(
                    requirement,
                    "authorization: the caller does not meet the rule"
                );
                verdict::forbidden(requirement, browser, renderer)
            }
        }
    }
}

impl fmt::Debug for DataSourceGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSourceGuard")
            .field("rule", &self.inner.rule)
            .field("freshness", &self.inner.freshness)
            .field("cached_facts", &self.inner.cache.len())
            .finish()
    }
}

impl fmt::Debug for DataSourceGuardBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSourceGuardBuilder")
            .field("rule", &self.rule)
            .field("freshness", &self.freshness)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl DataSourceGuardBuilder {
    /// How long fetched facts are used before Feide is asked again (default 5 minutes; 1 second
    /// to 1 day).
    pub fn freshness(mut self, freshness: Duration) -> Self {
        self.freshness = freshness;
        self
    }

    /// Most subjects whose facts are kept (default 10,000).
    pub fn capacity(mut self, capacity: u64) -> Self {
        self.capacity = capacity;
        self
    }

    /// Custom bodies for the `403` and `503` answers ([`Denial::Authorization`](crate::Denial)).
    pub fn render_body(mut self, renderer: impl ErrorRenderer) -> Self {
        self.renderer = Some(SharedRenderer::new(renderer));
        self
    }

    /// Checks the rule and settings.
    ///
    /// # Errors
    ///
    /// [`AuthorizationConfigError`]: a malformed rule, a freshness outside 1 s to 1 day, a zero
    /// capacity, or a provider with neither a groups API nor an extended userinfo URL.
    pub fn build(self) -> Result<DataSourceGuard, AuthorizationConfigError> {
        check_settings(
            &self.rule,
            self.freshness,
            self.capacity,
            self.exchange.provider(),
        )?;
        Ok(DataSourceGuard {
            inner: Arc::new(Inner {
                cache: FactsCache::new(self.capacity),
                exchange: self.exchange,
                rule: self.rule,
                freshness: self.freshness,
                renderer: self.renderer,
            }),
        })
    }
}
