//! [`HealthBuilder`]: what readiness checks, and where the probes answer.

use std::sync::Arc;
use std::time::Duration;

use super::keys_check::KeysTarget;
use super::store_check::StoreTarget;
use super::{Health, Inner};
use crate::Provider;
use crate::login::FeideLogin;
use crate::store::SessionStore;

/// Default bound on each readiness probe.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Default liveness path.
pub const DEFAULT_LIVE_PATH: &str = "/healthz";
/// Default readiness path.
pub const DEFAULT_READY_PATH: &str = "/readyz";

/// The health endpoints could not be configured. The message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HealthConfigError {
    /// A probe path does not start with `/`, or holds a `?`, `#` or a character outside
    /// visible ASCII.
    #[error("health path {0:?} must be an absolute path of visible ASCII without `?` or `#`")]
    InvalidPath(String),
    /// The liveness and readiness paths are the same.
    #[error("the liveness and readiness paths must differ (both {0:?})")]
    SamePaths(String),
    /// The check timeout is zero or longer than a minute.
    #[error("check_timeout {0:?} must be between 1 ms and 60 s")]
    InvalidTimeout(Duration),
}

/// Builds a [`Health`]: see [`Health::builder`].
#[derive(Debug, Clone)]
pub struct HealthBuilder {
    keys: Vec<KeysTarget>,
    stores: Vec<StoreTarget>,
    max_key_age: Option<Duration>,
    check_timeout: Duration,
    live_path: String,
    ready_path: String,
}

impl HealthBuilder {
    pub(crate) fn new() -> Self {
        Self {
            keys: Vec::new(),
            stores: Vec::new(),
            max_key_age: None,
            check_timeout: DEFAULT_CHECK_TIMEOUT,
            live_path: DEFAULT_LIVE_PATH.to_owned(),
            ready_path: DEFAULT_READY_PATH.to_owned(),
        }
    }

    /// Checks `provider`'s signing keys (a `keys` check naming its issuer). Repeatable, one
    /// check per provider; a provider added twice (or through a login too) is checked once.
    pub fn provider(mut self, provider: &Provider) -> Self {
        let jwks = provider.jwks();
        if !self.keys.iter().any(|k| k.jwks.same_cache(jwks)) {
            self.keys.push(KeysTarget {
                issuer: provider.issuer().to_owned(),
                jwks: jwks.clone(),
            });
        }
        self
    }

    /// Checks a session store (a `session_store` check): reachable, answering
    /// [`ping`](SessionStore::ping) within the check timeout. A store added twice is checked once.
    pub fn store(self, store: Arc<dyn SessionStore>) -> Self {
        self.add_store(None, store)
    }

    /// Checks what `login` depends on: its provider's keys, and its session store when it has
    /// one ([`FeideLogin::session_store`]). The store check names the login.
    pub fn login(self, login: &FeideLogin) -> Self {
        let this = self.provider(login.provider());
        match login.session_store() {
            Some(store) => this.add_store(Some(login.name().to_owned()), Arc::clone(store)),
            None => this,
        }
    }

    /// Also unready when a provider's keys are older than `max_age`, i.e. when no refresh has
    /// succeeded for that long. Default: none, only **cold** keys (never loaded) make the app
    /// unready.
    ///
    /// Why the default: when the provider's JWKS endpoint is down, every replica's cached keys
    /// still verify every token signed with them, and every replica sees the same outage at the
    /// same time. Failing readiness for old keys would take *all* replicas out of the load
    /// balancer at once, turning a provider hiccup that users would not notice into a full
    /// outage. Set it only if your keys must never be served older than a bound (and then well
    /// above the cache's refresh interval, `jwks_ttl`, default one hour). When keys are
    /// cold or too old, a probe asks the cache for one refresh, single-flight and under the
    /// provider's `jwks_cooldown`, so probes never hammer the provider.
    pub fn max_key_age(mut self, max_age: Duration) -> Self {
        self.max_key_age = Some(max_age);
        self
    }

    /// How long each check may take (default 2 s): a store that has not answered by then is
    /// reported down, and a key refresh is no longer waited for. Checks run concurrently, so a
    /// readiness probe takes about this long at most. Keep it below your probe's own timeout.
    pub fn check_timeout(mut self, timeout: Duration) -> Self {
        self.check_timeout = timeout;
        self
    }

    /// The liveness and readiness paths the [layer](Health::layer) answers (defaults
    /// `/healthz`, `/readyz`).
    pub fn paths(mut self, live: impl Into<String>, ready: impl Into<String>) -> Self {
        self.live_path = live.into();
        self.ready_path = ready.into();
        self
    }

    /// The configured health endpoints.
    ///
    /// # Errors
    ///
    /// A [`HealthConfigError`] for an unusable path or timeout.
    pub fn build(self) -> Result<Health, HealthConfigError> {
        for path in [&self.live_path, &self.ready_path] {
            let usable = path.starts_with('/')
                && path
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#');
            if !usable {
                return Err(HealthConfigError::InvalidPath(path.clone()));
            }
        }
        if self.live_path == self.ready_path {
            return Err(HealthConfigError::SamePaths(self.live_path));
        }
        if self.check_timeout.is_zero() || self.check_timeout > Duration::from_secs(60) {
            return Err(HealthConfigError::InvalidTimeout(self.check_timeout));
        }
        Ok(Health {
            inner: Arc::new(Inner {
                keys: self.keys,
                stores: self.stores,
                max_key_age: self.max_key_age,
                check_timeout: self.check_timeout,
                live_path: self.live_path,
                ready_path: self.ready_path,
            }),
        })
    }

    fn add_store(mut self, login: Option<String>, store: Arc<dyn SessionStore>) -> Self {
        if !self.stores.iter().any(|s| s.same_store(&store)) {
            self.stores.push(StoreTarget { login, store });
        }
        self
    }
}
