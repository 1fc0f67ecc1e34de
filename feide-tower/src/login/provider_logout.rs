//! Provider-initiated logout: what the back-channel and front-channel endpoints share — the
//! logout-token checks, and how a logout at the provider ends this app's sessions.
//!
//! With sessions in a [store](crate::store), the sessions are deleted from it, so every replica
//! refuses them within the [revocation bound](super::FeideLoginBuilder::revocation_bound).
//! With cookie sessions, the logout goes on this process's [revocation list](super::revocations).

use super::FeideLogin;
use super::logout_token::LogoutTokens;
use super::revocations::Revoked;
use crate::store::{StoreError, StoreErrorKind};
use crate::telemetry;
use crate::telemetry::labels::RevocationCause;

/// Provider-initiated logout of one login, configured.
#[derive(Debug)]
pub(crate) struct ProviderLogout {
    /// Checks logout tokens (back-channel).
    pub(crate) tokens: LogoutTokens,
    /// The provider's origin: the only one that may frame the front-channel page.
    pub(crate) provider_origin: String,
}

/// Why a provider's logout could not be carried out (the provider should try again).
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotEnded {
    /// The store could not delete the sessions.
    #[error("the session store is unavailable: {0}")]
    Store(#[from] StoreError),
    /// The revocation list is full.
    #[error("the revocation list is full")]
    ListFull,
}

impl FeideLogin {
    /// Ends the sessions the provider logged out (`whom`), for `cause` (back-channel or
    /// front-channel, for the log and the metrics). How many were ended, when the store can tell.
    pub(crate) async fn end_provider_sessions(
        &self,
        whom: Revoked<'_>,
        cause: RevocationCause,
    ) -> Result<Option<u64>, NotEnded> {
        let ended = self.end_sessions(whom).await?;
        telemetry::revocation(cause);
        let cause = cause.as_str();
        let by = match whom {
            Revoked::Sid(_) => "sid",
            Revoked::Sub(_) => "sub",
        };
        match ended {
            Some(ended) => tracing::info!(
                cause,
                by,
                sessions = ended,
                "provider logout: sessions revoked"
            ),
            None => tracing::info!(cause, by, "provider logout: sessions revoked"),
        }
        Ok(ended)
    }

    async fn end_sessions(&self, whom: Revoked<'_>) -> Result<Option<u64>, NotEnded> {
        let cfg = &*self.config;
        if cfg.stored.is_some() {
            let ended = match whom {
                Revoked::Sid(sid) => self.end_provider_session(sid).await,
                Revoked::Sub(sub) => self.end_all_sessions(sub).await,
            }
            .map_err(|e| match e {
                super::SessionAdminError::Store(e) => NotEnded::Store(e),
                // Not reached: `stored` is set, and the admin functions say `NoStore` only
                // without one.
                other => {
                    tracing::error!(%other, "provider logout: unexpected session admin error");
                    NotEnded::Store(StoreError::new(
                        StoreErrorKind::Unavailable,
                        "the login has no session store",
                    ))
                }
            })?;
            return Ok(Some(ended));
        }
        let now = crate::token::now().max(0) as u64;
        cfg.session
            .revocations
            .revoke(whom, now)
            .map_err(|_| NotEnded::ListFull)?;
        Ok(None)
    }
}
