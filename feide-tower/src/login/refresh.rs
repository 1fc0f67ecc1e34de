//! Refresh tokens, for providers that issue them (Feide does not): shortly before the session's
//! access token expires, the login layer redeems the refresh token (RFC 6749 §6) and re-seals
//! the session cookie with the new tokens.
//!
//! Only a request whose refresh is due comes here; every other request stays on the
//! synchronous path of `session_lookup`. Here:
//!
//! - **single flight**: concurrent requests carrying one session share one refresh grant
//!   (moka's `try_get_with`, keyed by a SHA-256 of the refresh token they present);
//! - **rotation**: the outcome stays cached for [`OUTCOME_TTL`], so requests still carrying the
//!   old cookie (sent before the browser saw the new one) get the refreshed session and the new
//!   cookie instead of presenting the now-invalid refresh token again;
//! - **failures**: a provider that refuses the grant (`invalid_grant`: revoked or expired) ends
//!   the session; a provider that cannot answer (timeout, 5xx, garbage) does not: the request
//!   goes on with the current session while its access token is still valid, else is answered
//!   `503` with `Retry-After`, the cookie kept.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::digest::{SHA256, digest};
use http::HeaderMap;
use moka::future::Cache;

use super::FeideLogin;
use super::callback::azp_allows;
use super::pages::unavailable_page;
// Re-exported so the layer keeps importing it from here.
pub(crate) use super::refresh_policy::RefreshDue;
use super::session_lookup::SessionLookup;
use super::session_span::{Refusal, Trace, observe, observe_unreachable, session_span};
use super::stored::NearLookup;
use super::stored_refresh::Flight;
use crate::answer::Answer;
use crate::provider::TokenEndpointError;
use crate::session::cookie::{Envelope, request_cookies};
use crate::session::{FeideSession, OriginalIdToken, SessionData};
use crate::store::StoreKey;
use crate::token::{Claims, TokenError};
use tracing::Instrument as _;

/// How long the outcome of a refresh is kept for requests still carrying the old cookie.
const OUTCOME_TTL: Duration = Duration::from_secs(60);
/// Most refresh outcomes kept at once.
const OUTCOME_CAPACITY: u64 = 10_000;
/// `Retry-After` of the `503` answered when a refresh is impossible for now.
const RETRY_AFTER_SECS: u64 = 5;

/// The outcome of one refresh, shared by every request that presented the same refresh token.
struct Refreshed {
    session: FeideSession,
    /// The sealed cookie value of the refreshed session.
    value: String,
}

/// Recent refreshes, by SHA-256 of the refresh token they redeemed.
pub(crate) struct Refreshes {
    outcomes: Cache<[u8; 32], Arc<Refreshed>>,
    /// Stored sessions' refreshes in flight in this process, by store key.
    pub(super) stored_flights: Cache<StoreKey, Arc<Flight>>,
}

impl Refreshes {
    pub(crate) fn new() -> Self {
        Self {
            outcomes: Cache::builder()
                .max_capacity(OUTCOME_CAPACITY)
                .time_to_live(OUTCOME_TTL)
                .build(),
            stored_flights: Cache::builder()
                .max_capacity(OUTCOME_CAPACITY)
                .time_to_live(OUTCOME_TTL)
                .build(),
        }
    }
}

impl fmt::Debug for Refreshes {
    // Never the entries: they are sessions and cookie values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refreshes")
            .field("entries", &self.outcomes.entry_count())
            .finish()
    }
}

/// Why a refresh did not produce a session.
#[derive(Debug, thiserror::Error)]
pub(super) enum RefreshError {
    #[error(transparent)]
    Token(#[from] TokenEndpointError),
    #[error("the refreshed ID token is invalid: {0}")]
    IdToken(TokenError),
    /// OpenID Connect Core §12.2: the refreshed ID token is not about the login's
    /// authentication (names the claim, never its value).
    #[error("the refreshed ID token's `{0}` differs from the login's")]
    Changed(&'static str),
    #[error("the refreshed session could not be sealed")]
    TooLarge,
    #[error("the session has no refresh token")]
    NoRefreshToken,
}

impl RefreshError {
    /// The provider answered and refused (or answered for another user): the session cannot go
    /// on. Everything else is "cannot answer right now".
    pub(super) fn refused(&self) -> bool {
        match self {
            Self::Token(TokenEndpointError::OAuth { .. })
            | Self::Changed(_)
            | Self::TooLarge
            | Self::NoRefreshToken => true,
            Self::IdToken(e) => !e.is_unavailable(),
            Self::Token(_) => false,
        }
    }
}

/// What to do with a request whose refresh failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failed {
    /// Delete the cookie; the request goes on signed out.
    EndSession,
    /// Go on with the current session: its access token is still valid.
    ServeCurrent,
    /// Answer `503` with `Retry-After`; keep the cookie.
    Unavailable,
}

pub(super) fn on_failure(refused: bool, access_token_expires_at: Option<u64>, now: u64) -> Failed {
    if refused {
        Failed::EndSession
    } else if access_token_expires_at.is_none_or(|exp| now < exp) {
        Failed::ServeCurrent
    } else {
        Failed::Unavailable
    }
}

impl FeideLogin {
    /// [`session`](Self::session), refreshing the access token first when it is due: for
    /// frameworks other than tower (the [`FeideLoginLayer`](super::FeideLoginLayer) does this
    /// itself).
    ///
    /// With a provider that issues refresh tokens (Feide does not), a session whose access token
    /// expires within [`refresh_before`](super::FeideLoginBuilder::refresh_before) is refreshed
    /// here: the lookup then holds the refreshed session and the `Set-Cookie` headers of the
    /// re-sealed cookie. Concurrent calls for one session share one refresh grant, and calls
    /// still carrying the cookie from before a refresh get its outcome (for a minute) instead of
    /// presenting the rotated-out refresh token again. Otherwise this is exactly
    /// [`session`](Self::session), without waiting.
    ///
    /// # Errors
    ///
    /// The response to send instead of calling the handler: `503 Service Unavailable` with
    /// `Retry-After` (an HTML page for browsers, `{"error":"temporarily_unavailable"}` for API
    /// callers) when the provider cannot be reached and the access token has expired. The cookie
    /// is kept: the next request tries again. If the access token is still valid, a failed
    /// refresh goes on with the current session instead (logged as a warning); if the provider
    /// refuses the refresh token (`invalid_grant`), the session ends: the lookup has no session
    /// and deletes the cookie.
    ///
    /// With a [session store](super::FeideLoginBuilder::session_store), this loads the session
    /// from it (or the near cache) and refreshes once across replicas; a store that cannot
    /// answer gives a lookup with [`store_error`](SessionLookup::store_error) set.
    ///
    /// One `feide.session` span (debug level) per call; see the crate's "Logs and traces".
    pub async fn session_refreshed(&self, headers: &HeaderMap) -> Result<SessionLookup, Answer> {
        let span = session_span();
        let result = self
            .session_refreshed_in(headers)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(lookup) => observe(&span, lookup),
            Err(_) => observe_unreachable(&span),
        }
        result
    }

    async fn session_refreshed_in(&self, headers: &HeaderMap) -> Result<SessionLookup, Answer> {
        let now = crate::token::now().max(0) as u64;
        let cfg = &*self.config;
        if let Some(stored) = cfg.stored.as_ref() {
            return match cfg.session.stored_near(stored, headers, now, &cfg.refresh) {
                NearLookup::Done(lookup) => Ok(lookup),
                NearLookup::Ask(ask) => self.stored_session(ask, headers).await,
            };
        }
        match self.lookup_at(headers, now) {
            (lookup, Some(due)) => self.refresh(lookup, due, headers).await,
            (lookup, None) => Ok(lookup),
        }
    }

    /// Refreshes the session of `lookup`, which is due (see `RefreshPolicy::due`).
    pub(crate) async fn refresh(
        &self,
        lookup: SessionLookup,
        due: RefreshDue,
        headers: &HeaderMap,
    ) -> Result<SessionLookup, Answer> {
        let cache = lookup.trace.cache;
        let mut refreshed = self.refresh_in(lookup, due, headers).await;
        if let Ok(lookup) = &mut refreshed {
            lookup.trace.cache = cache;
        }
        refreshed
    }

    async fn refresh_in(
        &self,
        lookup: SessionLookup,
        due: RefreshDue,
        headers: &HeaderMap,
    ) -> Result<SessionLookup, Answer> {
        let cfg = &*self.config;
        let Some(session) = lookup.session.as_ref() else {
            return Ok(lookup);
        };
        let Some(refresh_token) = session.data().refresh_token.as_ref() else {
            return Ok(lookup);
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(digest(&SHA256, refresh_token.expose().as_bytes()).as_ref());
        let outcome = cfg
            .refresh
            .refreshes
            .outcomes
            .try_get_with(key, async {
                self.redeem_refresh(session, due).await.map(Arc::new)
            })
            .await;
        match outcome {
            Ok(refreshed) => Ok(self.refreshed(&refreshed, headers)),
            Err(error) => {
                let now = crate::token::now().max(0) as u64;
                let expires_at = session.access_token_expires_at();
                match on_failure(error.refused(), expires_at, now) {
                    Failed::EndSession => {
                        tracing::info!(%error, "token refresh refused: session ended");
                        Ok(cfg.session.clear(headers, Refusal::RefreshRefused))
                    }
                    Failed::ServeCurrent => {
                        tracing::warn!(
                            %error,
                            "token refresh failed; going on with the current access token"
                        );
                        Ok(lookup)
                    }
                    Failed::Unavailable => {
                        tracing::warn!(%error, "token refresh failed and the access token expired");
                        Err(self.provider_unavailable(headers))
                    }
                }
            }
        }
    }

    /// The lookup answering a request with a refreshed session: the session, and the cookie.
    fn refreshed(&self, refreshed: &Refreshed, headers: &HeaderMap) -> SessionLookup {
        let cfg = &*self.config;
        let set_cookies = cfg
            .session
            .options
            .set_cookies(
                &cfg.session.chunker,
                &cfg.session.name,
                &refreshed.value,
                request_cookies(headers),
            )
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "the refreshed session cookie could not be written");
                Vec::new()
            });
        SessionLookup {
            session: Some(refreshed.session.clone()),
            set_cookies,
            store_error: None,
            silent_marker: None,
            trace: Trace {
                refreshed: true,
                ..Trace::default()
            },
        }
    }

    /// One refresh grant, and the re-sealed session.
    async fn redeem_refresh(
        &self,
        session: &FeideSession,
        due: RefreshDue,
    ) -> Result<Refreshed, RefreshError> {
        let cfg = &*self.config;
        let data = self.refreshed_data(session.data()).await?;
        let now = crate::token::now().max(0) as u64;
        let expires_at = session.expires_at();
        let envelope = Envelope::from_parts(due.issued_at, expires_at, now, &data, false);
        let value = cfg
            .session
            .codec
            .reseal_envelope(&cfg.session.name, &envelope)
            .map_err(|_| RefreshError::TooLarge)?;
        let session = FeideSession::new(Arc::new(data), expires_at);
        cfg.session.remember(&value, &session, due.issued_at, now);
        tracing::info!("access token refreshed");
        Ok(Refreshed { session, value })
    }

    /// One refresh grant: the session data with the new tokens (checked as OpenID Connect Core
    /// §12.2 asks). Cookie and stored sessions both come here.
    pub(super) async fn refreshed_data(
        &self,
        old: &SessionData,
    ) -> Result<SessionData, RefreshError> {
        let cfg = &*self.config;
        let Some(refresh_token) = old.refresh_token.as_ref() else {
            // Only sessions with a refresh token are ever due.
            return Err(RefreshError::NoRefreshToken);
        };
        let tokens = cfg
            .provider
            .token_request(
                cfg.client_auth,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose()),
                ],
            )
            .await?;
        // Sessions sealed before the login's nonce and auth_time were kept: their claims are the
        // login's (or, refreshed before, agreed with them on what was checked then).
        let original = old
            .original
            .clone()
            .unwrap_or_else(|| original_from_claims(&old.claims));
        // OpenID Connect Core §12.2: an ID token in a refresh answer is validated and must be
        // about the login's authentication; none keeps the login's.
        let (id_token, claims) = match tokens.id_token {
            Some(id_token) => {
                let claims = cfg
                    .id_token
                    .validator
                    .validate(id_token.expose())
                    .await
                    .map_err(RefreshError::IdToken)?;
                check_refreshed(&claims, old, &original, &cfg.client_id)?;
                let claims = match serde_json::to_value(&claims) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => old.claims.clone(),
                };
                (id_token, claims)
            }
            None => (old.id_token.clone(), old.claims.clone()),
        };
        let now = crate::token::now().max(0) as u64;
        Ok(SessionData {
            iss: old.iss.clone(),
            provider: old.provider.clone(),
            sub: old.sub.clone(),
            claims,
            userinfo: old.userinfo.clone(),
            access_token: tokens.access_token,
            access_token_expires_at: tokens.expires_in.map(|s| now.saturating_add(s)),
            // RFC 6749 §6: without a new refresh token, the old one stays usable.
            refresh_token: tokens.refresh_token.or_else(|| old.refresh_token.clone()),
            id_token,
            auth_time: old.auth_time,
            original: Some(original),
        })
    }
}

/// The login ID token's `nonce` and `auth_time`, read from its claims.
fn original_from_claims(claims: &serde_json::Map<String, serde_json::Value>) -> OriginalIdToken {
    OriginalIdToken {
        nonce: claims
            .get("nonce")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        auth_time: claims.get("auth_time").and_then(serde_json::Value::as_i64),
    }
}

/// OpenID Connect Core §12.2: an ID token from a refresh must be about the authentication of the
/// login, checked against the session `old` (whose claims are the login's ID token's, or those
/// of an earlier refreshed one that passed this same check) and `original`:
///
/// - `iss` and `sub` the same; `aud` the same set; `azp` the same (present only if it was), and
///   as at login, with several audiences it must be us;
/// - `acr` the same: there is no ordering of `acr` values to tell "stronger" from "weaker", so
///   "not weaker" is read as equal, and absent if it was absent (a refresh does not
///   authenticate anyone, so a new or different level cannot come from it);
/// - `auth_time`, if the login's ID token had one, absent or the same (it must name the
///   original authentication);
/// - `nonce` absent (as the specification advises) or the login's.
fn check_refreshed(
    claims: &Claims,
    old: &SessionData,
    original: &OriginalIdToken,
    client_id: &str,
) -> Result<(), RefreshError> {
    let before = |name: &str| old.claims.get(name).and_then(serde_json::Value::as_str);
    if claims.iss != old.iss {
        return Err(RefreshError::Changed("iss"));
    }
    if claims.sub.as_deref() != Some(old.sub.as_str()) {
        return Err(RefreshError::Changed("sub"));
    }
    if !same_audiences(&claims.aud, old.claims.get("aud")) {
        return Err(RefreshError::Changed("aud"));
    }
    if claims.azp.as_deref() != before("azp") || !azp_allows(claims, client_id) {
        return Err(RefreshError::Changed("azp"));
    }
    if claims.acr.as_deref() != before("acr") {
        return Err(RefreshError::Changed("acr"));
    }
    if let (Some(now), Some(then)) = (claims.auth_time, original.auth_time)
        && now != then
    {
        return Err(RefreshError::Changed("auth_time"));
    }
    if claims.nonce.is_some() && claims.nonce != original.nonce {
        return Err(RefreshError::Changed("nonce"));
    }
    Ok(())
}

/// Whether `aud` names the same audiences as `before` (the login's `aud`: a string, or an array
/// of strings), in any order.
fn same_audiences(aud: &[String], before: Option<&serde_json::Value>) -> bool {
    let mut before: Vec<&str> = match before {
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        Some(serde_json::Value::Array(many)) => {
            match many
                .iter()
                .map(serde_json::Value::as_str)
                .collect::<Option<Vec<_>>>()
            {
                Some(all) => all,
                None => return false,
            }
        }
        _ => return false,
    };
    let mut now: Vec<&str> = aud.iter().map(String::as_str).collect();
    before.sort_unstable();
    before.dedup();
    now.sort_unstable();
    now.dedup();
    before == now
}

const UNAVAILABLE_TITLE: &str = "Temporarily unavailable";
const UNAVAILABLE_MESSAGE: &str =
    "The identity provider cannot be reached right now. Please try again shortly.";

/// `503` with `Retry-After`: an HTML page for browsers, JSON for API callers.
fn unavailable(headers: &HeaderMap, login_path: &str) -> Answer {
    unavailable_page(
        headers,
        login_path,
        UNAVAILABLE_TITLE,
        UNAVAILABLE_MESSAGE,
        RETRY_AFTER_SECS,
    )
}

impl FeideLogin {
    /// The answer when the provider cannot refresh an expired access token: `503` with
    /// `Retry-After` (through the custom renderer, if any), cookie kept.
    pub(super) fn provider_unavailable(&self, headers: &HeaderMap) -> Answer {
        let cfg = &*self.config;
        cfg.rendered(
            "unavailable",
            UNAVAILABLE_TITLE,
            UNAVAILABLE_MESSAGE.to_owned(),
            unavailable(headers, &cfg.paths.login),
        )
    }
}

#[cfg(test)]
mod tests {
    use http::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
    use http::{HeaderValue, StatusCode};

    use super::*;
    use crate::secret::Secret;

    fn data(refresh: bool, expires_at: Option<u64>) -> SessionData {
        SessionData::for_test(refresh, expires_at)
    }

    const T: u64 = 1_700_000_000;

    #[test]
    fn failures_end_the_session_only_when_refused() {
        assert_eq!(on_failure(true, Some(T + 30), T), Failed::EndSession);
        assert_eq!(on_failure(true, Some(T - 30), T), Failed::EndSession);
        assert_eq!(on_failure(false, Some(T + 30), T), Failed::ServeCurrent);
        assert_eq!(on_failure(false, Some(T), T), Failed::Unavailable);
        assert_eq!(on_failure(false, Some(T - 30), T), Failed::Unavailable);
    }

    #[test]
    fn only_provider_answers_count_as_refusals() {
        use crate::provider::{OAuthErrorCode, ProviderError};
        let refused = RefreshError::Token(TokenEndpointError::OAuth {
            code: OAuthErrorCode::InvalidGrant,
            status: 400,
        });
        assert!(refused.refused());
        let down = RefreshError::Token(TokenEndpointError::Provider(ProviderError::Status {
            what: "token endpoint",
            url: "https://op.example/token".into(),
            status: 503,
        }));
        assert!(!down.refused());
        assert!(RefreshError::Changed("sub").refused());
    }

    #[test]
    fn cookies_from_before_refresh_tokens_still_open_and_the_token_never_prints() {
        let old = serde_json::json!({
            "iss": "https://op.example", "sub": "alice", "claims": {},
            "access_token": "at", "id_token": "e30.e30.sig", "auth_time": 0,
        });
        let opened: SessionData = serde_json::from_value(old.clone()).unwrap();
        assert!(opened.refresh_token.is_none());
        assert_eq!(serde_json::to_value(&opened).unwrap(), old, "nothing added");
        let with = data(true, Some(T));
        let json = serde_json::to_value(&with).unwrap();
        assert_eq!(json["refresh_token"], "rt");
        let back: SessionData = serde_json::from_value(json).unwrap();
        assert_eq!(back.refresh_token.as_ref().map(Secret::expose), Some("rt"));
        assert!(!format!("{with:?}").contains("\"rt\""));
    }

    /// `check_refreshed` of the login claims `login` changed by `changes` (`null` removes a
    /// claim): `None` if accepted, else the claim named.
    fn changed(
        login: &serde_json::Value,
        changes: serde_json::Value,
        session: &SessionData,
        original: &OriginalIdToken,
    ) -> Option<&'static str> {
        let mut claims = login.as_object().unwrap().clone();
        for (name, value) in changes.as_object().unwrap() {
            match value {
                serde_json::Value::Null => claims.remove(name),
                _ => claims.insert(name.clone(), value.clone()),
            };
        }
        let payload = serde_json::Value::Object(claims).to_string();
        let claims = Claims::from_payload(payload.as_bytes()).unwrap();
        match check_refreshed(&claims, session, original, "client") {
            Ok(()) => None,
            Err(RefreshError::Changed(name)) => Some(name),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn a_refreshed_id_token_must_be_about_the_logins_authentication() {
        use serde_json::json;
        let login = json!({
            "iss": "https://op.example", "sub": "alice", "aud": "client", "exp": T + 60,
            "iat": T - 60, "nonce": "n-1", "auth_time": T - 100, "acr": "mfa",
        });
        let mut session = data(true, Some(T));
        session.claims = login.as_object().unwrap().clone();
        let original = original_from_claims(&session.claims);
        assert_eq!(original.nonce.as_deref(), Some("n-1"));
        assert_eq!(original.auth_time, Some(T as i64 - 100));
        let check = |changes, session: &SessionData| changed(&login, changes, session, &original);
        // The same authentication, re-issued: fresh times; nonce and auth_time may go.
        assert_eq!(check(json!({"iat": T, "exp": T + 3600}), &session), None);
        assert_eq!(check(json!({"nonce": null}), &session), None);
        assert_eq!(check(json!({"auth_time": null}), &session), None);
        assert_eq!(check(json!({"aud": ["client"]}), &session), None);
        assert_eq!(check(json!({"name": "Alice"}), &session), None);
        // Anything else about the authentication may not change.
        for (changes, claim) in [
            (json!({"iss": "https://other.example"}), "iss"),
            (json!({"sub": "mallory"}), "sub"),
            (json!({"aud": "other"}), "aud"),
            (json!({"aud": ["client", "other"]}), "aud"),
            (json!({"azp": "client"}), "azp"),
            (json!({"acr": "password"}), "acr"),
            (json!({"acr": null}), "acr"),
            (json!({"auth_time": T - 99}), "auth_time"),
            (json!({"auth_time": T}), "auth_time"),
            (json!({"nonce": "n-2"}), "nonce"),
            (json!({"nonce": ""}), "nonce"),
        ] {
            assert_eq!(check(changes.clone(), &session), Some(claim), "{changes}");
        }
        // A login without `acr`: a refresh cannot add one.
        session.claims.remove("acr");
        assert_eq!(check(json!({"acr": null}), &session), None);
        assert_eq!(check(json!({"acr": "mfa"}), &session), Some("acr"));
        // Several audiences, as at login: `azp` must be us.
        session
            .claims
            .insert("aud".into(), json!(["client", "api"]));
        session.claims.insert("azp".into(), json!("client"));
        let several = json!({"aud": ["api", "client"], "azp": "client", "acr": null});
        assert_eq!(check(several, &session), None);
        let no_azp = json!({"aud": ["api", "client"], "acr": null});
        assert_eq!(check(no_azp, &session), Some("azp"));
        // A login whose ID token had no auth_time: nothing to hold a new one to.
        let no_auth_time = OriginalIdToken {
            auth_time: None,
            ..original.clone()
        };
        let later = json!({"aud": ["api", "client"], "azp": "client", "acr": null, "auth_time": T});
        assert_eq!(changed(&login, later, &session, &no_auth_time), None);
        // A login nonce that was never kept: a refreshed token may not bring one.
        let forgotten = OriginalIdToken::default();
        let nonce = json!({"aud": ["api", "client"], "azp": "client", "acr": null});
        assert_eq!(changed(&login, nonce, &session, &forgotten), Some("nonce"));
    }

    #[test]
    fn unavailable_is_a_page_for_browsers_and_json_for_apis() {
        let mut browser = HeaderMap::new();
        browser.insert(ACCEPT, HeaderValue::from_static("text/html"));
        let page = unavailable(&browser, "/login");
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(page.headers[RETRY_AFTER], "5");
        assert!(
            page.headers[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let api = unavailable(&HeaderMap::new(), "/login");
        assert_eq!(api.headers[RETRY_AFTER], "5");
        assert_eq!(&api.body[..], br#"{"error":"temporarily_unavailable"}"#);
    }
}
