//! Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6): checked as the
//! specification requires, and accepted once.
//!
//! A logout token is verified like an ID token of the provider (its keys, the login's algorithm
//! allow-list, `iss`, `aud` naming this client, `exp`), and must moreover be a logout token by
//! its kind ([`TokenKind::Logout`]: the back-channel event in `events`, `sid` or `sub`, no
//! `nonce`, `typ` absent or `logout+jwt`), be issued no longer ago than the
//! [accepted age](super::FeideLoginBuilder::logout_token_max_age) and not in the future, and
//! carry a `jti` never seen before. The `jti`s are remembered for the accepted age plus the
//! leeway, after which the token is refused for its age anyway: in the session store when the
//! login has one (so a token is accepted once across every replica), else in this process.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use crate::provider::Provider;
use crate::session::SessionRefs;
use crate::store::{Record, SessionStore, StoreError, StoreErrorKind, StoreKey};
use crate::token::{Algorithm, TokenError, TokenKind, Validator, ValidatorConfigError};

/// Default oldest accepted logout token (by its `iat`).
pub(crate) const DEFAULT_LOGOUT_TOKEN_MAX_AGE: Duration = Duration::from_secs(300);

/// Longest accepted `jti` (they are short random strings).
const MAX_JTI_LEN: usize = 256;

/// Most `jti`s remembered in this process (without a store): far more than a provider sends in
/// the accepted age.
const MAX_REMEMBERED: u64 = 100_000;

/// Clock difference allowed between the provider and this process, as for ID tokens.
const LEEWAY_SECS: i64 = 60;

/// What a valid logout token asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogoutNotice {
    /// The provider session to end, if named.
    pub(crate) sid: Option<String>,
    /// The user whose sessions to end (all of them when there is no `sid`).
    pub(crate) sub: Option<String>,
    /// The token's id, to forget it again if the logout cannot be carried out.
    jti: String,
}

/// Why a logout token was not accepted.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Not a valid logout token for this client: `400`.
    Invalid(TokenError),
    /// Valid, but seen before: `400`.
    Replayed,
    /// The provider's keys or the store could not be reached: `503`, try again.
    Unavailable(&'static str),
}

/// Where the `jti`s of accepted tokens are remembered.
enum Seen {
    Process(Cache<String, ()>),
    Store {
        store: Arc<dyn SessionStore>,
        refs: SessionRefs,
    },
}

/// Checks logout tokens for one login.
pub(crate) struct LogoutTokens {
    validator: Validator,
    issuer: String,
    max_age: i64,
    seen: Seen,
}

impl std::fmt::Debug for LogoutTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutTokens")
            .field("max_age", &self.max_age)
            .field(
                "seen",
                &match self.seen {
                    Seen::Process(_) => "process",
                    Seen::Store { .. } => "store",
                },
            )
            .finish_non_exhaustive()
    }
}

impl LogoutTokens {
    /// Logout tokens of `provider` for `client_id`, signed with one of `algorithms`, at most
    /// `max_age` old; `jti`s remembered in `store` (with `refs` hashing them) when given.
    pub(crate) fn new(
        provider: &Provider,
        client_id: &str,
        algorithms: &[Algorithm],
        max_age: Duration,
        store: Option<(Arc<dyn SessionStore>, SessionRefs)>,
    ) -> Result<Self, ValidatorConfigError> {
        let validator = Validator::for_provider(provider)
            .audience(client_id)
            .algorithms(algorithms)
            .require_iat(true)
            .kind(TokenKind::Logout)
            .build()?;
        let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        let remember_for = Duration::from_secs(
            u64::try_from(max_age.saturating_add(2 * LEEWAY_SECS)).unwrap_or(u64::MAX),
        );
        let seen = match store {
            Some((store, refs)) => Seen::Store { store, refs },
            None => Seen::Process(
                Cache::builder()
                    .max_capacity(MAX_REMEMBERED)
                    .time_to_live(remember_for)
                    .build(),
            ),
        };
        Ok(Self {
            validator,
            issuer: provider.issuer().to_owned(),
            max_age,
            seen,
        })
    }

    /// Checks `token` at `now` (Unix seconds) and remembers its `jti`.
    pub(crate) async fn accept(&self, token: &str, now: i64) -> Result<LogoutNotice, Refusal> {
        let claims = self.validator.validate(token).await.map_err(|e| {
            if e.is_unavailable() {
                Refusal::Unavailable("the provider's signing keys")
            } else {
                Refusal::Invalid(e)
            }
        })?;
        // `iat` is required by the validator, which also refuses it in the future.
        let iat = claims
            .iat
            .ok_or(Refusal::Invalid(TokenError::MissingClaim("iat")))?;
        if now.saturating_sub(iat) > self.max_age.saturating_add(LEEWAY_SECS) {
            return Err(Refusal::Invalid(TokenError::Expired));
        }
        let jti = match claims.extra.get("jti") {
            Some(serde_json::Value::String(jti)) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => {
                jti.clone()
            }
            Some(_) => return Err(Refusal::Invalid(TokenError::InvalidClaim("jti"))),
            None => return Err(Refusal::Invalid(TokenError::MissingClaim("jti"))),
        };
        let sid = claims.extra_str("sid").map(str::to_owned);
        // Until the token is refused for its age anyway.
        let forget_at = iat
            .saturating_add(self.max_age)
            .saturating_add(2 * LEEWAY_SECS)
            .max(now.saturating_add(1));
        self.first_use(&jti, u64::try_from(forget_at).unwrap_or(0))
            .await?;
        Ok(LogoutNotice {
            sid,
            sub: claims.sub,
            jti,
        })
    }

    /// Records `jti` as used; [`Refusal::Replayed`] if it was.
    async fn first_use(&self, jti: &str, forget_at: u64) -> Result<(), Refusal> {
        match &self.seen {
            Seen::Process(cache) => {
                if cache.entry(jti.to_owned()).or_insert(()).is_fresh() {
                    Ok(())
                } else {
                    Err(Refusal::Replayed)
                }
            }
            Seen::Store { store, refs } => {
                let key = refs.jti_key(&self.issuer, jti);
                match store.insert(&key, &marker(key, forget_at)).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == StoreErrorKind::Conflict => Err(Refusal::Replayed),
                    Err(e) => {
                        tracing::warn!(error = %e, "logout token: the session store cannot remember its jti");
                        Err(Refusal::Unavailable("the session store"))
                    }
                }
            }
        }
    }

    /// Forgets an accepted token again (its logout could not be carried out), so that the
    /// provider's retry is not refused as a replay.
    pub(crate) async fn forget(&self, notice: &LogoutNotice) {
        match &self.seen {
            Seen::Process(cache) => cache.invalidate(&notice.jti),
            Seen::Store { store, refs } => {
                let key = refs.jti_key(&self.issuer, &notice.jti);
                if let Err(error) = store.delete(&key).await {
                    forget_failed(&error);
                }
            }
        }
    }
}

/// The record that remembers a `jti`: nothing in it, filed under and indexed by its own key.
fn marker(key: StoreKey, forget_at: u64) -> Record {
    Record {
        data: Vec::new(),
        subject: key,
        sid: None,
        expires_at: forget_at,
    }
}

fn forget_failed(error: &StoreError) {
    tracing::warn!(%error, "logout token: could not forget its jti; a retry will be refused until it expires");
}
