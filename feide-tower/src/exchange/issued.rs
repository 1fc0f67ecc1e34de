//! [`IssuedToken`]: an access token from the token endpoint (exchanged or client credentials),
//! ready to be sent, with its lifetime.

use std::fmt;
use std::time::{Duration, Instant};

use http::HeaderValue;

use super::pattern::{TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT};
use crate::provider::{ProviderError, Secret, TokenEndpointError, TokenResponse};

/// Longest lifetime believed, whatever `expires_in` says (a provider bug must not pin a token in
/// a cache for years).
const MAX_LIFETIME_SECS: u64 = 24 * 3600;
/// `lifetime` when the provider sent no `expires_in` (a sentinel keeps the struct small).
const UNSTATED: u32 = u32::MAX;

/// An access token the token endpoint issued (by token exchange or client credentials), ready to
/// be sent as `Authorization: Bearer …`.
///
/// Neither `Debug` nor any accessor but [`expose`](Self::expose) and
/// [`access_token`](Self::access_token) shows the token. Shared as `Arc<IssuedToken>` by the
/// caches.
///
/// Kept small (a cache holds many): times as second offsets from `fetched_at`, the well-known
/// token types without an allocation.
pub struct IssuedToken {
    /// `Bearer <token>`, marked sensitive: the only copy of the token.
    authorization: HeaderValue,
    fetched_at: Instant,
    /// Seconds from `fetched_at` to expiry (`expires_in`, at most 24 h); [`UNSTATED`]: the
    /// provider did not say.
    lifetime: u32,
    /// Seconds from `fetched_at` a cache may hand it out (`lifetime - margin`); 0: not at all.
    cache_for: u32,
    scope: Option<Box<str>>,
    issued_token_type: Option<TokenType>,
}

/// `issued_token_type`, the two Feide issues without an allocation.
enum TokenType {
    AccessToken,
    Jwt,
    Other(Box<str>),
}

impl IssuedToken {
    /// Checks a token response and prepares its header. `now` is when the request was sent.
    pub(crate) fn from_response(
        response: TokenResponse,
        now: Instant,
        margin: Duration,
        token_endpoint: &str,
    ) -> Result<Self, TokenEndpointError> {
        let unusable = |reason: &str| {
            TokenEndpointError::Provider(ProviderError::InvalidDocument {
                what: "token endpoint",
                url: token_endpoint.to_owned(),
                reason: reason.to_owned(),
            })
        };
        let bearer =
            response.token_type.is_empty() || response.token_type.eq_ignore_ascii_case("bearer");
        if !bearer {
            return Err(unusable("the token_type is not Bearer"));
        }
        let token = response.access_token.expose();
        // RFC 6750 b64token: visible ASCII, no spaces. Anything else cannot be sent as is.
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(unusable("the access_token is not a bearer token"));
        }
        // Exactly sized: the header value keeps the whole allocation for as long as it is cached.
        let mut value = String::with_capacity("Bearer ".len() + token.len());
        value.push_str("Bearer ");
        value.push_str(token);
        let mut authorization = HeaderValue::try_from(value)
            .map_err(|_| unusable("the access_token is not a bearer token"))?;
        authorization.set_sensitive(true);
        let lifetime = response
            .expires_in
            .map(|secs| secs.min(MAX_LIFETIME_SECS) as u32);
        let cache_for = lifetime.map_or(0, |secs| {
            u64::from(secs).saturating_sub(margin.as_secs_f64().ceil() as u64) as u32
        });
        let lifetime = lifetime.unwrap_or(UNSTATED);
        let issued_token_type = response.issued_token_type.map(|t| match t.as_str() {
            TOKEN_TYPE_ACCESS_TOKEN => TokenType::AccessToken,
            TOKEN_TYPE_JWT => TokenType::Jwt,
            _ => TokenType::Other(t.into_boxed_str()),
        });
        Ok(Self {
            authorization,
            fetched_at: now,
            lifetime,
            cache_for,
            scope: response.scope.map(String::into_boxed_str),
            issued_token_type,
        })
    }

    /// The `Authorization` header value, `Bearer <token>`, marked sensitive (not logged by
    /// hyper, tower-http or reqwest).
    pub fn authorization(&self) -> &HeaderValue {
        &self.authorization
    }

    /// The token itself. Only for the one place that must send it; never log it.
    pub fn expose(&self) -> &str {
        // Checked to be visible ASCII when built, so the conversion cannot fail.
        self.authorization
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
    }

    /// A copy of the token as a [`Secret`].
    pub fn access_token(&self) -> Secret {
        Secret::new(self.expose())
    }

    /// When the token expires, by `expires_in` (at most 24 h, counted from when it was
    /// requested); `None` if the provider did not say.
    pub fn expires_at(&self) -> Option<Instant> {
        (self.lifetime != UNSTATED)
            .then(|| self.fetched_at + Duration::from_secs(self.lifetime.into()))
    }

    /// The granted scopes (space-separated), if the provider said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// RFC 8693 `issued_token_type`, e.g. `urn:ietf:params:oauth:token-type:jwt`, if given.
    pub fn issued_token_type(&self) -> Option<&str> {
        self.issued_token_type.as_ref().map(|t| match t {
            TokenType::AccessToken => TOKEN_TYPE_ACCESS_TOKEN,
            TokenType::Jwt => TOKEN_TYPE_JWT,
            TokenType::Other(other) => other,
        })
    }

    /// When it was requested.
    pub(crate) fn fetched_at(&self) -> Instant {
        self.fetched_at
    }

    /// Whether a cache may still hand it out: more than the margin left.
    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        now < self.fetched_at + self.cache_lifetime()
    }

    /// Whether it has not expired yet (tokens without a stated lifetime count as usable).
    pub(crate) fn is_usable(&self, now: Instant) -> bool {
        self.expires_at().is_none_or(|at| now < at)
    }

    /// How long a cache keeps it: until the margin; zero when it must not be cached.
    /// Estimated bytes of a cache entry holding this token: the token, its scope, and ~440 bytes
    /// of this struct, its `Arc` and the cache's bookkeeping (measured: 481 bytes per 43-byte
    /// header in `benches/exchange_memory.rs`).
    pub(crate) fn weight(&self) -> u64 {
        const OVERHEAD: usize = 440;
        let scope = self.scope.as_ref().map_or(0, |s| s.len());
        (OVERHEAD + self.authorization.len() + scope) as u64
    }

    pub(crate) fn cache_lifetime(&self) -> Duration {
        Duration::from_secs(self.cache_for.into())
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at())
            .field("scope", &self.scope)
            .field("issued_token_type", &self.issued_token_type())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(json: &str) -> TokenResponse {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn lifetime_minus_margin_is_the_cache_lifetime() {
        let now = Instant::now();
        let t = IssuedToken::from_response(
            response(r#"{"access_token":"abc","token_type":"Bearer","expires_in":300}"#),
            now,
            Duration::from_secs(60),
            "http://127.0.0.1/token",
        )
        .unwrap();
        assert_eq!(t.cache_lifetime(), Duration::from_secs(240));
        assert!(t.is_fresh(now + Duration::from_secs(239)));
        assert!(!t.is_fresh(now + Duration::from_secs(240)));
        assert!(t.is_usable(now + Duration::from_secs(299)));
        assert!(!t.is_usable(now + Duration::from_secs(300)));
        assert_eq!(t.expose(), "abc");
        assert_eq!(t.authorization(), "Bearer abc");
        assert!(t.authorization().is_sensitive());
    }

    #[test]
    fn short_lived_or_unknown_lifetime_is_not_cached() {
        let now = Instant::now();
        for json in [
            r#"{"access_token":"abc","token_type":"Bearer","expires_in":60}"#,
            r#"{"access_token":"abc","token_type":"Bearer","expires_in":10}"#,
            r#"{"access_token":"abc","token_type":"Bearer"}"#,
        ] {
            let t = IssuedToken::from_response(
                response(json),
                now,
                Duration::from_secs(60),
                "http://x",
            )
            .unwrap();
            assert_eq!(t.cache_lifetime(), Duration::ZERO, "{json}");
            assert!(!t.is_fresh(now), "{json}");
        }
    }

    #[test]
    fn unusable_answers_are_errors_without_the_token() {
        for json in [
            r#"{"access_token":"SECRETX","token_type":"DPoP","expires_in":60}"#,
            r#"{"access_token":"SECRET X","token_type":"Bearer"}"#,
            r#"{"access_token":"","token_type":"Bearer"}"#,
            r#"{"access_token":"SECRET\nX","token_type":"Bearer"}"#,
        ] {
            let err = IssuedToken::from_response(
                response(json),
                Instant::now(),
                Duration::ZERO,
                "http://x",
            )
            .unwrap_err();
            assert!(!err.to_string().contains("SECRET"), "{err}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let t = IssuedToken::from_response(
            response(r#"{"access_token":"tok-123","token_type":"bearer","scope":"groups"}"#),
            Instant::now(),
            Duration::ZERO,
            "http://x",
        )
        .unwrap();
        let text = format!("{t:?}");
        assert!(
            !text.contains("tok-123") && text.contains("groups"),
            "{text}"
        );
    }
}
