//! The keys check: is a provider's signing-key cache warm (and, if asked, fresh)?

use std::time::Duration;

use super::report::{KeysCheck, KeysProblem};
use crate::token::{Jwks, KeyStatus};

/// One issuer's key cache, checked by readiness.
#[derive(Clone, Debug)]
pub(crate) struct KeysTarget {
    pub(crate) issuer: String,
    pub(crate) jwks: Jwks,
}

impl KeysTarget {
    /// Checks the keys. When they are cold (or older than `max_age`), first asks the cache for
    /// a refresh (single-flight, under the cache's on-demand cooldown: probes cannot hammer the
    /// provider) and waits for it at most `timeout`. The refresh runs as its own task, so a
    /// probe that stops waiting does not cancel a fetch half-way.
    pub(crate) async fn check(&self, max_age: Option<Duration>, timeout: Duration) -> KeysCheck {
        if problem(&self.jwks.status(), max_age).is_some() {
            let jwks = self.jwks.clone();
            let refresh = tokio::spawn(async move { jwks.refresh_if_stale(max_age).await });
            // Timed out or not, the report below reads whatever the cache holds now.
            let _ = tokio::time::timeout(timeout, refresh).await;
        }
        let status = self.jwks.status();
        let problem = problem(&status, max_age);
        if let Some(problem) = problem {
            tracing::debug!(issuer = %self.issuer, ?problem, "readiness: signing keys not ready");
        }
        KeysCheck {
            issuer: self.issuer.clone(),
            ok: problem.is_none(),
            problem,
            status,
        }
    }
}

/// Why keys in this state would make the application unready, if they would.
fn problem(status: &KeyStatus, max_age: Option<Duration>) -> Option<KeysProblem> {
    if status.is_cold() {
        Some(KeysProblem::Cold)
    } else if max_age.is_some_and(|max| status.older_than(max)) {
        Some(KeysProblem::TooOld)
    } else {
        None
    }
}
