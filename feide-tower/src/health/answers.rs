//! The probes' answers as plain [`Answer`]s: for the layer, and for frameworks that call
//! [`Health::liveness`](super::Health::liveness) and
//! [`Health::readiness`](super::Health::readiness) themselves.

use http::header::RETRY_AFTER;
use http::{HeaderValue, StatusCode};

use super::report::Readiness;
use crate::answer::Answer;

/// How soon a load balancer may ask again after a `503` (seconds).
const RETRY_AFTER_SECS: &str = "5";

/// `200 {"live":true}`: the process is up and serving HTTP.
pub(crate) fn live() -> Answer {
    Answer::json(StatusCode::OK, r#"{"live":true}"#)
}

/// `200` when ready, else `503` with `Retry-After`; the report as JSON either way.
pub(crate) fn ready(report: &Readiness) -> Answer {
    if report.ready {
        Answer::json(StatusCode::OK, report.to_json())
    } else {
        let mut answer = Answer::json(StatusCode::SERVICE_UNAVAILABLE, report.to_json());
        answer
            .headers
            .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
        answer
    }
}
