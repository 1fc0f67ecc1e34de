//! [`Validator`]: the whole check of a JWT, from size to scope.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::algorithm::Algorithm;
use super::claims::Claims;
use super::error::TokenError;
use super::issuer_keys::IssuerKeys;
use super::jwk::VerifyingKey;
use super::jwks::Jwks;
use super::jws;
use super::kind::TokenKind;
use super::scope::Scopes;

/// Default maximum token size: Feide tokens are 1–2 KB; nothing legitimate comes near this.
pub(crate) const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
/// Default clock-skew allowance for `exp`, `nbf` and `iat`.
pub(crate) const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

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

/// Validates JWTs: size, header, algorithm allow-list, kind, key, signature, `iss`, `aud`, `exp`,
/// `nbf`, `iat`, scopes. Built once, cheap to clone, shared.
///
/// `exp`, `iss` and `aud` are always required: a token without one is refused. A validator is
/// for access tokens unless [`kind`](ValidatorBuilder::kind) says otherwise: ID tokens and other
/// kinds of JWT are refused ([`TokenKind`]).
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
    /// Set when issuers have their own key sources ([`ValidatorBuilder::issuer_keys`]); `None`
    /// in the usual single-source case, whose path never reads the payload before verifying.
    per_issuer: Option<IssuerKeys>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: i64,
    required_scopes: Vec<String>,
    scope_rule: ScopeRule,
    max_len: usize,
    require_iat: bool,
    kind: TokenKind,
    require_at_jwt: bool,
}

/// A [`Validator`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid validator configuration: {0}")]
pub struct ValidatorConfigError(&'static str);

/// Builds a [`Validator`], following the crate's construction convention:
/// [`Validator::builder`]`(keys)` or [`Validator::for_provider`]`(&provider)`, settings,
/// [`build`](Self::build)`()?` gives the validator (errors: [`ValidatorConfigError`]). Scopes are
/// taken as everywhere ([`require_scopes`](Self::require_scopes): a space-separated string or a
/// list).
#[derive(Debug, Clone)]
#[must_use]
pub struct ValidatorBuilder {
    keys: Jwks,
    issuers: Vec<String>,
    issuer_keys: Vec<(String, Jwks)>,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    required_scopes: Vec<String>,
    scope_rule: ScopeRule,
    max_len: usize,
    require_iat: bool,
    kind: TokenKind,
    require_at_jwt: bool,
}

impl Validator {
    /// A builder that takes keys from `keys`; set the issuer and audience yourself.
    pub fn builder(keys: Jwks) -> ValidatorBuilder {
        ValidatorBuilder {
            keys,
            issuers: Vec::new(),
            issuer_keys: Vec::new(),
            audiences: Vec::new(),
            algorithms: vec![Algorithm::RS256],
            leeway: DEFAULT_LEEWAY,
            required_scopes: Vec::new(),
            scope_rule: ScopeRule::AllOf,
            max_len: DEFAULT_MAX_TOKEN_LEN,
            require_iat: false,
            kind: TokenKind::Access,
            require_at_jwt: false,
        }
    }

    /// Validates a compact JWT and returns its claims.
    pub async fn validate(&self, token: &str) -> Result<Claims, TokenError> {
        self.validate_bytes(token.as_bytes()).await
    }

    /// [`validate`](Self::validate) of the token's bytes as they came.
    pub(crate) async fn validate_bytes(&self, token: &[u8]) -> Result<Claims, TokenError> {
        let compact = self.parse(token)?;
        let (keys, issuer) = self.keys_for(&compact)?;
        let (alg, kid) = (compact.header.alg, compact.header.kid.as_deref());
        let key = match keys.key_now(alg, kid) {
            Some(key) => key?,
            None => keys.key_for(alg, kid).await?,
        };
        self.verify(&compact, &key, issuer, now())
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
        let (keys, issuer) = match self.keys_for(&compact) {
            Ok(found) => found,
            Err(error) => return Some(Err(error)),
        };
        let key = match keys.key_now(compact.header.alg, compact.header.kid.as_deref())? {
            Ok(key) => key,
            Err(error) => return Some(Err(error)),
        };
        Some(self.verify(&compact, &key, issuer, now))
    }

    /// The keys that may verify `compact`, and the issuer its claims must then name when
    /// issuers have their own keys. With a single key source this reads nothing: the payload is
    /// not looked at before the signature is checked.
    fn keys_for(&self, compact: &jws::Compact<'_>) -> Result<(&Jwks, Option<&str>), TokenError> {
        let cfg = &*self.inner;
        match &cfg.per_issuer {
            None => Ok((&cfg.keys, None)),
            Some(table) => table.select(compact).map(|(iss, keys)| (keys, Some(iss))),
        }
    }

    /// Splits and decodes the token, checking its header: algorithm, and kind by `typ` (a token
    /// of the wrong kind is refused before any key is looked up or fetched).
    fn parse<'a>(&self, token: &'a [u8]) -> Result<jws::Compact<'a>, TokenError> {
        let cfg = &*self.inner;
        if token.len() > cfg.max_len {
            return Err(TokenError::TooLarge { limit: cfg.max_len });
        }
        let compact = jws::parse(token, &cfg.algorithms)?;
        cfg.kind.check_typ(compact.header.typ, cfg.require_at_jwt)?;
        Ok(compact)
    }

    /// The signature with `key`, then the claims.
    fn verify(
        &self,
        compact: &jws::Compact<'_>,
        key: &VerifyingKey,
        issuer: Option<&str>,
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
        self.inner.kind.check_claims(compact.header.typ, &claims)?;
        // The keys were chosen by the issuer read before verification; the verified claims must
        // name that same issuer (a second parse cannot be allowed to disagree with the first).
        if issuer.is_some_and(|iss| iss != claims.iss) {
            return Err(TokenError::WrongIssuer);
        }
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

    /// Checks that already-verified claims are of this validator's [`TokenKind`] as far as claims
    /// tell (for claims that came without a JOSE header, such as an introspection answer; a
    /// JWT's `typ` header is checked by [`validate`](Self::validate)).
    pub fn check_kind(&self, claims: &Claims) -> Result<(), TokenError> {
        self.inner.kind.check_claims(jws::Typ::Absent, claims)
    }

    /// The kind of token this validator accepts.
    pub fn kind(&self) -> TokenKind {
        self.inner.kind
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

    /// The key cache this validator uses (for the issuers set with
    /// [`issuer`](ValidatorBuilder::issuer); see [`keys_of`](Self::keys_of) for the others).
    pub fn keys(&self) -> &Jwks {
        &self.inner.keys
    }

    /// The accepted issuers: those set with [`issuer`](ValidatorBuilder::issuer), then those
    /// set with [`issuer_keys`](ValidatorBuilder::issuer_keys).
    pub fn issuers(&self) -> &[String] {
        &self.inner.issuers
    }

    /// The key cache that verifies tokens of `issuer`, or `None` if it is not accepted.
    pub fn keys_of(&self, issuer: &str) -> Option<&Jwks> {
        let cfg = &*self.inner;
        match &cfg.per_issuer {
            Some(table) => table.get(issuer),
            None => cfg.issuers.iter().any(|i| i == issuer).then_some(&cfg.keys),
        }
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

    /// Also accept tokens of `issuer`, verified only with keys from `keys`: its own key source.
    ///
    /// For a second provider next to the first (another Feide client, ID-porten, Entra ID).
    /// With it, a token's `iss` picks the key source before the signature is checked: a token
    /// naming an issuer outside the accepted ones is refused without looking up or fetching any
    /// key, and a token is never verified with another issuer's keys (a `kid` published only by
    /// issuer B, in a token claiming issuer A, is refused after at most one refresh of A's keys).
    /// Issuers set with [`issuer`](Self::issuer) keep the builder's key source. Without this
    /// method the payload is not read before verification at all (the usual, fastest path).
    ///
    /// ```no_run
    /// # async fn run(feide: feide_tower::Provider, other: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
    /// use feide_tower::token::Validator;
    ///
    /// let validator = Validator::for_provider(&feide)
    ///     .issuer_keys(other.issuer(), other.jwks().clone())
    ///     .audience("https://api.example.no")
    ///     .build()?;
    /// let claims = validator.validate("eyJ...").await?;
    /// println!("issued by {}", claims.iss);
    /// # Ok(()) }
    /// ```
    pub fn issuer_keys(mut self, issuer: impl Into<String>, keys: Jwks) -> Self {
        self.issuer_keys.push((issuer.into(), keys));
        self
    }

    /// An accepted audience; the token's `aud` must contain at least one. Required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The algorithm allow-list (default `[RS256]`, Feide's only algorithm; from
    /// [`Validator::for_provider`], the provider's advertised safe algorithms, see
    /// [`Provider::default_algorithms`](crate::Provider::default_algorithms)). Only the
    /// algorithms of [`Algorithm`] exist: `none` and `HS*` are never accepted.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Scopes the token must carry, added to those already required (all of them by default;
    /// see [`scope_rule`](Self::scope_rule)): a space-separated string or a list
    /// ([`IntoScopes`](super::IntoScopes)).
    pub fn require_scopes(mut self, scopes: impl super::IntoScopes) -> Self {
        self.required_scopes.extend(scopes.into_scopes());
        self
    }

    /// One scope the token must carry; as [`require_scopes`](Self::require_scopes) with one.
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

    /// The kind of token to accept (default [`TokenKind::Access`]); tokens of other kinds are
    /// refused with [`TokenError::WrongTokenType`]. A login validates ID tokens with
    /// [`TokenKind::Id`].
    pub fn kind(mut self, kind: TokenKind) -> Self {
        self.kind = kind;
        self
    }

    /// RFC 9068 §4's strict rule (default `false`): the header's `typ` must be `at+jwt` (or
    /// `application/at+jwt`, in any case). Feide types its access tokens `JWT`, so this is only for
    /// providers that type theirs `at+jwt`.
    pub fn require_at_jwt(mut self, on: bool) -> Self {
        self.require_at_jwt = on;
        self
    }

    /// Builds the validator; refuses a configuration without issuer, audience or algorithm.
    pub fn build(mut self) -> Result<Validator, ValidatorConfigError> {
        if self.issuers.is_empty() && self.issuer_keys.is_empty() {
            return Err(ValidatorConfigError("an issuer is required"));
        }
        let per_issuer = if self.issuer_keys.is_empty() {
            None
        } else {
            let table: Vec<(String, Jwks)> = self
                .issuers
                .iter()
                .map(|iss| (iss.clone(), self.keys.clone()))
                .chain(self.issuer_keys)
                .collect();
            self.issuers = table.iter().map(|(iss, _)| iss.clone()).collect();
            Some(IssuerKeys::new(table).ok_or(ValidatorConfigError(
                "an issuer is accepted twice (with two key sources, or twice with the same)",
            ))?)
        };
        if self.audiences.is_empty() {
            return Err(ValidatorConfigError("an audience is required"));
        }
        if self.algorithms.is_empty() {
            return Err(ValidatorConfigError("the algorithm allow-list is empty"));
        }
        Ok(Validator {
            inner: Arc::new(Config {
                keys: self.keys,
                per_issuer,
                issuers: self.issuers,
                audiences: self.audiences,
                algorithms: self.algorithms,
                leeway: i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX),
                required_scopes: self.required_scopes,
                scope_rule: self.scope_rule,
                max_len: self.max_len,
                require_iat: self.require_iat,
                kind: self.kind,
                require_at_jwt: self.require_at_jwt,
            }),
        })
    }
}
