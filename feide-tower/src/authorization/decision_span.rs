//! The span of one guard decision (`feide.authorization`), with the fields every layer's
//! decision span has: `outcome` (`allowed`, `forbidden`, `login_required`, `unavailable`),
//! `reason` (the failed requirement's kind: `affiliation`, `group`, `mfa`, …; never a value or
//! personal data) and `cache` (`hit` when the facts were kept, `miss` when they were read or
//! fetched). Debug level, like the other decision spans.

use std::sync::atomic::{AtomicU8, Ordering};

use tracing::field::Empty;
use tracing::{Instrument as _, Span};

use super::verdict::Verdict;
use crate::telemetry;
use crate::telemetry::labels::AuthorizationResult;

/// The facts were not looked up (no session, no user).
const NOT_LOOKED_UP: u8 = 0;
/// Looked up and kept.
const HIT: u8 = 1;
/// Looked up and read or fetched.
const MISS: u8 = 2;

/// How the facts were found during one decision: set by the guard, read by [`finish`].
#[derive(Default)]
pub(crate) struct Lookup(AtomicU8);

impl Lookup {
    /// The facts are being looked up (a hit unless [`fetched`](Self::fetched) follows).
    pub(crate) fn looked_up(&self) {
        let _ = self
            .0
            .compare_exchange(NOT_LOOKED_UP, HIT, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// They were not kept: read from the store or fetched from Feide.
    pub(crate) fn fetched(&self) {
        self.0.store(MISS, Ordering::Relaxed);
    }

    fn cache(&self) -> Option<&'static str> {
        match self.0.load(Ordering::Relaxed) {
            HIT => Some("hit"),
            MISS => Some("miss"),
            _ => None,
        }
    }
}

/// Runs `decision` (which notes in `lookup` how it found the facts) inside a new decision span,
/// then counts and records its verdict.
pub(crate) async fn traced(lookup: &Lookup, decision: impl Future<Output = Verdict>) -> Verdict {
    let span = tracing::debug_span!(
        "feide.authorization",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    );
    let verdict = decision.instrument(span.clone()).await;
    finish(&span, &verdict, lookup);
    verdict
}

/// Counts `verdict` in the metrics; records it and how the facts were found on `span`, and
/// emits its one event.
fn finish(span: &Span, verdict: &Verdict, lookup: &Lookup) {
    telemetry::authorization(match verdict {
        Verdict::Allowed(_) => AuthorizationResult::Allowed,
        Verdict::LoginRequired(_) => AuthorizationResult::LoginRequired,
        Verdict::Forbidden { .. } => AuthorizationResult::Forbidden,
        Verdict::Unavailable(_) => AuthorizationResult::Unavailable,
    });
    if span.is_disabled() {
        return;
    }
    let outcome = match verdict {
        Verdict::Allowed(_) => "allowed",
        Verdict::LoginRequired(_) => "login_required",
        Verdict::Forbidden { requirement, .. } => {
            span.record("reason", *requirement);
            "forbidden"
        }
        Verdict::Unavailable(_) => "unavailable",
    };
    span.record("outcome", outcome);
    if let Some(cache) = lookup.cache() {
        span.record("cache", cache);
    }
    span.in_scope(|| tracing::debug!("authorization decided"));
}
