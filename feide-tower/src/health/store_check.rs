//! The store check: does a session store answer [`ping`](crate::store::SessionStore::ping) in
//! time?

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::report::StoreCheck;
use crate::store::{SessionStore, StoreErrorKind};

/// One session store, checked by readiness.
#[derive(Clone, Debug)]
pub(crate) struct StoreTarget {
    /// The login it came from, if any.
    pub(crate) login: Option<String>,
    pub(crate) store: Arc<dyn SessionStore>,
}

impl StoreTarget {
    /// Pings the store; a store that has not answered within `timeout` is reported down
    /// ([`StoreErrorKind::Timeout`]).
    pub(crate) async fn check(&self, timeout: Duration) -> StoreCheck {
        let started = Instant::now();
        let error = match tokio::time::timeout(timeout, self.store.ping()).await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => {
                // The message names the operation and the address (never a password); it goes
                // to the log only, the report keeps the kind.
                tracing::debug!(%error, "readiness: session store not reachable");
                Some(error.kind())
            }
            Err(_) => {
                tracing::debug!(?timeout, "readiness: session store did not answer in time");
                Some(StoreErrorKind::Timeout)
            }
        };
        StoreCheck {
            login: self.login.clone(),
            ok: error.is_none(),
            error,
            elapsed: started.elapsed(),
        }
    }

    /// Whether `self` checks the same store as `other`.
    pub(crate) fn same_store(&self, other: &Arc<dyn SessionStore>) -> bool {
        Arc::ptr_eq(&self.store, other)
    }
}
