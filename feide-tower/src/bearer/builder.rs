//! Configuring the bearer check once, at start-up.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::admission::Admission;
use super::authorizer::{BearerAuthorizer, Config};
use super::cache::TokenCache;
use super::layer::BearerJwtLayer;
use crate::Provider;
use crate::denial::{ErrorRenderer, SharedRenderer};
use crate::env::setting;
use crate::token::{
    Algorithm, ClientRule, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN, IntoScopes, ScopeRule, TokenKind,
    Validator, ValidatorBuilder, ValidatorConfigError,
};

/// The realm named in `WWW-Authenticate` unless [`BearerBuilder::realm`] sets another.
pub(crate) const DEFAULT_REALM: &str = "api";
/// Default capacity of the verified-token cache (entries).
pub(crate) const DEFAULT_CACHE_CAPACITY: u64 = 10_000;
/// Default upper bound on how long a verified token is trusted without checking its signature
/// again (also bounded by the token's own `exp`).
pub(crate) const DEFAULT_CACHE_MAX_LIFETIME: Duration = Duration::from_secs(300);
/// Longest accepted cache lifetime: a day is far beyond any access token's life.
const MAX_CACHE_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The bearer check could not be configured. The message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerConfigError {
    /// The underlying validator refused the configuration (no audience, no algorithm, ...).
    #[error(transparent)]
    Validator(#[from] ValidatorConfigError),
    /// A required scope is empty or has characters a scope cannot have (RFC 6749 §3.3).
    #[error("{0:?} is not a valid scope")]
    InvalidScope(String),
    /// A scope requirement lists no scope.
    #[error("a scope requirement needs at least one scope")]
    NoScope,
    /// The realm has characters other than visible ASCII and spaces.
    #[error("the realm must be visible ASCII")]
    InvalidRealm,
    /// [`BearerAuthorizer::from_env`] found no `DATASOURCE_AUDIENCE`.
    #[error("DATASOURCE_AUDIENCE (the audience tokens must be issued to) is required")]
    MissingAudience,
}

/// Builds a [`BearerAuthorizer`] (the framework-agnostic check) or a [`BearerJwtLayer`] (the
/// tower layer over one).
///
/// The crate's construction convention: [`BearerAuthorizer::builder`]`(&provider)`, settings,
/// [`build`](BearerBuilder::<BearerAuthorizer>::build)`()?` gives the authorizer, and
/// [`BearerAuthorizer::layer`] the tower layer over it. [`BearerJwtLayer::builder`] is the
/// shortcut whose `build()` gives the layer directly; [`build_authorizer`](Self::build_authorizer)
/// gives the authorizer from either. `T` is what `build()` returns.
///
/// Required: at least one [`audience`](Self::audience). Everything else has a safe default:
/// the algorithms of [`Provider::default_algorithms`] (see [`algorithms`](Self::algorithms);
/// RS256 for Feide), 60 s leeway, access tokens only (ID tokens and other kinds of JWT refused, see
/// [`TokenKind`]), tokens without a user refused, the verified-token cache on.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::{Provider, bearer::BearerAuthorizer};
///
/// let feide = Provider::from_env().await?;
/// let bearer = BearerAuthorizer::builder(&feide)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .require_scopes(["readUser"])
///     .realm("my-api")
///     .build()?;
/// let app: axum::Router = axum::Router::new().layer(bearer.layer());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BearerBuilder<T = BearerJwtLayer> {
    validator: ValidatorBuilder,
    required: Vec<String>,
    rule: ScopeRule,
    allow_clients: bool,
    realm: String,
    leeway: Duration,
    max_token_len: usize,
    cache: bool,
    cache_capacity: u64,
    cache_max_lifetime: Duration,
    renderer: Option<SharedRenderer>,
    accept_id_tokens: bool,
    require_at_jwt: bool,
    client_rule: Option<ClientRule>,
    /// What `build()` returns.
    target: PhantomData<fn() -> T>,
}

impl BearerBuilder {
    /// Starts from a [`ValidatorBuilder`] that already names the issuer and the key source, for
    /// keys configured out of band ([`Jwks::fixed`](crate::token::Jwks::fixed)) or a provider
    /// set up by hand. Leeway and the token size limit are set here, not there.
    ///
    /// [`BearerJwtLayer::builder`] is the usual start.
    pub fn new(validator: ValidatorBuilder) -> Self {
        Self {
            validator,
            required: Vec::new(),
            rule: ScopeRule::AllOf,
            allow_clients: false,
            realm: DEFAULT_REALM.to_owned(),
            leeway: DEFAULT_LEEWAY,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            cache: true,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            cache_max_lifetime: DEFAULT_CACHE_MAX_LIFETIME,
            renderer: None,
            accept_id_tokens: false,
            require_at_jwt: false,
            client_rule: None,
            target: PhantomData,
        }
    }

    /// Starts with the provider's issuer, shared key cache and default algorithm allow-list
    /// ([`Provider::default_algorithms`]).
    pub fn for_provider(provider: &Provider) -> Self {
        Self::new(Validator::for_provider(provider))
    }

    /// Builds the tower layer.
    ///
    /// # Errors
    ///
    /// A [`BearerConfigError`] naming the setting that is missing or invalid.
    pub fn build(self) -> Result<BearerJwtLayer, BearerConfigError> {
        self.build_authorizer().map(BearerJwtLayer::new)
    }

    /// The same settings, building a [`BearerAuthorizer`] with `build()`.
    pub fn for_authorizer(self) -> BearerBuilder<BearerAuthorizer> {
        self.retarget()
    }
}

impl BearerBuilder<BearerAuthorizer> {
    /// Builds the authorizer; [`BearerAuthorizer::layer`] gives the tower layer over it.
    ///
    /// # Errors
    ///
    /// A [`BearerConfigError`] naming the setting that is missing or invalid.
    pub fn build(self) -> Result<BearerAuthorizer, BearerConfigError> {
        self.build_authorizer()
    }
}

impl<T> BearerBuilder<T> {
    /// Reads `DATASOURCE_AUDIENCE` (an accepted `aud`, see [`audience`](Self::audience)) and
    /// `DATASOURCE_REQUIRED_SCOPE` (scopes every request must carry, space-separated: all of
    /// them, see [`require_scopes`](Self::require_scopes)) through `lookup`, the names of
    /// Feide's reference examples. Unset or blank variables change nothing.
    pub fn env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        if let Some(audience) = setting(&lookup, "DATASOURCE_AUDIENCE") {
            self = self.audience(audience);
        }
        if let Some(scopes) = setting(&lookup, "DATASOURCE_REQUIRED_SCOPE") {
            self = self.require_scopes(scopes);
        }
        self
    }

    fn retarget<U>(self) -> BearerBuilder<U> {
        BearerBuilder {
            validator: self.validator,
            required: self.required,
            rule: self.rule,
            allow_clients: self.allow_clients,
            realm: self.realm,
            leeway: self.leeway,
            max_token_len: self.max_token_len,
            cache: self.cache,
            cache_capacity: self.cache_capacity,
            cache_max_lifetime: self.cache_max_lifetime,
            renderer: self.renderer,
            accept_id_tokens: self.accept_id_tokens,
            require_at_jwt: self.require_at_jwt,
            client_rule: self.client_rule,
            target: PhantomData,
        }
    }

    /// Also accept tokens from `provider` (its issuer, verified only with its own key cache):
    /// several providers behind one API, e.g. two Feide clients, or Feide next to ID-porten.
    ///
    /// The token's `iss` picks the provider before the signature is checked: a token naming an
    /// issuer that is not trusted is refused (`invalid_token`) without fetching any keys, and a
    /// token is verified only with the keys of the issuer it names. The audiences, scopes and
    /// other settings apply to tokens of every trusted provider; [`Principal::issuer`] tells the
    /// handler which one issued the token. With one provider (no `trust`), the payload is not
    /// read before the signature check at all.
    ///
    /// [`Principal::issuer`]: super::Principal::issuer
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use feide_tower::{Provider, bearer::BearerJwtLayer};
    ///
    /// let feide = Provider::builder("https://auth.dataporten.no").build().await?;
    /// let other = Provider::builder("https://login.example.no").build().await?;
    /// let layer = BearerJwtLayer::builder(&feide)
    ///     .trust(&other)
    ///     .audience("https://api.example.no")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn trust(mut self, provider: &Provider) -> Self {
        self.validator = self
            .validator
            .issuer_keys(provider.issuer(), provider.jwks().clone());
        self
    }

    /// An accepted audience, e.g. `https://n.feide.no/datasources/<uuid>`. Required; may be
    /// called more than once (the token's `aud` must contain at least one).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.validator = self.validator.audience(audience);
        self
    }

    /// Scopes every request must carry, added to those already required (all of them by
    /// default; see [`any_scope`](Self::any_scope)): a space-separated string or a list
    /// ([`IntoScopes`]). Each must be a valid scope, checked at build. For scopes that differ
    /// per route, use [`BearerJwtLayer::require_scopes`] on the route instead.
    pub fn require_scopes(mut self, scopes: impl IntoScopes) -> Self {
        self.required.extend(scopes.into_scopes());
        self
    }

    /// One scope every request must carry; as [`require_scopes`](Self::require_scopes) with
    /// one (an empty or invalid scope fails the build).
    pub fn require_scope(mut self, scope: impl Into<String>) -> Self {
        self.required.push(scope.into());
        self
    }

    /// One of the required scopes is enough (default: all of them).
    pub fn any_scope(self) -> Self {
        self.scope_rule(ScopeRule::AnyOf)
    }

    /// Whether the required scopes are all needed or any one is enough.
    pub fn scope_rule(mut self, rule: ScopeRule) -> Self {
        self.rule = rule;
        self
    }

    /// The algorithm allow-list; replaces the default.
    ///
    /// The default, when the builder started from a provider ([`for_provider`](Self::for_provider),
    /// [`BearerJwtLayer::builder`], [`BearerAuthorizer::builder`]): the algorithms the provider
    /// advertises in its discovery document's `id_token_signing_alg_values_supported` that are
    /// among RS256, PS256, ES256 and EdDSA, in its order; `[RS256]` when it advertises none of
    /// them or was configured without discovery ([`Provider::default_algorithms`]). Discovery
    /// has no field for access tokens, so the ID-token field stands for what the provider signs
    /// with; a provider whose access tokens use another algorithm than its ID tokens needs this
    /// setting. `none` and `HS*` can never be accepted, listed or not. Started from a
    /// [`ValidatorBuilder`] ([`new`](Self::new)), the validator's list stands.
    ///
    /// Each key is used only for its own family (an RSA key never verifies ES256 or EdDSA,
    /// whatever this list holds), and a key whose JWK names an `alg` only for that algorithm.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.validator = self.validator.algorithms(algorithms);
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Tokens longer than this are refused without being parsed or hashed (default 16 KiB).
    pub fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_token_len = bytes;
        self
    }

    /// Whether tokens without a user are let through as [`Principal::Client`](super::Principal::Client)
    /// (default `false`: they get 403 `insufficient_scope` naming the scopes this layer requires).
    ///
    /// Providers give such tokens to clients that authenticate as themselves (client
    /// credentials, service accounts); [`client_rule`](Self::client_rule) says how they are
    /// recognised. Turn this on only for routes that make sense without a user, and check
    /// [`Principal`](super::Principal) in the handler.
    pub fn allow_clients(mut self, allow: bool) -> Self {
        self.allow_clients = allow;
        self
    }

    /// How a client's own token (no user) is told from a user's token, for tokens of every
    /// trusted issuer. Default: by each token's issuer, [`ClientRule::for_issuer`] (Feide's rule
    /// for Feide, the generic rule, which also knows Keycloak, Entra ID and Auth0 service
    /// accounts, for any other).
    pub fn client_rule(mut self, rule: ClientRule) -> Self {
        self.client_rule = Some(rule);
        self
    }

    /// RFC 9068 strict mode (default `false`): the token's `typ` header must be `at+jwt` (or
    /// `application/at+jwt`, in any case); anything else is `invalid_token`.
    ///
    /// Not for Feide, whose data-source tokens are typed `JWT`; for providers that type their
    /// access tokens as RFC 9068 says (`at+jwt`). Without it, `typ` may be absent, `JWT` or
    /// `at+jwt`, and ID tokens are still told apart by their claims ([`TokenKind::Access`]).
    pub fn require_at_jwt(mut self, on: bool) -> Self {
        self.require_at_jwt = on;
        self
    }

    /// Let ID tokens and other kinds of JWT of the trusted issuers through as if they were
    /// access tokens (default `false`: they get 401 `invalid_token`; see [`TokenKind`]).
    ///
    /// Don't, unless the API must serve a legacy client that sends its own ID token and nothing
    /// else tells that client's calls apart: an ID token is not meant for APIs, and it travels
    /// (in logout URLs as `id_token_hint`, in browser storage) where access tokens do not. Anyone
    /// who gets hold of one can then call the API as its user until it expires, wherever the
    /// API's audience is the login's client id.
    pub fn accept_id_tokens(mut self, accept: bool) -> Self {
        self.accept_id_tokens = accept;
        self
    }

    /// The protection space named in `WWW-Authenticate: Bearer realm="..."` (default `"api"`).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// Whether to remember verified tokens (default `true`).
    ///
    /// A hit skips the signature check (≈ 20 µs for RS256) but still checks expiry, so an expired
    /// token is refused even while cached. The trade-off: a key withdrawn from the provider's JWKS
    /// does not evict tokens it signed that were already verified; they stay accepted until their
    /// entry ends, at most [`cache_max_lifetime`](Self::cache_max_lifetime) (default 5 min) and
    /// never past the token's `exp`. Turn the cache off if that window is too long for you.
    pub fn cache(mut self, on: bool) -> Self {
        self.cache = on;
        self
    }

    /// How many verified tokens to remember (default 10 000; least useful evicted first).
    pub fn cache_capacity(mut self, entries: u64) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// The longest a verified token is trusted before its signature is checked again (default
    /// 5 min, at most 24 h). Shorter bounds how long a withdrawn key keeps working.
    pub fn cache_max_lifetime(mut self, lifetime: Duration) -> Self {
        self.cache_max_lifetime = lifetime;
        self
    }

    /// Your own body for refusals (401, 403, 503): `renderer` returns the `Content-Type` and the
    /// bytes. The status, `WWW-Authenticate` (with its RFC 6750 `error`), `Retry-After` and
    /// `Cache-Control: no-store` stay ours: the renderer cannot change them. It also renders the
    /// refusals of [`BearerJwtLayer::require_scope`] layers made from this layer.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use feide_tower::Denial;
    /// use feide_tower::bearer::BearerBuilder;
    /// use feide_tower::token::Jwks;
    /// use feide_tower::token::{KeySet, Validator};
    /// use http::HeaderValue;
    ///
    /// let keys = Validator::builder(Jwks::fixed(KeySet::default())).issuer("https://auth.dataporten.no");
    /// let layer = BearerBuilder::new(keys)
    ///     .audience("https://api.example.no")
    ///     .render_body(|denial: &Denial| {
    ///         let problem = format!(r#"{{"title":"Not allowed","status":{}}}"#, denial.status().as_u16());
    ///         (HeaderValue::from_static("application/problem+json"), Bytes::from(problem))
    ///     })
    ///     .build();
    /// assert!(layer.is_ok());
    /// ```
    pub fn render_body(mut self, renderer: impl ErrorRenderer) -> Self {
        self.renderer = Some(SharedRenderer::new(renderer));
        self
    }

    /// Builds the framework-agnostic authorizer, whatever `build()` returns (kept for code
    /// written before [`BearerAuthorizer::builder`]`(..).build()` returned the authorizer).
    ///
    /// # Errors
    ///
    /// A [`BearerConfigError`] naming the setting that is missing or invalid.
    pub fn build_authorizer(self) -> Result<BearerAuthorizer, BearerConfigError> {
        check_scopes(&self.required, false)?;
        check_realm(&self.realm)?;
        let mut validator = self
            .validator
            .leeway(self.leeway)
            .max_token_len(self.max_token_len);
        if self.accept_id_tokens {
            validator = validator.kind(TokenKind::Any);
        }
        if self.require_at_jwt {
            validator = validator.require_at_jwt(true);
        }
        let validator = validator.build()?;
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        let cache = (self.cache && self.cache_capacity > 0).then(|| {
            TokenCache::new(
                self.cache_capacity,
                self.cache_max_lifetime.min(MAX_CACHE_LIFETIME),
                leeway,
            )
        });
        Ok(BearerAuthorizer::from_config(Arc::new(Config {
            validator,
            admission: Admission {
                required: self.required.into(),
                rule: self.rule,
                allow_clients: self.allow_clients,
                clients: self.client_rule,
            },
            realm: self.realm.into(),
            max_token_len: self.max_token_len,
            cache,
            renderer: self.renderer,
        })))
    }
}

/// Scopes are non-empty `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3): no spaces, quotes or
/// backslashes, so they can be named in a challenge as they are.
pub(crate) fn check_scopes(scopes: &[String], need_one: bool) -> Result<(), BearerConfigError> {
    if need_one && scopes.is_empty() {
        return Err(BearerConfigError::NoScope);
    }
    for scope in scopes {
        let valid = !scope.is_empty()
            && scope
                .bytes()
                .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
        if !valid {
            return Err(BearerConfigError::InvalidScope(scope.clone()));
        }
    }
    Ok(())
}

pub(crate) fn check_realm(realm: &str) -> Result<(), BearerConfigError> {
    if realm.bytes().all(|b| matches!(b, b' '..=b'~')) {
        Ok(())
    } else {
        Err(BearerConfigError::InvalidRealm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_syntax() {
        let ok = |s: &str| check_scopes(&[s.to_owned()], true).is_ok();
        assert!(ok("readUser"));
        assert!(ok("gk_foo:bar"));
        for bad in ["", "a b", "a\"b", "a\\b", "æ", "a\n"] {
            assert!(!ok(bad), "{bad:?}");
        }
        assert_eq!(check_scopes(&[], true), Err(BearerConfigError::NoScope));
    }

    #[test]
    fn realm_syntax() {
        assert!(check_realm("my api").is_ok());
        assert!(
            check_realm("a\"quoted\"").is_ok(),
            "quotes are escaped, not refused"
        );
        assert_eq!(check_realm("a\r\nb"), Err(BearerConfigError::InvalidRealm));
    }

    fn keys() -> crate::token::Jwks {
        crate::token::Jwks::fixed(crate::token::KeySet::default())
    }

    #[test]
    fn scopes_are_taken_the_same_way_and_checked_at_build() {
        let builder =
            || BearerBuilder::new(Validator::builder(keys()).issuer("https://op.example"));
        let listed = builder().require_scopes(["readUser", "writeUser"]);
        let spaced = builder().require_scopes(" readUser  writeUser ");
        let one_by_one = builder()
            .require_scope("readUser")
            .require_scope("writeUser");
        assert_eq!(listed.required, spaced.required);
        assert_eq!(listed.required, one_by_one.required);
        let bad = builder()
            .audience("api")
            .require_scopes(["read user"])
            .build();
        assert_eq!(
            bad.unwrap_err(),
            BearerConfigError::InvalidScope("read user".into())
        );
    }

    #[test]
    fn the_conventional_builder_builds_the_authorizer_then_the_layer() {
        let built: Result<BearerAuthorizer, _> =
            BearerBuilder::new(Validator::builder(keys()).issuer("https://op.example"))
                .for_authorizer()
                .audience("api")
                .env_with(|name| {
                    (name == "DATASOURCE_REQUIRED_SCOPE").then(|| "readUser".to_owned())
                })
                .build();
        let layer: BearerJwtLayer = built.unwrap().layer();
        assert_eq!(layer.authorizer().realm(), DEFAULT_REALM);
    }
}
