//! [`BearerAuthorizer`]: the whole bearer decision as plain async functions on plain types. The
//! tower layer is a thin wrapper over exactly these; a bridge to another framework calls them too.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::digest::{SHA256, digest};
use http::HeaderMap;
use tracing::field::{Empty, display};
use tracing::{Instrument as _, Span};

use super::admission::Admission;
use super::builder::{BearerBuilder, BearerConfigError};
use super::cache::TokenCache;
use super::challenge::Challenge;
use super::error::BearerError;
use super::header::{bearer_credentials, token68};
use super::layer::BearerJwtLayer;
use super::principal::Principal;
use crate::Provider;
use crate::denial::SharedRenderer;
use crate::env::setting;
use crate::telemetry;
use crate::telemetry::labels::{BearerResult, CacheUse};
use crate::token::{Claims, TokenError, Validator, now};

/// Decides whether a request's bearer token lets it through, and as whom.
///
/// Built once with [`BearerAuthorizer::builder`]; cheap to clone (an `Arc` inside). The tower
/// layer [`BearerJwtLayer`](super::BearerJwtLayer) wraps one; use it directly to protect something
/// that is not a tower service.
///
/// ```no_run
/// # async fn run(provider: feide_tower::Provider, headers: http::HeaderMap) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::bearer::BearerAuthorizer;
///
/// let authorizer = BearerAuthorizer::builder(&provider)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .require_scope("readUser")
///     .build_authorizer()?;
/// match authorizer.authorize(&headers).await {
///     Ok(principal) => println!("subject {:?}", principal.subject()),
///     Err(error) => {
///         let challenge = authorizer.challenge(&error);
///         println!("answer {} with {:?}", challenge.status, challenge.www_authenticate);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BearerAuthorizer {
    inner: Arc<Config>,
}

/// Everything the decision needs, fixed at build time.
pub(crate) struct Config {
    /// Issuer, audience, algorithms, kind, keys, leeway, size; no scopes (checked here, after
    /// the cache).
    pub(crate) validator: Validator,
    /// Subject, user and scopes.
    pub(crate) admission: Admission,
    pub(crate) realm: Box<str>,
    pub(crate) max_token_len: usize,
    pub(crate) cache: Option<TokenCache>,
    /// Custom refusal bodies.
    pub(crate) renderer: Option<SharedRenderer>,
}

/// The synchronous first half of a decision.
pub(crate) enum Step<'a> {
    /// Decided without waiting: header refused, too large, a cache hit, or a miss whose key
    /// was at hand; with how the cache was used.
    Done(Result<Principal, BearerError>, CacheUse),
    /// The signature must be checked (possibly fetching keys): call [`BearerAuthorizer::verify`].
    Verify { token: &'a [u8] },
}

impl fmt::Debug for BearerAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cfg = &*self.inner;
        f.debug_struct("BearerAuthorizer")
            .field("audiences", &cfg.validator.audiences())
            .field("kind", &cfg.validator.kind())
            .field("required_scopes", &cfg.admission.required)
            .field("rule", &cfg.admission.rule)
            .field("allow_clients", &cfg.admission.allow_clients)
            .field("client_rule", &cfg.admission.clients)
            .field("realm", &cfg.realm)
            .field("cache", &cfg.cache)
            .field("renderer", &cfg.renderer.is_some())
            .finish()
    }
}

impl BearerAuthorizer {
    /// Starts configuring with the provider's issuer and key cache; `build()?` gives the
    /// authorizer, [`layer`](Self::layer) the tower layer over it.
    pub fn builder(provider: &Provider) -> BearerBuilder<BearerAuthorizer> {
        BearerBuilder::for_provider(provider).for_authorizer()
    }

    /// Configures from the environment names of Feide's reference examples:
    /// `DATASOURCE_AUDIENCE` (required) and `DATASOURCE_REQUIRED_SCOPE` (optional,
    /// space-separated: all of them); see [`BearerBuilder::env_with`]. For more settings, use
    /// [`builder`](Self::builder)`(..).env_with(..)`.
    ///
    /// # Errors
    ///
    /// [`BearerConfigError::MissingAudience`] without `DATASOURCE_AUDIENCE`;
    /// [`BearerConfigError::InvalidScope`] for an unusable scope.
    pub fn from_env(provider: &Provider) -> Result<Self, BearerConfigError> {
        Self::from_env_with(provider, |name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env), reading the variables through `lookup`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use feide_tower::Provider;
    /// use feide_tower::bearer::{BearerAuthorizer, BearerConfigError};
    ///
    /// // Usually `Provider::from_env_with(env)`; configured by hand here, nothing is fetched.
    /// let provider = Provider::builder("http://127.0.0.1:9")
    ///     .discovery(false)
    ///     .jwks_uri("http://127.0.0.1:9/jwks")
    ///     .build()
    ///     .await?;
    /// let env = |name: &str| match name {
    ///     "DATASOURCE_AUDIENCE" => Some("https://n.feide.no/datasources/x".to_owned()),
    ///     "DATASOURCE_REQUIRED_SCOPE" => Some("readUser".to_owned()),
    ///     _ => None,
    /// };
    /// let bearer = BearerAuthorizer::from_env_with(&provider, env)?;
    /// let _layer = bearer.layer();
    /// let missing = BearerAuthorizer::from_env_with(&provider, |_| None);
    /// assert_eq!(missing.unwrap_err(), BearerConfigError::MissingAudience);
    /// # Ok(()) }
    /// ```
    pub fn from_env_with(
        provider: &Provider,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, BearerConfigError> {
        if setting(&lookup, "DATASOURCE_AUDIENCE").is_none() {
            return Err(BearerConfigError::MissingAudience);
        }
        Self::builder(provider).env_with(lookup).build()
    }

    /// The tower layer over this authorizer (cheap: the authorizer is shared, not copied).
    pub fn layer(&self) -> BearerJwtLayer {
        BearerJwtLayer::new(self.clone())
    }

    pub(crate) fn from_config(inner: Arc<Config>) -> Self {
        Self { inner }
    }

    /// Checks the request's `Authorization: Bearer` token: header syntax, signature, issuer,
    /// audience, times, kind, subject, user and scopes. Only the headers are read (never the query string).
    pub async fn authorize(&self, headers: &HeaderMap) -> Result<Principal, BearerError> {
        let span = self.span();
        let step = self.start(headers);
        self.finish(step, span).await
    }

    /// Like [`authorize`](Self::authorize) for a token obtained some other way (for example
    /// from a WebSocket sub-protocol). The caller is responsible for where the token came from.
    pub async fn authorize_token(&self, token: &str) -> Result<Principal, BearerError> {
        let span = self.span();
        let step = self.start_token(token.as_bytes(), now());
        self.finish(step, span).await
    }

    async fn finish(&self, step: Step<'_>, span: Span) -> Result<Principal, BearerError> {
        let (result, cache) = match step {
            Step::Done(result, cache) => (result, cache),
            Step::Verify { token } => (
                self.verify(token).instrument(span.clone()).await,
                self.miss_use(),
            ),
        };
        self.observe(&span, &result, cache);
        result
    }

    /// The answer to send for `error`, in this authorizer's realm.
    ///
    /// With a [`render_body`](BearerBuilder::render_body) renderer, the body and `Content-Type`
    /// are the renderer's; everything else is the same.
    pub fn challenge(&self, error: &BearerError) -> Challenge {
        let challenge = Challenge::for_error(error, &self.inner.realm);
        match &self.inner.renderer {
            Some(renderer) => renderer.challenge(challenge),
            None => challenge,
        }
    }

    /// The renderer of refusal bodies, if one was configured.
    pub(crate) fn renderer(&self) -> Option<&SharedRenderer> {
        self.inner.renderer.as_ref()
    }

    /// The realm named in challenges.
    pub fn realm(&self) -> &str {
        &self.inner.realm
    }

    /// The validator that checks signatures and registered claims.
    pub fn validator(&self) -> &Validator {
        &self.inner.validator
    }

    /// The span of one decision. Fields are recorded by [`observe`](Self::observe); the token is
    /// never one of them, and the subject only as a hash.
    ///
    /// Debug level: an enabled span per request costs about as much as a cached decision (≈ 2 µs
    /// with an info-level `fmt` subscriber), so services logging at info do not pay for it.
    pub(crate) fn span(&self) -> Span {
        tracing::debug_span!(
            "feide.bearer",
            outcome = Empty,
            reason = Empty,
            cache = Empty,
            sub = Empty
        )
    }

    /// Everything that needs no waiting: the header, the size limit, the verified-token cache.
    pub(crate) fn start<'a>(&self, headers: &'a HeaderMap) -> Step<'a> {
        let credentials = match bearer_credentials(headers) {
            Ok(credentials) => credentials,
            Err(error) => return Step::Done(Err(error), CacheUse::None),
        };
        if credentials.len() > self.inner.max_token_len {
            let refused = token68(credentials).and_then(|_| Err(self.too_large()));
            return Step::Done(refused, CacheUse::None);
        }
        // A hit is byte-identical to a token that passed every check, `token68` included, so the
        // syntax check is only needed on a miss.
        let now = now();
        if let Some(hit) = self.cached(credentials, now) {
            return Step::Done(hit, CacheUse::Hit);
        }
        match token68(credentials) {
            Ok(token) => self.miss(token, now),
            Err(error) => Step::Done(Err(error), CacheUse::None),
        }
    }

    /// [`start`](Self::start) from the token on, at time `now`.
    pub(crate) fn start_token<'a>(&self, token: &'a [u8], now: i64) -> Step<'a> {
        if token.len() > self.inner.max_token_len {
            return Step::Done(Err(self.too_large()), CacheUse::None);
        }
        match self.cached(token, now) {
            Some(hit) => Step::Done(hit, CacheUse::Hit),
            None => self.miss(token, now),
        }
    }

    fn too_large(&self) -> BearerError {
        BearerError::InvalidToken(TokenError::TooLarge {
            limit: self.inner.max_token_len,
        })
    }

    /// The decision for a cached token at `now`; `None` without a cache or on a miss.
    fn cached(&self, token: &[u8], now: i64) -> Option<Result<Principal, BearerError>> {
        let cfg = &*self.inner;
        let hit = cfg.cache.as_ref()?.get(token, &cfg.validator, now)?;
        Some(hit.map_err(BearerError::from).and_then(|c| self.admit(c)))
    }

    /// Not cached: the signature is checked right here when the key is at hand (the usual
    /// case: no future, no copy of the token), or by [`verify`](Self::verify) when the keys must
    /// be fetched first.
    fn miss<'a>(&self, token: &'a [u8], now: i64) -> Step<'a> {
        match self.inner.validator.validate_now(token, now) {
            Some(result) => Step::Done(self.verified(token, result, now), self.miss_use()),
            None => Step::Verify { token },
        }
    }

    /// How the cache was used by a token that was not in it.
    pub(crate) fn miss_use(&self) -> CacheUse {
        if self.inner.cache.is_some() {
            CacheUse::Miss
        } else {
            CacheUse::None
        }
    }

    /// Full validation (may fetch keys), then caching, then the user and scope checks.
    pub(crate) async fn verify(&self, token: &[u8]) -> Result<Principal, BearerError> {
        let result = self.inner.validator.validate_bytes(token).await;
        self.verified(token, result, now())
    }

    /// After full validation: caching, then the user and scope checks.
    fn verified(
        &self,
        token: &[u8],
        result: Result<Claims, TokenError>,
        now: i64,
    ) -> Result<Principal, BearerError> {
        let claims = Arc::new(result?);
        if let Some(cache) = &self.inner.cache {
            cache.insert(token, Arc::clone(&claims), now);
        }
        self.admit(claims)
    }

    /// The checks after validity: a subject, a user where one is required, then the scopes.
    fn admit(&self, claims: Arc<Claims>) -> Result<Principal, BearerError> {
        self.inner.admission.admit(claims)
    }

    /// Records the outcome on the span and in the metrics, and emits one event; never the
    /// token.
    pub(crate) fn observe(
        &self,
        span: &Span,
        result: &Result<Principal, BearerError>,
        cache: CacheUse,
    ) {
        let outcome = match result {
            Ok(_) => BearerResult::Allowed,
            Err(error) => error.metric(),
        };
        telemetry::bearer(outcome, cache);
        if cache != CacheUse::None {
            span.record("cache", cache.as_str());
        }
        match result {
            Ok(principal) => {
                span.record("outcome", "allowed");
                if !span.is_disabled()
                    && let Some(sub) = principal.subject()
                {
                    span.record("sub", display(SubjectHash(sub)));
                }
                // In the span's scope, not only its child: `[feide.bearer]` filters then see it.
                span.in_scope(|| tracing::debug!("bearer token accepted"));
            }
            Err(error) => {
                span.record("outcome", error.kind());
                if let BearerError::InvalidToken(reason) = error {
                    span.record("reason", reason.kind());
                }
                if matches!(error, BearerError::Unavailable) {
                    span.in_scope(|| {
                        tracing::warn!(
                            "bearer token not verified: the provider's signing keys are unavailable"
                        )
                    });
                } else {
                    span.in_scope(|| tracing::debug!("bearer token refused"));
                }
            }
        }
    }
}

/// The first 8 bytes of SHA-256(sub) in hex: the same user gives the same value, so log lines can
/// be correlated without naming the user.
struct SubjectHash<'a>(&'a str);

impl fmt::Display for SubjectHash<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in &digest(&SHA256, self.0.as_bytes()).as_ref()[..8] {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::token::Jwks;
    use crate::token::KeySet;

    fn authorizer(build: impl FnOnce(BearerBuilder) -> BearerBuilder) -> BearerAuthorizer {
        let validator = Validator::builder(Jwks::fixed(KeySet::default())).issuer("i");
        build(
            BearerBuilder::new(validator)
                .audience("a")
                .leeway(Duration::ZERO),
        )
        .build_authorizer()
        .unwrap()
    }

    /// Puts claims in the cache as if `token` had been verified.
    fn seed(a: &BearerAuthorizer, token: &str, claims: &str) {
        let claims = Claims::from_payload(claims.as_bytes()).unwrap();
        let cache = a.inner.cache.as_ref().unwrap();
        cache.insert(token.as_bytes(), Arc::new(claims), now());
    }

    fn decide(a: &BearerAuthorizer, token: &str, at: i64) -> Result<Principal, BearerError> {
        match a.start_token(token.as_bytes(), at) {
            Step::Done(result, _) => result,
            Step::Verify { .. } => panic!("expected a cache hit"),
        }
    }

    #[test]
    fn expiry_is_enforced_on_every_cache_hit() {
        let a = authorizer(|b| b);
        let exp = now() + 100;
        seed(
            &a,
            "tok",
            &format!(r#"{{"iss":"i","aud":"a","sub":"u","exp":{exp}}}"#),
        );
        assert!(decide(&a, "tok", now()).is_ok());
        assert_eq!(
            decide(&a, "tok", exp + 1),
            Err(BearerError::InvalidToken(TokenError::Expired))
        );
    }

    #[test]
    fn users_scopes_and_clients_are_checked_on_cache_hits_too() {
        let a = authorizer(|b| b.require_scope("read"));
        let exp = now() + 100;
        seed(
            &a,
            "user-read",
            &format!(r#"{{"iss":"i","aud":"a","sub":"u","scope":"read","exp":{exp}}}"#),
        );
        seed(
            &a,
            "user-x",
            &format!(r#"{{"iss":"i","aud":"a","sub":"u","scope":"readX","exp":{exp}}}"#),
        );
        seed(
            &a,
            "client",
            &format!(
                r#"{{"iss":"i","aud":"a","sub":"c","client_id":"c","scope":"read","exp":{exp}}}"#
            ),
        );
        assert!(decide(&a, "user-read", now()).unwrap().is_user());
        assert!(matches!(
            decide(&a, "user-x", now()),
            Err(BearerError::InsufficientScope { .. })
        ));
        assert_eq!(
            decide(&a, "client", now()),
            Err(BearerError::UserRequired {
                required: crate::token::Scopes::parse("read"),
                rule: crate::token::ScopeRule::AllOf,
            })
        );

        let clients = authorizer(|b| b.require_scope("read").allow_clients(true));
        seed(
            &clients,
            "client",
            &format!(
                r#"{{"iss":"i","aud":"a","sub":"c","client_id":"c","scope":"read","exp":{exp}}}"#
            ),
        );
        let p = decide(&clients, "client", now()).unwrap();
        assert_eq!((p.is_user(), p.client_id()), (false, Some("c")));
    }

    #[test]
    fn oversized_tokens_are_refused_before_the_cache() {
        let a = authorizer(|b| b.max_token_len(10));
        assert_eq!(
            decide(&a, "12345678901", now()),
            Err(BearerError::InvalidToken(TokenError::TooLarge {
                limit: 10
            }))
        );
    }

    #[test]
    fn subject_hash_is_short_hex_and_not_the_subject() {
        let h = SubjectHash("alice-sub").to_string();
        assert_eq!(h.len(), 16);
        assert!(!h.contains("alice"));
    }
}
