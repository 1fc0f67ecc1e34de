//! Listing and revoking a user's stored sessions ("sign out everywhere"), for handlers and
//! admin code. Only with a [session store](super::FeideLoginBuilder::session_store): cookie
//! sessions live in browsers and cannot be listed or revoked.

use super::FeideLogin;
use crate::store::{StoreError, StoreKey};
use crate::telemetry;
use crate::telemetry::labels::RevocationCause;

/// One of a user's stored sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredSessionInfo {
    /// Its key: compare with [`FeideSession::store_key`](crate::session::FeideSession::store_key)
    /// to find the current one, pass to [`FeideLogin::revoke_session`] to end it.
    pub key: StoreKey,
    /// When the user signed in (Unix seconds).
    pub issued_at: u64,
    /// Last activity written back (Unix seconds; at most a touch interval old).
    pub last_seen: u64,
    /// When it ends at the latest (Unix seconds).
    pub expires_at: u64,
}

/// Why sessions could not be listed or revoked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionAdminError {
    /// The login keeps sessions in cookies, which cannot be listed or revoked.
    #[error(
        "this login keeps its sessions in cookies: configure a session store to list or revoke them"
    )]
    NoStore,
    /// The store could not answer.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FeideLogin {
    /// The live sessions of the user `sub` (at this login's provider), oldest first.
    ///
    /// # Errors
    /// [`SessionAdminError::NoStore`] without a store; [`SessionAdminError::Store`] when it
    /// cannot answer.
    pub async fn sessions_of(
        &self,
        sub: &str,
    ) -> Result<Vec<StoredSessionInfo>, SessionAdminError> {
        let cfg = &*self.config;
        let stored = cfg.stored.as_ref().ok_or(SessionAdminError::NoStore)?;
        let mut out = Vec::new();
        for subject in stored.refs.subject_keys(cfg.provider.issuer(), sub) {
            for key in stored.store.list_by_subject(&subject).await? {
                if let Some(loaded) = stored.load(key, cfg.login_name()).await? {
                    out.push(StoredSessionInfo {
                        key,
                        issued_at: loaded.issued_at,
                        last_seen: loaded.seen,
                        expires_at: loaded.session.expires_at(),
                    });
                }
            }
        }
        out.sort_by_key(|info| (info.issued_at, info.key));
        out.dedup_by_key(|info| info.key);
        Ok(out)
    }

    /// Ends one stored session: its cookie is refused on every replica within the
    /// [revocation bound](super::FeideLoginBuilder::revocation_bound). Whether it existed.
    ///
    /// # Errors
    /// As [`sessions_of`](Self::sessions_of).
    pub async fn revoke_session(&self, key: &StoreKey) -> Result<bool, SessionAdminError> {
        let stored = self
            .config
            .stored
            .as_ref()
            .ok_or(SessionAdminError::NoStore)?;
        let existed = stored.store.delete(key).await?;
        stored.forget(key);
        telemetry::revocation(RevocationCause::Admin);
        Ok(existed)
    }

    /// Ends every stored session of the user `sub` ("sign out everywhere"); other users'
    /// sessions are untouched. How many there were.
    ///
    /// # Errors
    /// As [`sessions_of`](Self::sessions_of).
    pub async fn revoke_all_sessions(&self, sub: &str) -> Result<u64, SessionAdminError> {
        let ended = self.end_all_sessions(sub).await?;
        telemetry::revocation(RevocationCause::Admin);
        Ok(ended)
    }

    /// [`revoke_all_sessions`](Self::revoke_all_sessions) without counting it: shared with
    /// provider logout, which counts under its own cause.
    pub(crate) async fn end_all_sessions(&self, sub: &str) -> Result<u64, SessionAdminError> {
        let cfg = &*self.config;
        let stored = cfg.stored.as_ref().ok_or(SessionAdminError::NoStore)?;
        let mut ended = 0u64;
        for subject in stored.refs.subject_keys(cfg.provider.issuer(), sub) {
            for key in stored.store.list_by_subject(&subject).await? {
                stored.forget(&key);
            }
            ended = ended.saturating_add(stored.store.delete_by_subject(&subject).await?);
        }
        tracing::info!(sessions = ended, "all sessions of a user revoked");
        Ok(ended)
    }

    /// Ends every stored session that the provider's session `sid` (the ID token's `sid`
    /// claim) signed in: for provider-initiated logout. How many there were.
    ///
    /// # Errors
    /// As [`sessions_of`](Self::sessions_of).
    pub async fn revoke_provider_session(&self, sid: &str) -> Result<u64, SessionAdminError> {
        let ended = self.end_provider_session(sid).await?;
        telemetry::revocation(RevocationCause::Admin);
        Ok(ended)
    }

    /// [`revoke_provider_session`](Self::revoke_provider_session) without counting it.
    pub(crate) async fn end_provider_session(&self, sid: &str) -> Result<u64, SessionAdminError> {
        let cfg = &*self.config;
        let stored = cfg.stored.as_ref().ok_or(SessionAdminError::NoStore)?;
        let mut ended = 0u64;
        for key in stored.refs.sid_keys(cfg.provider.issuer(), sid) {
            for session in stored.store.list_by_sid(&key).await? {
                stored.forget(&session);
            }
            ended = ended.saturating_add(stored.store.delete_by_sid(&key).await?);
        }
        Ok(ended)
    }
}
