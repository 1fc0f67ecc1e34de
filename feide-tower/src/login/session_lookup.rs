//! Every other request: open the session cookie, if any. Sync and allocation-free on the hot
//! path: this runs on every request that passes through the login layer.
//!
//! Opening a cookie (base64, AES-256-GCM, JSON) costs microseconds, and a browser sends the same
//! value on every request until the cookie is re-issued. So each value is opened once and the
//! result kept in a bounded [`SessionCache`], matched by comparing the whole value
//! ([`ExactCache`]). Everything that depends on the clock is decided again on every request, hit
//! or not: absolute expiry, idle timeout, and whether to re-issue the cookie.

use crate::telemetry::labels::CacheName;
use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};
use moka::sync::Cache;

use super::FeideLogin;
use super::refresh_policy::{RefreshDue, RefreshPolicy};
use super::session_cookies::SessionCookies;
use super::session_span::{Refusal, Trace, observe, session_span};
use crate::hot_cache::{Entry, ExactCache};
use crate::session::cookie::{Envelope, OpenError, request_cookies, sole_cookie_noting};
use crate::session::{FeideSession, SessionData};
use crate::store::StoreError;
use crate::telemetry::labels::CacheUse;

/// The session of a request, and the cookies to write back with its response.
#[derive(Debug, Default)]
pub struct SessionLookup {
    /// The signed-in user, if the request carries a valid session.
    pub session: Option<FeideSession>,
    /// `Set-Cookie` headers for the response: the refreshed session (activity, key rotation),
    /// or deletions of a session that failed to open.
    pub set_cookies: Vec<HeaderValue>,
    /// With a [session store](crate::store): it could not answer, so whether the request is
    /// signed in is unknown. The cookie is kept; answer routes that need a session with `503`
    /// and `Retry-After` (the layers do, through
    /// [`SessionUnavailable`](crate::session::SessionUnavailable)).
    pub store_error: Option<StoreError>,
    /// Whether the request may carry a silent-login marker: `Some(false)` when the lookup's
    /// pass over the cookies saw none (the layer then looks no further), `None` when unknown.
    pub(crate) silent_marker: Option<bool>,
    /// How it was decided, for the `feide.session` span.
    pub(crate) trace: Trace,
}

/// A cookie value that opened, as [`CookieCodec::open_envelope`](crate::session::cookie::CookieCodec::open_envelope)
/// returned it.
struct Opened {
    session: FeideSession,
    issued_at: u64,
    seen: u64,
    old_key: bool,
}

impl Opened {
    fn new(envelope: Envelope<SessionData>) -> Self {
        let old_key = envelope.sealed_with_old_key();
        Self {
            session: FeideSession::new(Arc::new(envelope.data), envelope.expires_at),
            issued_at: envelope.issued_at,
            seen: envelope.seen,
            old_key,
        }
    }

    /// The envelope again, borrowing the data.
    fn envelope(&self) -> Envelope<&SessionData> {
        Envelope::from_parts(
            self.issued_at,
            self.session.expires_at(),
            self.seen,
            &**self.session.data(),
            self.old_key,
        )
    }
}

/// Sessions opened recently, by their exact cookie value (the joined value of all chunks).
///
/// Safe to share: a hit needs the byte-identical value, which only a successful open put there,
/// and the times are checked again on every hit, so a hit answers exactly what opening would.
/// Failures are not kept. Bounded by weight: roughly the bytes held (the value plus its parsed
/// data).
pub(crate) struct SessionCache {
    entries: ExactCache<Opened>,
}

/// Default budget of the opened-session cache, in (estimated) bytes.
pub(crate) const DEFAULT_SESSION_CACHE_BYTES: u64 = 32 * 1024 * 1024;

impl SessionCache {
    /// A cache holding about `bytes` of sessions; `None` for 0 (every request opens its cookie).
    pub(crate) fn new(bytes: u64) -> Option<Self> {
        (bytes > 0).then(|| Self {
            entries: ExactCache::new(
                Cache::builder()
                    .max_capacity(bytes)
                    .weigher(|_, entry: &Arc<Entry<Opened>>| weight(entry.key_len())),
                CacheName::OpenedSessions,
            ),
        })
    }
}

/// The value, its parsed copy (about as large again) and bookkeeping.
fn weight(value_len: usize) -> u32 {
    u32::try_from(value_len.saturating_mul(2).saturating_add(256)).unwrap_or(u32::MAX)
}

impl fmt::Debug for SessionCache {
    // Never the entries: they are cookie values and sessions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("capacity_bytes", &self.entries.capacity())
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

impl FeideLogin {
    /// Opens the session cookie(s) of a request.
    ///
    /// Any failure (tampered, truncated, wrong key, expired, idle, too many chunks) means "not
    /// logged in", and the stale cookies are deleted with the response.
    ///
    /// This never waits and never refreshes an access token; with a provider that issues refresh
    /// tokens, use [`session_refreshed`](Self::session_refreshed) (as the tower layer does).
    /// With a [session store](super::FeideLoginBuilder::session_store) it cannot answer (it
    /// would have to wait for the store): the lookup then has no session and a
    /// [`store_error`](SessionLookup::store_error); use `session_refreshed`.
    ///
    /// One `feide.session` span (debug level) per call; see the crate's "Logs and traces".
    pub fn session(&self, headers: &HeaderMap) -> SessionLookup {
        let span = session_span();
        let lookup = span.in_scope(|| self.session_at(headers, crate::token::now().max(0) as u64));
        observe(&span, &lookup);
        lookup
    }

    /// [`session`](Self::session) at time `now` (Unix seconds).
    pub(crate) fn session_at(&self, headers: &HeaderMap, now: u64) -> SessionLookup {
        self.lookup_at(headers, now).0
    }

    /// [`session_at`](Self::session_at), and whether the session's access token is due for a
    /// refresh (only with a refresh token, when refreshing is on).
    pub(crate) fn lookup_at(
        &self,
        headers: &HeaderMap,
        now: u64,
    ) -> (SessionLookup, Option<RefreshDue>) {
        let cfg = &*self.config;
        if cfg.stored.is_some() {
            // Fail closed: a stored session cannot be checked without waiting for the store.
            tracing::error!("session() cannot wait for the session store: use session_refreshed()");
            let lookup = SessionLookup {
                store_error: Some(StoreError::new(
                    crate::store::StoreErrorKind::Unavailable,
                    "session() cannot wait for the session store; use session_refreshed()",
                )),
                ..SessionLookup::default()
            };
            return (lookup, None);
        }
        cfg.session.lookup_at(headers, now, &cfg.refresh)
    }

    /// Whether this login keeps its sessions in a [store](crate::store).
    pub fn stores_sessions(&self) -> bool {
        self.config.stored.is_some()
    }
}

impl SessionCookies {
    /// The session of a request at `now`, and whether its access token is due for a refresh
    /// under `refresh`. Plain data in, plain data out: no provider, no network.
    pub(crate) fn lookup_at(
        &self,
        headers: &HeaderMap,
        now: u64,
        refresh: &RefreshPolicy,
    ) -> (SessionLookup, Option<RefreshDue>) {
        let name = self.name.as_str();
        let cache = self.cache.as_ref().map(|c| &c.entries);
        // The usual request: one cookie, sent before. Found without parsing anything else, and
        // in the same pass whether a silent-login marker came along.
        if let Some(cache) = cache
            && let (Some(raw), marker) = sole_cookie_noting(headers, name, Some(&self.marker_name))
            && let Some(hit) = cache.get(raw)
        {
            let (mut lookup, due) = self.decide(headers, &hit.value, raw, now, refresh);
            lookup.silent_marker = Some(marker);
            lookup.trace.cache = CacheUse::Hit;
            return (lookup, due);
        }
        let value = match self.chunker.join(name, request_cookies(headers)) {
            Ok(None) => return (SessionLookup::default(), None),
            Ok(Some(value)) => value,
            Err(_) => return (self.clear(headers, Refusal::Chunks), None),
        };
        if let Some(hit) = cache.and_then(|c| c.get(value.as_bytes())) {
            let (mut lookup, due) =
                self.decide(headers, &hit.value, value.as_bytes(), now, refresh);
            lookup.trace.cache = CacheUse::Hit;
            return (lookup, due);
        }
        let (mut lookup, due) = self.open_at(headers, &value, now, refresh);
        if cache.is_some() {
            lookup.trace.cache = CacheUse::Miss;
        }
        (lookup, due)
    }

    /// A session cookie `value` not in the cache: opened, decided, and kept.
    fn open_at(
        &self,
        headers: &HeaderMap,
        value: &str,
        now: u64,
        refresh: &RefreshPolicy,
    ) -> (SessionLookup, Option<RefreshDue>) {
        let name = self.name.as_str();
        let cache = self.cache.as_ref().map(|c| &c.entries);
        match self
            .codec
            .open_envelope::<SessionData>(name, value, now, self.idle_timeout)
        {
            // Sealed for another login: each login's keys are its own, so this takes an app
            // that seals sessions itself with this login's codec. Not ours: ignored, not
            // cached.
            Ok(envelope) if envelope.data.provider != self.login_name => {
                tracing::debug!("session cookie of another login ignored");
                (SessionLookup::default(), None)
            }
            Ok(envelope) => {
                let opened = Opened::new(envelope);
                let lookup = self.decide(headers, &opened, value.as_bytes(), now, refresh);
                if let Some(cache) = cache {
                    cache.insert(value.as_bytes(), opened);
                }
                lookup
            }
            Err(error) => (self.refused(headers, &error), None),
        }
    }

    /// Keeps a session just sealed as `value` (re-issued, or refreshed), so the next request
    /// carrying it is a hit.
    pub(super) fn remember(&self, value: &str, session: &FeideSession, issued_at: u64, seen: u64) {
        if let Some(cache) = self.cache.as_ref() {
            let opened = Opened {
                session: session.clone(),
                issued_at,
                seen,
                old_key: false,
            };
            cache.entries.insert(value.as_bytes(), opened);
        }
    }

    /// The answer for a cookie `value` that opened into `opened`, at `now`: checked again for
    /// expiry and idleness, re-issued when due, as opening it now would; and whether its access
    /// token is due for a refresh.
    fn decide(
        &self,
        headers: &HeaderMap,
        opened: &Opened,
        value: &[u8],
        now: u64,
        refresh: &RefreshPolicy,
    ) -> (SessionLookup, Option<RefreshDue>) {
        let name = self.name.as_str();
        let cache = self.cache.as_ref().map(|c| &c.entries);
        let mut envelope = opened.envelope();
        if let Err(error) = envelope.check_times(now, self.idle_timeout) {
            if let Some(cache) = cache {
                cache.invalidate(value);
            }
            return (self.refused(headers, &error), None);
        }
        if self
            .revocations
            .is_revoked(opened.session.data(), opened.issued_at)
        {
            if let Some(cache) = cache {
                cache.invalidate(value);
            }
            return (self.clear(headers, Refusal::RevokedByProvider), None);
        }
        let due = refresh.due(opened.session.data(), opened.issued_at, now);
        let mut set_cookies = Vec::new();
        let stale = self.idle_timeout.is_some() && envelope.touch_after(now, self.touch_interval);
        if (stale || envelope.sealed_with_old_key())
            && let Ok(renewed) = self.codec.reseal_envelope(name, &envelope)
        {
            set_cookies = self
                .options
                .set_cookies(&self.chunker, name, &renewed, request_cookies(headers))
                .unwrap_or_default();
            // The browser sends the new value from now on: have it opened already.
            if !set_cookies.is_empty() {
                self.remember(&renewed, &opened.session, envelope.issued_at, envelope.seen);
            }
        }
        let lookup = SessionLookup {
            session: Some(opened.session.clone()),
            set_cookies,
            store_error: None,
            silent_marker: None,
            trace: Trace::default(),
        };
        (lookup, due)
    }

    fn refused(&self, headers: &HeaderMap, error: &OpenError) -> SessionLookup {
        tracing::debug!(%error, "session cookie refused");
        self.clear(headers, Refusal::of_open(error))
    }

    /// The lookup of a request whose session cookies are unusable: no session, and their
    /// deletions.
    pub(super) fn clear(&self, headers: &HeaderMap, reason: Refusal) -> SessionLookup {
        tracing::debug!(
            reason = reason.as_str(),
            "clearing unusable session cookies"
        );
        let set_cookies = self
            .options
            .clear_cookies(&self.chunker, &self.name, request_cookies(headers))
            .unwrap_or_default();
        SessionLookup {
            session: None,
            set_cookies,
            store_error: None,
            silent_marker: None,
            trace: Trace {
                reason: Some(reason),
                ..Trace::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::header::COOKIE;

    use super::*;
    use crate::Provider;
    use crate::login::refresh_policy::DEFAULT_REFRESH_BEFORE;
    use crate::login::session_cookies::SessionCookieSettings;
    use crate::login::{DEFAULT_LOGIN_NAME, FeideLoginBuilder};
    use crate::secret::Secret;
    use crate::session::KeyRing;
    use crate::session::cookie::CookieCodec;

    const KEY: &str = "TbwzrgYhup/Tm3FgJayZJNQKJUaG+QN0WwLuOvXbcJo=";
    const OLD_KEY: &str = "WqtseaZvv3KLcwvsSQWBz1hy6seE0EKyz7dIoEysuuU=";
    const T: u64 = 1_700_000_000;

    /// A login's session cookies and refresh policy, without a provider: what session lookup
    /// needs, and all it needs. `configure` changes the defaults.
    struct Jar {
        cookies: SessionCookies,
        refresh: RefreshPolicy,
    }

    impl Jar {
        fn new(
            keys: &str,
            login_name: &str,
            configure: impl FnOnce(&mut SessionCookieSettings),
        ) -> Self {
            let mut settings = SessionCookieSettings::default();
            configure(&mut settings);
            let ring = KeyRing::from_env_value(keys).unwrap();
            Self {
                cookies: SessionCookies::new(ring, login_name, false, settings).unwrap(),
                refresh: RefreshPolicy::new(true, DEFAULT_REFRESH_BEFORE),
            }
        }

        fn session_at(&self, headers: &HeaderMap, now: u64) -> SessionLookup {
            self.lookup_at(headers, now).0
        }

        fn lookup_at(&self, headers: &HeaderMap, now: u64) -> (SessionLookup, Option<RefreshDue>) {
            self.cookies.lookup_at(headers, now, &self.refresh)
        }
    }

    fn jar(configure: impl FnOnce(&mut SessionCookieSettings)) -> Jar {
        Jar::new(KEY, DEFAULT_LOGIN_NAME, configure)
    }

    /// A login against a provider configured by hand (nothing is fetched: the JWKS address
    /// refuses connections, which only leaves the key cache cold).
    async fn login(configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder) -> FeideLogin {
        let provider = Provider::builder("http://127.0.0.1:9")
            .discovery(false)
            .jwks_uri("http://127.0.0.1:9/jwks")
            .authorization_endpoint("http://127.0.0.1:9/authorize")
            .token_endpoint("http://127.0.0.1:9/token")
            .client("client", "secret")
            .timeout(Duration::from_millis(200))
            .build()
            .await
            .unwrap();
        configure(
            FeideLogin::builder(&provider)
                .redirect_uri("http://127.0.0.1:8080/callback")
                .secret_keys(KEY),
        )
        .build()
        .unwrap()
    }

    fn data(sub: &str) -> SessionData {
        SessionData {
            provider: crate::login::DEFAULT_LOGIN_NAME.into(),
            iss: "http://127.0.0.1:9".into(),
            sub: sub.into(),
            claims: serde_json::Map::new(),
            userinfo: None,
            access_token: Secret::new("opaque"),
            access_token_expires_at: None,
            refresh_token: None,
            id_token: Secret::new("e30.e30.sig"),
            auth_time: T,
            original: None,
        }
    }

    /// A session cookie sealed with `key`: issued at `T`, ending `ttl` later, last seen at `seen`.
    fn cookie(key: &str, sub: &str, ttl: u64, seen: u64) -> HeaderMap {
        let codec =
            CookieCodec::login_session(KeyRing::from_secrets(&[key]).unwrap(), DEFAULT_LOGIN_NAME);
        let mut envelope = Envelope::new(data(sub), T, Duration::from_secs(ttl));
        envelope.seen = seen;
        let value = codec.reseal_envelope("feide_session", &envelope).unwrap();
        headers(&value)
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("theme=dark; feide_session={value}")).unwrap(),
        );
        headers
    }

    fn value(headers: &HeaderMap) -> &str {
        let cookie = headers[COOKIE].to_str().unwrap();
        cookie.split_once("feide_session=").unwrap().1
    }

    fn cached(jar: &Jar, headers: &HeaderMap) -> bool {
        let cache = jar.cookies.cache.as_ref().unwrap();
        cache.entries.get(value(headers).as_bytes()).is_some()
    }

    /// The value of the session cookie a response sets.
    fn reissued(lookup: &SessionLookup) -> Option<String> {
        lookup.set_cookies.iter().find_map(|h| {
            let pair = h.to_str().ok()?.split(';').next()?;
            let value = pair.strip_prefix("feide_session=")?;
            (!value.is_empty()).then(|| value.to_owned())
        })
    }

    #[test]
    fn a_hit_checks_absolute_expiry_again() {
        let login = jar(|_| {});
        let h = cookie(KEY, "alice", 100, T);
        let first = login.session_at(&h, T);
        assert_eq!(first.session.as_ref().map(FeideSession::sub), Some("alice"));
        assert!(cached(&login, &h));
        assert!(login.session_at(&h, T + 99).session.is_some());
        let late = login.session_at(&h, T + 100);
        assert!(late.session.is_none(), "expired while cached");
        assert!(
            late.set_cookies[0].to_str().unwrap().contains("Max-Age=0"),
            "and the cookie is deleted"
        );
        assert!(!cached(&login, &h), "the entry is dropped");
    }

    #[test]
    fn a_hit_checks_the_idle_timeout_again() {
        let login = jar(|s| s.idle_timeout = Some(Duration::from_secs(300)));
        let h = cookie(KEY, "alice", 3600, T);
        assert!(login.session_at(&h, T).session.is_some());
        assert!(cached(&login, &h));
        assert!(login.session_at(&h, T + 300).session.is_some());
        assert!(
            login.session_at(&h, T + 301).session.is_none(),
            "idle while cached"
        );
    }

    #[test]
    fn only_the_identical_value_hits() {
        let login = jar(|_| {});
        let h = cookie(KEY, "alice", 3600, T);
        assert!(login.session_at(&h, T).session.is_some());
        let good = value(&h).to_owned();
        let mut changed = good.clone().into_bytes();
        let last = changed.len() - 1;
        changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        for other in [&good[..good.len() - 1], &changed, &format!("{good}A")] {
            let lookup = login.session_at(&headers(other), T);
            assert!(lookup.session.is_none(), "{other}");
        }
        // Another valid session is its own entry, never confused with the first.
        let bob = cookie(KEY, "bob", 3600, T);
        assert_eq!(login.session_at(&bob, T).session.unwrap().sub(), "bob");
        assert_eq!(login.session_at(&h, T).session.unwrap().sub(), "alice");
    }

    #[test]
    fn a_hit_still_writes_activity_back() {
        let login = jar(|_| {});
        let h = cookie(KEY, "alice", 3600, T);
        assert!(reissued(&login.session_at(&h, T)).is_none());
        assert!(
            reissued(&login.session_at(&h, T + 60)).is_none(),
            "seen 60 s ago"
        );
        let touched = login.session_at(&h, T + 61);
        let renewed = reissued(&touched).expect("seen 61 s ago: re-issued");
        assert_eq!(touched.session.unwrap().sub(), "alice");
        // The browser now sends the new value: already opened, with the new activity time.
        let next = headers(&renewed);
        assert!(cached(&login, &next));
        assert!(reissued(&login.session_at(&next, T + 62)).is_none());
        let codec =
            CookieCodec::login_session(KeyRing::from_secrets(&[KEY]).unwrap(), DEFAULT_LOGIN_NAME);
        let opened: Envelope<serde_json::Value> = codec
            .open_envelope("feide_session", &renewed, T + 62, None)
            .unwrap();
        assert_eq!((opened.issued_at, opened.seen), (T, T + 61));
    }

    #[test]
    fn a_session_sealed_with_an_old_key_is_reissued_on_every_hit() {
        let login = Jar::new(&format!("{KEY},{OLD_KEY}"), DEFAULT_LOGIN_NAME, |_| {});
        let old = cookie(OLD_KEY, "alice", 3600, T);
        for at in [T, T + 1] {
            let lookup = login.session_at(&old, at);
            assert!(lookup.session.is_some());
            let renewed = reissued(&lookup).expect("moved to the new key");
            let codec = CookieCodec::login_session(
                KeyRing::from_secrets(&[KEY]).unwrap(),
                DEFAULT_LOGIN_NAME,
            );
            assert!(codec.open("feide_session", &renewed).is_ok());
        }
    }

    /// Issue 13, finding 6: each login has its own session keys, so a session of another login
    /// never opens, even under the same cookie name and `APP_SECRET_KEY`.
    #[test]
    fn a_session_of_another_login_never_opens() {
        // Misconfigured: named `other`, yet reading the unnamed login's cookie with its keys.
        let other = Jar::new(KEY, "other", |s| {
            s.cookie_name = Some("feide_session".into())
        });
        let h = cookie(KEY, "alice", 3600, T);
        for _ in 0..2 {
            let lookup = other.session_at(&h, T);
            assert!(lookup.session.is_none());
        }
        assert!(!cached(&other, &h));
        // The login it belongs to opens it.
        let own = jar(|_| {});
        assert_eq!(own.session_at(&h, T).session.unwrap().provider(), "default");
    }

    #[tokio::test]
    async fn a_named_login_has_its_own_cookies_and_refuses_bad_names() {
        let named = login(|b| b.name("idporten")).await;
        assert_eq!(named.cookie_name(), "feide_session_idporten");
        assert_eq!(named.config.flow.prefix, "feide_flow_idporten_");
        assert_eq!(named.name(), "idporten");
        let unnamed = login(|b| b).await;
        assert_eq!(unnamed.cookie_name(), "feide_session");
        assert_eq!(unnamed.name(), crate::login::DEFAULT_LOGIN_NAME);
        let provider = named.provider().clone();
        let secure = |name: &str| {
            FeideLogin::builder(&provider)
                .name(name)
                .redirect_uri("https://app.example.no/cb")
                .secret_keys(KEY)
                .build()
        };
        assert_eq!(
            secure("feide").unwrap().cookie_name(),
            "__Host-feide_session_feide"
        );
        assert!(secure("Feide").is_err());
        assert!(secure("a;b").is_err());
    }

    #[test]
    fn without_the_cache_the_answers_are_the_same() {
        let login = jar(|s| s.cache_bytes = 0);
        assert!(login.cookies.cache.is_none());
        let h = cookie(KEY, "alice", 100, T);
        assert!(login.session_at(&h, T).session.is_some());
        assert!(reissued(&login.session_at(&h, T + 61)).is_some());
        assert!(login.session_at(&h, T + 100).session.is_none());
    }

    /// A session cookie whose access token expires at `expires_at`, with a refresh token or not.
    fn with_tokens(refresh_token: bool, expires_at: Option<u64>) -> HeaderMap {
        let codec =
            CookieCodec::login_session(KeyRing::from_secrets(&[KEY]).unwrap(), DEFAULT_LOGIN_NAME);
        let mut data = data("alice");
        data.refresh_token = refresh_token.then(|| Secret::new("rt"));
        data.access_token_expires_at = expires_at;
        let envelope = Envelope::new(data, T, Duration::from_secs(3600));
        headers(&codec.reseal_envelope("feide_session", &envelope).unwrap())
    }

    #[test]
    fn a_sealed_cookie_opens_expires_and_is_reissued_without_a_provider() {
        let jar = jar(|_| {});
        let h = cookie(KEY, "alice", 600, T);
        let opened = jar.session_at(&h, T + 1);
        assert_eq!(opened.session.unwrap().sub(), "alice");
        assert!(opened.set_cookies.is_empty(), "nothing to write back yet");
        let touched = jar.session_at(&h, T + 120);
        assert!(reissued(&touched).is_some(), "activity written back");
        let expired = jar.session_at(&h, T + 600);
        assert!(expired.session.is_none());
        assert!(
            expired.set_cookies[0]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let wrong_key = Jar::new(OLD_KEY, DEFAULT_LOGIN_NAME, |_| {});
        let refused = wrong_key.session_at(&h, T + 1);
        assert!(refused.session.is_none(), "sealed with another key");
        assert!(
            refused.set_cookies[0]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }

    #[test]
    fn the_lookup_says_when_a_refresh_is_due() {
        let jar = jar(|_| {});
        let (lookup, due) = jar.lookup_at(&with_tokens(true, Some(T + 30)), T);
        assert!(lookup.session.is_some());
        assert_eq!(
            due,
            Some(RefreshDue { issued_at: T }),
            "expires within the margin"
        );
        let (_, due) = jar.lookup_at(&with_tokens(true, Some(T + 600)), T);
        assert_eq!(due, None, "not due yet");
        let (lookup, due) = jar.lookup_at(&with_tokens(false, Some(T + 30)), T);
        assert!(lookup.session.is_some());
        assert_eq!(due, None, "no refresh token");
        // A hit decides again: the same cookie becomes due as time passes.
        let h = with_tokens(true, Some(T + 600));
        assert_eq!(jar.lookup_at(&h, T).1, None);
        assert_eq!(
            jar.lookup_at(&h, T + 540).1,
            Some(RefreshDue { issued_at: T })
        );
        let mut off = Jar::new(KEY, DEFAULT_LOGIN_NAME, |_| {});
        off.refresh = RefreshPolicy::new(false, DEFAULT_REFRESH_BEFORE);
        assert_eq!(
            off.lookup_at(&with_tokens(true, Some(T)), T).1,
            None,
            "refreshing off"
        );
    }
}
