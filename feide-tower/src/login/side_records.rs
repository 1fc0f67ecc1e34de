//! [`SideRecords`]: records of other features kept next to a login's stored sessions (the
//! authorization facts of a session), filed under keys derived from the session's and sealed
//! like the session record. Also the few login internals those features answer with.

use std::sync::Arc;

use http::HeaderMap;

use super::FeideLogin;
use crate::denial::SharedRenderer;
use crate::session::SessionRefs;
use crate::store::{Record, SessionStore, StoreError, StoreErrorKind, StoreKey, Versioned};

/// A login's session store, for records that live beside its sessions.
#[derive(Clone, Debug)]
pub(crate) struct SideRecords {
    store: Arc<dyn SessionStore>,
    refs: SessionRefs,
}

/// A side record as loaded: its opened plaintext and its version (for the rewrite).
pub(crate) struct SideRecord {
    pub(crate) plaintext: Option<Vec<u8>>,
    version: u64,
}

impl SideRecords {
    /// The key of the `purpose` record of the session filed under `session`. Derived with the
    /// login's keyed hash: the store cannot tie it to the session without the secret.
    pub(crate) fn key(&self, purpose: &str, session: &StoreKey) -> StoreKey {
        self.refs.side_key(purpose, session)
    }

    /// The record under `key`, opened (`plaintext` is `None` when it does not open); `None`
    /// when there is none (or it expired).
    pub(crate) async fn load(&self, key: &StoreKey) -> Result<Option<SideRecord>, StoreError> {
        Ok(self
            .store
            .load(key)
            .await?
            .map(|Versioned { record, version }| SideRecord {
                plaintext: self.refs.open_record(key, &record.data).ok(),
                version,
            }))
    }

    /// Writes `plaintext` under `key` (sealed, bound to the key), until `expires_at` (Unix
    /// seconds), replacing `previous` when given. Another writer's record in the meantime is
    /// left in place (it is as fresh).
    pub(crate) async fn save(
        &self,
        key: &StoreKey,
        plaintext: &[u8],
        expires_at: u64,
        previous: Option<&SideRecord>,
    ) -> Result<(), StoreError> {
        let record = Record {
            data: self.refs.seal_record(key, plaintext),
            // Indexed under its own key: it is no session of the user's.
            subject: *key,
            sid: None,
            expires_at,
        };
        let written = match previous {
            Some(previous) => self
                .store
                .update(key, previous.version, &record)
                .await
                .map(|_| ()),
            None => self.store.insert(key, &record).await,
        };
        match written {
            Err(e) if e.kind() == StoreErrorKind::Conflict => Ok(()),
            other => other,
        }
    }
}

impl FeideLogin {
    /// Where records beside this login's sessions live: `None` for cookie sessions.
    pub(crate) fn side_records(&self) -> Option<SideRecords> {
        self.config.stored.as_ref().map(|stored| SideRecords {
            store: Arc::clone(&stored.store),
            refs: stored.refs.clone(),
        })
    }

    /// The login's body renderer ([`render_body`](super::FeideLoginBuilder::render_body)).
    pub(crate) fn renderer(&self) -> Option<&SharedRenderer> {
        self.config.renderer.as_ref()
    }
}

/// Whether the caller is a browser navigating, as the login's guards tell them apart.
pub(crate) fn is_browser(headers: &HeaderMap) -> bool {
    super::require_login::is_browser(headers)
}
