//! The span of one login-side decision answered with a page or a redirect (login start,
//! logout, back- and front-channel logout): `outcome` from the answer's status, `reason` from
//! the refusal site. Never a token, code, cookie or user id: only the crate's own codes.
//!
//! These routes are not the per-request hot path (the session decision is; see
//! `session_span`), so recording the reason through [`Span::current`] is fine here.

use http::StatusCode;
use tracing::Span;

use crate::answer::Answer;

/// `outcome` of an answer: `success` (the span's word for it) below 400, `refused` for a
/// `4xx`, `unavailable` when the provider or store could not answer (`502`–`504`), and
/// `misconfigured` for any other `5xx`.
pub(crate) fn outcome_of(status: StatusCode, success: &'static str) -> &'static str {
    match status.as_u16() {
        0..=399 => success,
        400..=499 => "refused",
        502..=504 => "unavailable",
        _ => "misconfigured",
    }
}

/// Records the outcome of `answer` on `span` (and a `reason` for a refusal that named none:
/// `method_not_allowed`) and emits one event, then returns the answer.
pub(crate) fn finish(span: &Span, answer: Answer, success: &'static str) -> Answer {
    if !span.is_disabled() {
        span.record("outcome", outcome_of(answer.status, success));
        if answer.status == StatusCode::METHOD_NOT_ALLOWED {
            span.record("reason", "method_not_allowed");
        }
        span.in_scope(|| tracing::debug!("request answered"));
    }
    answer
}

/// Records `reason` (one of the crate's reason codes) on the decision being made.
pub(crate) fn reason(reason: &'static str) {
    Span::current().record("reason", reason);
}
