//! The `feide.session` span: one per request through the login layer (and per call of
//! [`FeideLogin::session`](super::FeideLogin::session) /
//! [`session_refreshed`](super::FeideLogin::session_refreshed)), the per-request session
//! decision.
//!
//! Fields, recorded only when the span is enabled (it is at debug level: a service logging at
//! info pays for a disabled span, a few instructions):
//!
//! * `outcome`: `signed_in` | `refreshed` (signed in, the access token refreshed on the way) |
//!   `anonymous` (no session cookie) | `refused` (a session cookie that is no longer good: it
//!   is deleted) | `unavailable` (the store or, for a due refresh, the provider could not answer);
//! * `reason`, for `refused` and `unavailable`: `malformed`, `unknown_version`, `undecryptable`,
//!   `too_large`, `expired`, `idle`, `payload`, `chunks`, `reference`, `revoked`,
//!   `revoked_by_provider`, `refresh_refused`, `store_unavailable`, `provider_unreachable`;
//! * `cache`: `hit` | `miss` of the opened-session cache (with a store: whether the session
//!   came from memory or from the store); not recorded when no cache was consulted.
//!
//! Never the cookie, a token or the user.

use tracing::Span;
use tracing::field::Empty;

use super::session_lookup::SessionLookup;
use crate::session::cookie::OpenError;
use crate::telemetry::labels::CacheUse;

/// How a lookup was decided, for its span; carried in [`SessionLookup`]. Three bytes: it is
/// moved with every lookup on the hot path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trace {
    /// How the opened-session cache (or the near cache) was used.
    pub(crate) cache: CacheUse,
    /// Why a cookie was refused.
    pub(crate) reason: Option<Refusal>,
    /// The access token was refreshed (here or, with a store, by another replica).
    pub(crate) refreshed: bool,
}

impl Default for Trace {
    fn default() -> Self {
        Self {
            cache: CacheUse::None,
            reason: None,
            refreshed: false,
        }
    }
}

/// The span of one session decision.
#[inline]
pub(crate) fn session_span() -> Span {
    tracing::debug_span!(
        "feide.session",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    )
}

/// Records `lookup`'s outcome on `span` and emits one event; nothing when the span is disabled.
#[inline]
pub(crate) fn observe(span: &Span, lookup: &SessionLookup) {
    if !span.is_disabled() {
        record(span, lookup);
    }
}

#[cold]
fn record(span: &Span, lookup: &SessionLookup) {
    let trace = &lookup.trace;
    // Recorded in the order of the fields, as a `fmt` subscriber then prints them.
    let (outcome, reason) = if lookup.session.is_some() {
        let outcome = if trace.refreshed {
            "refreshed"
        } else {
            "signed_in"
        };
        (outcome, None)
    } else if lookup.store_error.is_some() {
        ("unavailable", Some("store_unavailable"))
    } else if let Some(reason) = trace.reason {
        ("refused", Some(reason.as_str()))
    } else {
        ("anonymous", None)
    };
    span.record("outcome", outcome);
    if let Some(reason) = reason {
        span.record("reason", reason);
    }
    if trace.cache != CacheUse::None {
        span.record("cache", trace.cache.as_str());
    }
    span.in_scope(|| tracing::debug!("session decided"));
}

/// Records a decision that ended in an answer instead of a lookup: the provider could not
/// refresh an expired access token.
pub(crate) fn observe_unreachable(span: &Span) {
    if !span.is_disabled() {
        span.record("outcome", "unavailable");
        span.record("reason", "provider_unreachable");
        span.in_scope(|| tracing::debug!("session decided"));
    }
}

/// Why a session cookie was refused (`reason` of a `refused` session decision).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Malformed,
    UnknownVersion,
    Undecryptable,
    TooLarge,
    Expired,
    Idle,
    Payload,
    /// The cookie's chunks do not join.
    Chunks,
    /// A stored session's reference did not open.
    Reference,
    /// The stored session is gone (logged out, revoked).
    Revoked,
    /// On the provider's revocation list (back- or front-channel logout).
    RevokedByProvider,
    /// The provider refused the refresh token.
    RefreshRefused,
    /// The front-channel logout of this browser's session.
    FrontchannelLogout,
}

impl Refusal {
    /// The reason code.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownVersion => "unknown_version",
            Self::Undecryptable => "undecryptable",
            Self::TooLarge => "too_large",
            Self::Expired => "expired",
            Self::Idle => "idle",
            Self::Payload => "payload",
            Self::Chunks => "chunks",
            Self::Reference => "reference",
            Self::Revoked => "revoked",
            Self::RevokedByProvider => "revoked_by_provider",
            Self::RefreshRefused => "refresh_refused",
            Self::FrontchannelLogout => "frontchannel_logout",
        }
    }

    /// The refusal of a cookie that did not open.
    pub(crate) fn of_open(error: &OpenError) -> Self {
        match error {
            OpenError::Malformed => Self::Malformed,
            OpenError::UnknownVersion => Self::UnknownVersion,
            OpenError::Undecryptable => Self::Undecryptable,
            OpenError::TooLarge => Self::TooLarge,
            OpenError::Expired => Self::Expired,
            OpenError::Idle => Self::Idle,
            OpenError::Payload => Self::Payload,
        }
    }
}
