//! [`Validator`]: the whole check of a JWT, from size to scope.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::algorithm::Algorithm;
use super::claims::Claims;
use super::error::TokenError;
use super::jwk::VerifyingKey;
use super::jws;
use super::scope::Scopes;
use crate::provider::{Jwks, Provider};

/// Default maximum token size: Feide tokens are 1–2 KB; nothing legitimate comes near this.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
/// Default clock-skew allowance for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Whether a list of required scopes needs all of them or any one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScopeRule {
    /// Every listed scope must be granted (the default).
    #[default]
    AllOf,
    /// At least one listed scope must be granted.
    AnyOf,
}

impl ScopeRule {
    /// Checks `granted` against `required`; an empty requirement always passes.
    pub fn check(self, granted: &Scopes, required: &[String]) -> Result<(), TokenError> {
        let ok = required.is_empty()
            || match self {
                Self::AllOf => required.iter().all(|r| granted.contains(r)),
                Self::AnyOf => required.iter().any(|r| granted.contains(r)),
            };
        if ok {
            Ok(())
        } else {
            Err(TokenError::InsufficientScope {
                required: required.iter().collect(),
            })
        }
    }
}

/// Validates JWTs: size, header, algorithm allow-list, key, signature, `iss`, `aud`, `exp`,
/// `nbf`, `iat`, scopes. Built once, cheap to clone, shared.
///
/// `exp`, `iss` and `aud` are always required: a token without one is refused.
///
/// ```no_run
/// # async fn run(provider: feide_tower::Provider, token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::token::Validator;
///
/// let validator = Validator::for_provider(&provider)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .require_scope("readUser")
///     .build()?;
/// let claims = validator.validate(token).await?;
/// println!("subject: {:?}", claims.sub);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Validator {
    inner: Arc<Config>,
}

#[derive(Debug)]
struct Config {
    keys: Jwks,
    issuers: Vec<String>,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: i64,
    required_scopes: Vec<String>,
    scope_rule: ScopeRule,
    max_len: usize,
    require_iat: bool,
}

/// A [`Validator`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid validator configuration: {0}")]
pub struct ValidatorConfigError(&'static str);

/// Builds a [`Validator`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ValidatorBuilder {
    keys: Jwks,
    issuers: Vec<String>,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    required_scopes: Vec<String>,
    scope_rule: ScopeRule,
    max_len: usize,
    require_iat: bool,
}

impl Validator {
    /// A builder that takes keys from `keys`; set the issuer and audience yourself.
    pub fn builder(keys: Jwks) -> ValidatorBuilder {
        ValidatorBuilder {
            keys,
            issuers: Vec::new(),
            audiences: Vec::new(),
            algorithms: vec![Algorithm::RS256],
            leeway: DEFAULT_LEEWAY,
            required_scopes: Vec::new(),
            scope_rule: ScopeRule::AllOf,
            max_len: DEFAULT_MAX_TOKEN_LEN,
            require_iat: false,
        }
    }

    /// A builder with the provider's issuer and shared key cache; set the audience.
    pub fn for_provider(provider: &Provider) -> ValidatorBuilder {
        Self::builder(provider.jwks().clone()).issuer(provider.issuer())
    }

    /// Validates a compact JWT and returns its claims.
    pub async fn validate(&self, token: &str) -> Result<Claims, TokenError> {
        self.validate_bytes(token.as_bytes()).await
    }

    /// [`validate`](Self::validate) of the token's bytes as they came.
    pub(crate) async fn validate_bytes(&self, token: &[u8]) -> Result<Claims, TokenError> {
        let compact = self.parse(token)?;
        let (alg, kid) = (compact.header.alg, compact.header.kid.as_deref());
        let key = match self.inner.keys.key_now(alg, kid) {
            Some(key) => key?,
            None => self.inner.keys.key_for(alg, kid).await?,
        };
        self.verify(&compact, &key, now())
    }

    /// [`validate`](Self::validate) without waiting: `None` when the token names a key that is
    /// not in the current key set (then only `validate` can tell, after fetching the keys).
    ///
    /// The usual case, a known key, is decided right here, so the bearer layer needs no
    /// future, no allocation and no copy of the token for it.
    pub(crate) fn validate_now(
        &self,
        token: &[u8],
        now: i64,
    ) -> Option<Result<Claims, TokenError>> {
        let compact = match self.parse(token) {
            Ok(compact) => compact,
            Err(error) => return Some(Err(error)),
        };
        let key = match self
            .inner
            .keys
            .key_now(compact.header.alg, compact.header.kid.as_deref())?
        {
            Ok(key) => key,
            Err(error) => return Some(Err(error)),
        };
        Some(self.verify(&compact, &key, now))
    }

    fn parse<'a>(&self, token: &'a [u8]) -> Result<jws::Compact<'a>, TokenError> {
        let cfg = &*self.inner;
        if token.len() > cfg.max_len {
            return Err(TokenError::TooLarge { limit: cfg.max_len });
        }
        jws::parse(token, &cfg.algorithms)
    }

    /// The signature with `key`, then the claims.
    fn verify(
        &self,
        compact: &jws::Compact<'_>,
        key: &VerifyingKey,
        now: i64,
    ) -> Result<Claims, TokenError> {
        if !key.verify(
            compact.header.alg,
            compact.signing_input,
            &compact.signature,
        ) {
            return Err(TokenError::InvalidSignature);
        }
        let claims = jws::with_payload(compact, Claims::from_payload)?;
        self.check_claims(&claims, now)?;
        Ok(claims)
    }

    /// Checks issuer, audience, times and the configured scopes of already-verified claims at
    /// time `now` (seconds since the epoch). Used again on every verified-token cache hit.
    pub fn check_claims(&self, claims: &Claims, now: i64) -> Result<(), TokenError> {
        let cfg = &*self.inner;
        if !cfg.issuers.contains(&claims.iss) {
            return Err(TokenError::WrongIssuer);
        }
        if !claims.aud.iter().any(|a| cfg.audiences.contains(a)) {
            return Err(TokenError::WrongAudience);
        }
        self.check_times(claims, now)?;
        cfg.scope_rule.check(&claims.scope, &cfg.required_scopes)
    }

    /// Checks `exp`, `nbf` and `iat` with the leeway at `now`.
    pub fn check_times(&self, claims: &Claims, now: i64) -> Result<(), TokenError> {
        let leeway = self.inner.leeway;
        if now > claims.exp.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(leeway))
        {
            return Err(TokenError::NotYetValid);
        }
        match claims.iat {
            Some(iat) if iat > now.saturating_add(leeway) => Err(TokenError::IssuedInFuture),
            None if self.inner.require_iat => Err(TokenError::MissingClaim("iat")),
            _ => Ok(()),
        }
    }

    /// The configured audiences.
    pub fn audiences(&self) -> &[String] {
        &self.inner.audiences
    }

    /// The key cache this validator uses.
    pub fn keys(&self) -> &Jwks {
        &self.inner.keys
    }
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl ValidatorBuilder {
    /// The accepted issuer (exact string match). May be called more than once to accept several.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// An accepted audience; the token's `aud` must contain at least one. Required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The algorithm allow-list (default `[RS256]`, Feide's only algorithm).
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// A scope the token must carry (all of them by default; see [`scope_rule`](Self::scope_rule)).
    pub fn require_scope(mut self, scope: impl Into<String>) -> Self {
        self.required_scopes.push(scope.into());
        self
    }

    /// Whether required scopes are all needed (default) or any one is enough.
    pub fn scope_rule(mut self, rule: ScopeRule) -> Self {
        self.scope_rule = rule;
        self
    }

    /// Tokens longer than this are refused unparsed (default 16 KiB).
    pub fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Whether `iat` is required (default `false`; ID tokens require it).
    pub fn require_iat(mut self, on: bool) -> Self {
        self.require_iat = on;
        self
    }

    /// Builds the validator; refuses a configuration without issuer, audience or algorithm.
    pub fn build(self) -> Result<Validator, ValidatorConfigError> {
        if self.issuers.is_empty() {
            return Err(ValidatorConfigError("an issuer is required"));
        }
        if self.audiences.is_empty() {
            return Err(ValidatorConfigError("an audience is required"));
        }
        if self.algorithms.is_empty() {
            return Err(ValidatorConfigError("the algorithm allow-list is empty"));
        }
        Ok(Validator {
            inner: Arc::new(Config {
                keys: self.keys,
                issuers: self.issuers,
                audiences: self.audiences,
                algorithms: self.algorithms,
                leeway: i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX),
                required_scopes: self.required_scopes,
                scope_rule: self.scope_rule,
                max_len: self.max_len,
                require_iat: self.require_iat,
            }),
        })
    }
}
