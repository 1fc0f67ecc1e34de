//! [`Introspector`]: the bearer decision for opaque tokens, by asking the provider.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_lc_rs::digest::{SHA256, digest};
use http::HeaderMap;
use http::header::AUTHORIZATION;
use moka::future::Cache;
use tracing::field::Empty;
use tracing::{Instrument as _, Span};

use super::builder::IntrospectorBuilder;
use super::request::{CallError, introspect};
use crate::Provider;
use crate::bearer::{Admission, BearerError, Challenge, Principal};
use crate::provider::{ClientAuthMethod, ClientCredentials};
use crate::telemetry;
use crate::telemetry::labels::{BearerResult, CacheUse};
use crate::token::{Claims, TokenError, Validator, now};

/// Decides whether a request's opaque bearer token lets it through, by RFC 7662 introspection.
/// The same API and answers as [`BearerAuthorizer`](crate::bearer::BearerAuthorizer). Cheap to
/// clone.
///
/// ```no_run
/// # async fn run(provider: feide_tower::Provider, headers: http::HeaderMap) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::introspection::Introspector;
///
/// let introspector = Introspector::builder(&provider)
///     .audience("my-api")
///     .require_scope("read")
///     .build()?;
/// match introspector.authorize(&headers).await {
///     Ok(principal) => println!("subject {:?}", principal.subject()),
///     Err(error) => println!("answer {}", introspector.challenge(&error).status),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Introspector {
    inner: Arc<Config>,
}

/// Everything the decision needs, fixed at build time.
pub(crate) struct Config {
    pub(crate) provider: Provider,
    pub(crate) endpoint: String,
    pub(crate) client: ClientCredentials,
    pub(crate) method: ClientAuthMethod,
    pub(crate) validator: Validator,
    /// Subject, user and scopes: the same checks as for JWTs.
    pub(crate) admission: Admission,
    pub(crate) realm: Box<str>,
    pub(crate) max_token_len: usize,
    /// Active answers by SHA-256 of the token.
    pub(crate) cache: Option<Cache<[u8; 32], Arc<Claims>>>,
    /// Refusals that the same answer would always give (inactive, wrong issuer or audience...),
    /// by SHA-256 of the token, for a short time: a junk token sent again costs no call.
    pub(crate) refused: Option<Cache<[u8; 32], Failure>>,
}

impl fmt::Debug for Introspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cfg = &*self.inner;
        f.debug_struct("Introspector")
            .field("endpoint", &cfg.endpoint)
            .field("client_id", &cfg.client.id)
            .field("audiences", &cfg.validator.audiences())
            .field("required_scopes", &cfg.admission.required)
            .field("rule", &cfg.admission.rule)
            .field("allow_clients", &cfg.admission.allow_clients)
            .field("client_rule", &cfg.admission.clients)
            .field("realm", &cfg.realm)
            .finish_non_exhaustive()
    }
}

/// Why a token got no claims.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Inactive,
    Invalid(TokenError),
    Unavailable(CallError),
}

impl Failure {
    /// Whether asking again about the same token would give the same refusal: the provider said
    /// it is inactive, or its answer fails a check that time cannot change. Never a failed call
    /// (an outage is not a refusal), nor a token that is not valid *yet*.
    fn is_lasting(&self) -> bool {
        match self {
            Self::Inactive => true,
            Self::Invalid(error) => !matches!(
                error,
                TokenError::NotYetValid | TokenError::IssuedInFuture | TokenError::KeysUnavailable
            ),
            Self::Unavailable(_) => false,
        }
    }
}

impl Introspector {
    /// Starts configuring against `provider` (whose metadata must list an
    /// `introspection_endpoint`), with the provider's client credentials unless others are given.
    pub fn builder(provider: &Provider) -> IntrospectorBuilder {
        IntrospectorBuilder::new(provider)
    }

    pub(crate) fn from_config(inner: Arc<Config>) -> Self {
        Self { inner }
    }

    /// Checks the request's `Authorization: Bearer` token: header syntax, then introspection,
    /// issuer, audience, times, kind, subject, user and scopes.
    pub async fn authorize(&self, headers: &HeaderMap) -> Result<Principal, BearerError> {
        match bearer_token(headers) {
            Ok(token) => self.authorize_token(token).await,
            Err(error) => Err(self.refused_early(error)),
        }
    }

    /// Like [`authorize`](Self::authorize) for a token obtained some other way.
    ///
    /// One `feide.introspection` span per decision (debug level) with the fields `outcome`,
    /// `reason` and `cache`, as the bearer layer's; counted in
    /// `feide_tower_bearer_requests_total`.
    pub async fn authorize_token(&self, token: &str) -> Result<Principal, BearerError> {
        let cfg = &*self.inner;
        if token.len() > cfg.max_token_len {
            return Err(
                self.refused_early(BearerError::InvalidToken(TokenError::TooLarge {
                    limit: cfg.max_token_len,
                })),
            );
        }
        let span = tracing::debug_span!(
            target: "feide.introspection",
            "feide.introspection",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        let asked = AtomicBool::new(false);
        let result = self.decide(token, &asked).instrument(span.clone()).await;
        let cache = if cfg.refused.is_none() && cfg.cache.is_none() {
            CacheUse::None
        } else if asked.load(Ordering::Relaxed) {
            CacheUse::Miss
        } else {
            CacheUse::Hit
        };
        observe(&span, &result, cache);
        result
    }

    /// A refusal before any token was looked at (no header, a malformed one, too large),
    /// counted as such.
    pub(crate) fn refused_early(&self, error: BearerError) -> BearerError {
        tracing::debug!(target: "feide.introspection", outcome = error.kind(), "no usable token");
        telemetry::bearer(error.metric(), CacheUse::None);
        error
    }

    /// The decision for a token of acceptable size; `asked` is set when the provider was asked.
    async fn decide(&self, token: &str, asked: &AtomicBool) -> Result<Principal, BearerError> {
        let cfg = &*self.inner;
        let claims = match self.claims(token, asked).await {
            Ok(claims) => claims,
            Err(Failure::Inactive) => {
                tracing::debug!(target: "feide.introspection", "token inactive");
                return Err(BearerError::InvalidToken(TokenError::InvalidClaim(
                    "active",
                )));
            }
            Err(Failure::Invalid(error)) => {
                tracing::debug!(target: "feide.introspection", reason = %error, "token refused");
                return Err(BearerError::from(error));
            }
            Err(Failure::Unavailable(CallError::Unavailable(reason))) => {
                tracing::warn!(target: "feide.introspection", reason, "introspection failed");
                return Err(BearerError::Unavailable);
            }
        };
        cfg.admission.admit(claims)
    }

    /// The RFC 6750 answer to `error`, in this introspector's realm.
    pub fn challenge(&self, error: &BearerError) -> Challenge {
        Challenge::for_error(error, &self.inner.realm)
    }

    /// The realm named in challenges.
    pub fn realm(&self) -> &str {
        &self.inner.realm
    }

    /// Claims of an active, valid token, or why not: a refusal remembered for the same token, or
    /// the answer from the cache or the provider (a lasting refusal is then remembered).
    async fn claims(&self, token: &str, asked: &AtomicBool) -> Result<Arc<Claims>, Failure> {
        let cfg = &*self.inner;
        if cfg.refused.is_none() && cfg.cache.is_none() {
            // Nothing is remembered: no key to compute.
            return self.fetch(token, asked).await;
        }
        let key: [u8; 32] = digest(&SHA256, token.as_bytes())
            .as_ref()
            .try_into()
            .unwrap_or([0; 32]);
        let Some(refused) = &cfg.refused else {
            return self.answer(token, key, asked).await;
        };
        if let Some(failure) = refused.get(&key).await {
            return Err(failure);
        }
        let answer = self.answer(token, key, asked).await;
        if let Err(failure) = &answer
            && failure.is_lasting()
        {
            refused.insert(key, failure.clone()).await;
        }
        answer
    }

    /// Claims of an active, valid token: from the cache (expiry checked again) or the provider.
    async fn answer(
        &self,
        token: &str,
        key: [u8; 32],
        asked: &AtomicBool,
    ) -> Result<Arc<Claims>, Failure> {
        let cfg = &*self.inner;
        let Some(cache) = &cfg.cache else {
            return self.fetch(token, asked).await;
        };
        // Concurrent misses for one token share one call; only successes are kept.
        let fresh = AtomicBool::new(false);
        let claims = cache
            .try_get_with(key, async {
                fresh.store(true, Ordering::Relaxed);
                self.fetch(token, asked).await
            })
            .await
            .map_err(|e| (*e).clone())?;
        if fresh.load(Ordering::Relaxed) {
            return Ok(claims);
        }
        let now = now();
        // A cached answer is reused only until the token's `exp` (no leeway): after that, ask
        // again (the provider will say inactive).
        if claims.exp <= now {
            cache.invalidate(&key).await;
            return self.fetch(token, asked).await;
        }
        // Decided at `now` on every hit, as a fresh answer would be.
        if let Err(error) = cfg.validator.check_claims(&claims, now) {
            cache.invalidate(&key).await;
            return Err(Failure::Invalid(error));
        }
        Ok(claims)
    }

    /// One introspection call and the claim checks.
    async fn fetch(&self, token: &str, asked: &AtomicBool) -> Result<Arc<Claims>, Failure> {
        asked.store(true, Ordering::Relaxed);
        let cfg = &*self.inner;
        let answer = introspect(&cfg.provider, &cfg.endpoint, &cfg.client, cfg.method, token)
            .await
            .map_err(Failure::Unavailable)?
            .ok_or(Failure::Inactive)?;
        let payload =
            serde_json::to_vec(&answer).map_err(|_| Failure::Invalid(TokenError::Malformed))?;
        let claims = Claims::from_payload(&payload).map_err(Failure::Invalid)?;
        cfg.validator
            .check_claims(&claims, now())
            .map_err(Failure::Invalid)?;
        // An ID token the provider is willing to introspect is still no access token.
        cfg.validator
            .check_kind(&claims)
            .map_err(Failure::Invalid)?;
        Ok(Arc::new(claims))
    }
}

/// The token of the request's single `Authorization: Bearer <token68>` header.
pub(super) fn bearer_token(headers: &HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::MissingToken);
    };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest);
    }
    let bytes = value.as_bytes();
    let Some(space) = bytes.iter().position(|&b| b == b' ') else {
        return Err(if bytes.eq_ignore_ascii_case(b"bearer") {
            BearerError::InvalidRequest
        } else {
            BearerError::MissingToken
        });
    };
    let (scheme, rest) = bytes.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(BearerError::MissingToken);
    }
    let token = rest.trim_ascii();
    let token68 = |b: &u8| b.is_ascii_alphanumeric() || b"-._~+/".contains(b);
    let body_len = token.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    if token.is_empty() || !token[..body_len].iter().all(token68) {
        return Err(BearerError::InvalidRequest);
    }
    std::str::from_utf8(token).map_err(|_| BearerError::InvalidRequest)
}

/// Records an introspection decision on its span and in the metrics.
fn observe(span: &Span, result: &Result<Principal, BearerError>, cache: CacheUse) {
    let outcome = match result {
        Ok(_) => BearerResult::Allowed,
        Err(error) => error.metric(),
    };
    telemetry::bearer(outcome, cache);
    span.record("cache", cache.as_str());
    match result {
        Ok(_) => {
            span.record("outcome", "allowed");
        }
        Err(error) => {
            span.record("outcome", error.kind());
            if let BearerError::InvalidToken(reason) = error {
                span.record("reason", reason.kind());
            }
        }
    }
    // One event after the fields are recorded, so a `fmt` subscriber prints them.
    span.in_scope(|| tracing::debug!(target: "feide.introspection", "introspection decided"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<String, BearerError> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(AUTHORIZATION, v.parse().unwrap());
        }
        bearer_token(&headers).map(str::to_owned)
    }

    #[test]
    fn header_rules_match_the_bearer_layer() {
        assert_eq!(parse(&["Bearer abc-._~+/=="]).unwrap(), "abc-._~+/==");
        assert_eq!(parse(&["bearer  tok "]).unwrap(), "tok");
        assert_eq!(parse(&[]), Err(BearerError::MissingToken));
        assert_eq!(
            parse(&["Basic dXNlcjpwYXNz"]),
            Err(BearerError::MissingToken)
        );
        assert_eq!(parse(&["Bearer"]), Err(BearerError::InvalidRequest));
        assert_eq!(parse(&["Bearer "]), Err(BearerError::InvalidRequest));
        assert_eq!(parse(&["Bearer a b"]), Err(BearerError::InvalidRequest));
        assert_eq!(parse(&["Bearer a=b"]), Err(BearerError::InvalidRequest));
        assert_eq!(
            parse(&["Bearer a", "Bearer b"]),
            Err(BearerError::InvalidRequest)
        );
    }
}
