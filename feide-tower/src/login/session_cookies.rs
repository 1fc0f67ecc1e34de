//! [`SessionCookies`]: how a login keeps its sessions in cookies: the cookie name, the keys
//! that seal it, its options and chunking, the session lifetimes and the cache of recently
//! opened cookies. Opening them on a request is `session_lookup`.

use std::time::Duration;

use super::DEFAULT_LOGIN_NAME;
use super::config::LoginConfigError;
use super::revocations::{DEFAULT_MAX_REVOCATIONS, Revocations};
use super::session_lookup::SessionCache;
use crate::session::KeyRing;
use crate::session::cookie::{Chunker, CookieCodec, CookieOptions};

/// Default longest session.
pub(crate) const DEFAULT_MAX_SESSION: Duration = Duration::from_secs(8 * 3600);
/// Default idle timeout.
pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(3600);
/// Default most cookies one session is split into.
pub(crate) const DEFAULT_MAX_CHUNKS: usize = 5;
/// Activity is written back to the cookie at most this often.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// The session cookies of one login, checked at build time.
#[derive(Debug)]
pub(crate) struct SessionCookies {
    /// The login's name, recorded in its sessions: a session naming another is not opened.
    pub(crate) login_name: String,
    /// The cookie's name (the first chunk's, when split).
    pub(crate) name: String,
    /// Seals this login's session cookies ([`CookieCodec::login_session`]).
    pub(crate) codec: CookieCodec,
    pub(crate) options: CookieOptions,
    pub(crate) chunker: Chunker,
    pub(crate) max_session: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) touch_interval: Duration,
    /// Recently opened session cookies (`None`: open every request's cookie).
    pub(crate) cache: Option<SessionCache>,
    /// Sessions the provider logged out (back- and front-channel logout).
    pub(crate) revocations: Revocations,
    /// The login's silent-login marker cookie, noted in the same pass as the session cookie.
    pub(crate) marker_name: String,
}

/// What the builder says about session cookies.
#[derive(Debug, Clone)]
pub(crate) struct SessionCookieSettings {
    /// The cookie name; `None` derives it from the login name and `Secure`.
    pub(crate) cookie_name: Option<String>,
    pub(crate) max_chunks: usize,
    pub(crate) max_session: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    /// Budget of the opened-session cache in bytes (`0`: no cache).
    pub(crate) cache_bytes: u64,
}

impl Default for SessionCookieSettings {
    fn default() -> Self {
        Self {
            cookie_name: None,
            max_chunks: DEFAULT_MAX_CHUNKS,
            max_session: DEFAULT_MAX_SESSION,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            cache_bytes: super::session_lookup::DEFAULT_SESSION_CACHE_BYTES,
        }
    }
}

/// The cookie-name prefix (`__Host-` when cookies are `Secure`) and the suffix naming the login
/// (none for the unnamed login, which keeps the names it always had so existing sessions still
/// open).
pub(crate) fn affixes(login_name: &str, secure: bool) -> (&'static str, String) {
    let prefix = if secure { "__Host-" } else { "" };
    let suffix = if login_name == DEFAULT_LOGIN_NAME {
        String::new()
    } else {
        format!("_{login_name}")
    };
    (prefix, suffix)
}

impl SessionCookies {
    /// The session cookies of login `login_name`, sealed with `keys` (separate keys per purpose
    /// and per login name); `secure` as the redirect URI allows.
    pub(crate) fn new(
        keys: KeyRing,
        login_name: &str,
        secure: bool,
        settings: SessionCookieSettings,
    ) -> Result<Self, LoginConfigError> {
        let (prefix, suffix) = affixes(login_name, secure);
        let chunker = Chunker::new().with_max_chunks(settings.max_chunks);
        let name = settings
            .cookie_name
            .unwrap_or_else(|| format!("{prefix}feide_session{suffix}"));
        let options = CookieOptions {
            secure,
            ..CookieOptions::default()
        };
        options
            .validate(&name)
            .map_err(LoginConfigError::SessionCookie)?;
        let codec = CookieCodec::login_session(keys, login_name)
            .with_max_value_len(chunker.max_value_len());
        Ok(Self {
            login_name: login_name.to_owned(),
            name,
            codec,
            options,
            chunker,
            max_session: settings.max_session,
            idle_timeout: settings.idle_timeout,
            touch_interval: TOUCH_INTERVAL,
            cache: SessionCache::new(settings.cache_bytes),
            marker_name: super::silent::marker_name(&super::flow_cookies::flow_prefix(
                login_name, secure,
            )),
            revocations: Revocations::new(settings.max_session.as_secs(), DEFAULT_MAX_REVOCATIONS),
        })
    }
}
