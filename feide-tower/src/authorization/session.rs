//! [`SessionGuard`]: the rule checked for a signed-in user of a [`FeideLogin`], with the facts
//! fetched with the session's access token and kept with the session.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::cache::{self, FactsCache, Fresh, Unavailable};
use super::decision_span::{self, Lookup};
use super::error::AuthorizationConfigError;
use super::facts::{Directory, FeideFacts, Mfa, feide_id_claim};
use super::layer::AuthorizeLayer;
use super::rule::Rule;
use super::source;
use super::verdict::{self, Verdict};
use crate::Provider;
use crate::login::{FEIDE_MFA_ACR, FeideLogin, SideRecord, SideRecords};
use crate::session::FeideSession;
use crate::store::StoreKey;

/// Default freshness: how long fetched facts are used before Feide is asked again.
pub const DEFAULT_FRESHNESS: Duration = Duration::from_secs(300);
/// Default bound of the in-process facts caches (entries).
pub const DEFAULT_CAPACITY: u64 = 10_000;
const MIN_FRESHNESS: Duration = Duration::from_secs(1);
const MAX_FRESHNESS: Duration = Duration::from_secs(24 * 3600);
/// The purpose of the facts record beside a stored session.
const RECORD_PURPOSE: &str = "authz-facts";

/// Checks a [`Rule`] for the signed-in user of a [`FeideLogin`]: built once with
/// [`SessionGuard::builder`], then [`layer`](Self::layer) on routes (inside the login's layer,
/// like [`RequireLoginLayer`](crate::login::RequireLoginLayer)), or [`decide`](Self::decide) from
/// other frameworks. Cheap to clone.
///
/// The facts ([`FeideFacts`]) are fetched on first need with the session's access token
/// (extended userinfo and the groups API at once; the login needs the scopes for them, e.g.
/// `groups-org` and `groups-edu` at Feide) and kept for the freshness window (default 5
/// minutes): with stored sessions, in the session store beside the session (a record of its
/// own, under a key derived from the session's, sealed like it, expiring with the window);
/// with cookie sessions, in a bounded in-process cache keyed by a hash of the session's access
/// token. After the window the facts are fetched again, so a user whose groups changed is
/// re-evaluated.
///
/// ```no_run
/// # fn run(login: feide_tower::login::FeideLogin) -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
/// use feide_tower::authorization::{Rule, SessionGuard};
///
/// let staff = SessionGuard::builder(&login, Rule::affiliation(["employee"])).build()?;
/// let app: Router = Router::new()
///     .route("/staff", get(|| async { "staff only" }).route_layer(staff.layer()))
///     .layer(login.layer());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionGuard {
    inner: Arc<Inner>,
}

struct Inner {
    login: FeideLogin,
    rule: Rule,
    freshness: Duration,
    /// Facts by a hash of the session (cookie sessions) or of its facts record (stored
    /// sessions, whose facts the store keeps beside the session for every replica).
    cache: FactsCache,
    records: Option<SideRecords>,
}

/// Builds a [`SessionGuard`].
#[derive(Debug)]
#[must_use]
pub struct SessionGuardBuilder {
    login: FeideLogin,
    rule: Rule,
    freshness: Duration,
    capacity: u64,
}

impl SessionGuard {
    /// A guard that lets in the users of `login` who meet `rule`.
    pub fn builder(login: &FeideLogin, rule: Rule) -> SessionGuardBuilder {
        SessionGuardBuilder {
            login: login.clone(),
            rule,
            freshness: DEFAULT_FRESHNESS,
            capacity: DEFAULT_CAPACITY,
        }
    }

    /// The tower layer for routes.
    pub fn layer(&self) -> AuthorizeLayer<Self> {
        AuthorizeLayer::new(self.clone())
    }

    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.inner.rule
    }

    /// The login whose sessions this guard reads.
    pub fn login(&self) -> &FeideLogin {
        &self.inner.login
    }

    /// Facts kept in this process (of cookie sessions, and stored sessions' copies until their
    /// window ends), for tests and metrics.
    pub fn cached_facts(&self) -> u64 {
        self.inner.cache.len()
    }

    /// The plain decision (for frameworks other than tower): `session` is this login's session
    /// of the request ([`FeideLogin::session`]), `store_unavailable` whether its store could
    /// not say, `target` the request's path and query (where a login returns), `headers` the
    /// request's (browser or API caller).
    ///
    /// One `feide.authorization` span per decision (debug level), with `outcome`, `reason` (the
    /// failed requirement's kind) and `cache`.
    pub async fn decide(
        &self,
        session: Option<&FeideSession>,
        store_unavailable: bool,
        target: &str,
        headers: &HeaderMap,
    ) -> Verdict {
        let lookup = Lookup::default();
        let decision = self.decide_noting(session, store_unavailable, target, headers, &lookup);
        decision_span::traced(&lookup, decision).await
    }

    async fn decide_noting(
        &self,
        session: Option<&FeideSession>,
        store_unavailable: bool,
        target: &str,
        headers: &HeaderMap,
        lookup: &Lookup,
    ) -> Verdict {
        let login = &self.inner.login;
        let Some(session) = session else {
            if store_unavailable {
                return Verdict::Unavailable(login.store_unavailable(headers));
            }
            return Verdict::LoginRequired(login.login_required(target, headers));
        };
        let browser = verdict::is_browser(headers);
        let renderer = login.renderer();
        let Ok(directory) = self.facts(session, lookup).await else {
            return verdict::unavailable(browser, renderer);
        };
        let mfa = if session.acr() == Some(FEIDE_MFA_ACR) {
            Mfa::Yes
        } else {
            Mfa::No
        };
        let facts = FeideFacts::new(directory, mfa);
        match self.inner.rule.evaluate(&facts) {
            Ok(()) => Verdict::Allowed(facts),
            Err(requirement) => {
                tracing::debug!(
                    requirement,
                    "authorization: the user does not meet the rule"
                );
                verdict::forbidden(requirement, browser, renderer)
            }
        }
    }

    /// The session's facts: kept ones while fresh, else fetched (and kept).
    async fn facts(
        &self,
        session: &FeideSession,
        lookup: &Lookup,
    ) -> Result<Arc<Directory>, Unavailable> {
        lookup.looked_up();
        let inner = &self.inner;
        if let (Some(records), Some(session_key)) = (&inner.records, session.store_key()) {
            // Kept here too until the stored record's window ends (no sooner or later than the
            // store's copy), so a guarded request reads the store once per window and replica,
            // and concurrent first requests share one read.
            let key = records.key(RECORD_PURPOSE, &session_key);
            // Already a keyed hash of the session: no second hash needed.
            let near = *key.as_bytes();
            return inner
                .cache
                .get_or_fetch(near, || async move {
                    lookup.fetched();
                    self.stored_facts(records, key, session).await
                })
                .await;
        }
        let key = cache::key(
            "authz-session",
            &[
                session.provider().as_bytes(),
                session.access_token().expose().as_bytes(),
            ],
        );
        inner
            .cache
            .get_or_fetch(key, || async move {
                lookup.fetched();
                let directory = fetch_for(&self.inner.login, session).await?;
                Ok(Fresh::new(directory, self.inner.freshness))
            })
            .await
    }

    /// The facts record beside a stored session, fresh; else fetched and written.
    async fn stored_facts(
        &self,
        records: &SideRecords,
        key: StoreKey,
        session: &FeideSession,
    ) -> Result<Fresh, Unavailable> {
        let now = now_ms();
        let window = u64::try_from(self.inner.freshness.as_millis()).unwrap_or(u64::MAX);
        let loaded: Option<SideRecord> = records.load(&key).await.map_err(|error| {
            tracing::warn!(%error, "authorization: the session store could not load the facts");
            Unavailable
        })?;
        let kept = loaded
            .as_ref()
            .and_then(|r| r.plaintext.as_deref())
            .and_then(|p| serde_json::from_slice::<Kept>(p).ok())
            .filter(|kept| {
                kept.fetched_at_ms <= now && now < kept.fetched_at_ms.saturating_add(window)
            });
        if let Some(kept) = kept {
            let left = kept
                .fetched_at_ms
                .saturating_add(window)
                .saturating_sub(now_ms());
            return Ok(Fresh {
                directory: Arc::new(kept.directory),
                until: Instant::now() + Duration::from_millis(left),
            });
        }
        let directory = fetch_for(&self.inner.login, session).await?;
        // The window starts when Feide answered.
        let fetched_at_ms = now_ms();
        let kept = Kept {
            fetched_at_ms,
            directory,
        };
        if let Ok(plaintext) = serde_json::to_vec(&kept) {
            // The store counts whole seconds: the record outlives the window by less than one.
            let expires_at = fetched_at_ms.saturating_add(window).div_ceil(1000);
            if let Err(error) = records
                .save(&key, &plaintext, expires_at, loaded.as_ref())
                .await
            {
                // The facts are fresh from Feide: use them; the next request fetches again.
                tracing::warn!(%error, "authorization: the session store could not keep the facts");
            }
        }
        Ok(Fresh::new(kept.directory, self.inner.freshness))
    }
}

/// The facts record's plaintext (sealed in the store).
#[derive(Serialize, Deserialize)]
struct Kept {
    /// When Feide answered (Unix milliseconds).
    fetched_at_ms: u64,
    directory: Directory,
}

/// Asks Feide's APIs with the session's access token.
async fn fetch_for(login: &FeideLogin, session: &FeideSession) -> Result<Directory, Unavailable> {
    let feide_id = session
        .userinfo()
        .and_then(feide_id_claim)
        .or_else(|| feide_id_claim(session.id_token_claims()));
    source::fetch(login.provider(), session.access_token(), feide_id)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "authorization: Feide's APIs could not say who the user is");
            Unavailable
        })
}

/// Unix milliseconds (0 before 1970: every kept record is then stale).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl fmt::Debug for SessionGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionGuard")
            .field("login", &self.inner.login.name())
            .field("rule", &self.inner.rule)
            .field("freshness", &self.inner.freshness)
            .field("stored", &self.inner.records.is_some())
            .finish()
    }
}

impl SessionGuardBuilder {
    /// How long fetched facts are used before Feide is asked again (default 5 minutes; 1 second
    /// to 1 day). A shorter window notices changed groups sooner and asks Feide more often.
    pub fn freshness(mut self, freshness: Duration) -> Self {
        self.freshness = freshness;
        self
    }

    /// Most sessions whose facts are kept in this process (cookie sessions; default 10,000).
    pub fn capacity(mut self, capacity: u64) -> Self {
        self.capacity = capacity;
        self
    }

    /// Checks the rule and settings.
    ///
    /// # Errors
    ///
    /// [`AuthorizationConfigError`]: a malformed rule, a freshness outside 1 s to 1 day, a zero
    /// capacity, or a provider with neither a groups API nor an extended userinfo URL.
    pub fn build(self) -> Result<SessionGuard, AuthorizationConfigError> {
        check_settings(
            &self.rule,
            self.freshness,
            self.capacity,
            self.login.provider(),
        )?;
        Ok(SessionGuard {
            inner: Arc::new(Inner {
                records: self.login.side_records(),
                cache: FactsCache::new(self.capacity),
                login: self.login,
                rule: self.rule,
                freshness: self.freshness,
            }),
        })
    }
}

/// The checks both guards' `build()` make: the rule, the settings, and a provider that has at
/// least one of Feide's APIs to take the facts from.
pub(crate) fn check_settings(
    rule: &Rule,
    freshness: Duration,
    capacity: u64,
    provider: &Provider,
) -> Result<(), AuthorizationConfigError> {
    rule.check()?;
    if provider.groups_url().is_none() && provider.extended_userinfo_url().is_none() {
        return Err(AuthorizationConfigError::NoFactSource);
    }
    if !(MIN_FRESHNESS..=MAX_FRESHNESS).contains(&freshness) {
        return Err(AuthorizationConfigError::InvalidFreshness);
    }
    if capacity == 0 {
        return Err(AuthorizationConfigError::InvalidCapacity);
    }
    Ok(())
}
