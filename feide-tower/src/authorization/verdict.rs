//! [`Verdict`]: what a guard decided, and the answers it gives when it refuses.

use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::facts::FeideFacts;
use crate::answer::Answer;
use crate::denial::{Denial, SharedRenderer};

/// `Retry-After` (seconds) of the `503` answered when Feide's APIs could not say.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// What a guard decided about one request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Verdict {
    /// Let in: the facts the rule was checked against.
    Allowed(FeideFacts),
    /// No user: the answer [`RequireLoginLayer`](crate::login::RequireLoginLayer) gives (a
    /// redirect to login for browsers, `401` for API callers), or `401` for a data source
    /// without a bearer principal.
    LoginRequired(Answer),
    /// The user does not meet the rule: `403`, naming the failed requirement's kind.
    Forbidden {
        /// The kind of the requirement that failed (`affiliation`, `organization`, `group`,
        /// `group_type`, `mfa`, `any_of`, `user`, ...).
        requirement: &'static str,
        /// The answer to send.
        answer: Answer,
    },
    /// Feide's APIs (or the session store) could not say: `503` with `Retry-After`. Never an
    /// allow.
    Unavailable(Answer),
}

impl Verdict {
    /// The facts when allowed, else the answer to send.
    // The answer is the response: boxing it would only add an allocation.
    #[allow(clippy::result_large_err)]
    pub fn into_result(self) -> Result<FeideFacts, Answer> {
        match self {
            Self::Allowed(facts) => Ok(facts),
            Self::LoginRequired(answer)
            | Self::Forbidden { answer, .. }
            | Self::Unavailable(answer) => Err(answer),
        }
    }

    /// Whether the request is let in.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed(_))
    }
}

/// A small HTML page; `text` is ours (never request or user data).
fn page(status: StatusCode, title: &str, text: &str) -> Answer {
    Answer::page(
        status,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><h1>{title}</h1><p>{text}</p></body></html>"
        ),
    )
}

/// `403`: HTML for browsers, `{"error":"forbidden"}` for API callers, naming only the kind of
/// the requirement that failed; the body from `renderer` when given.
pub(crate) fn forbidden(
    requirement: &'static str,
    browser: bool,
    renderer: Option<&SharedRenderer>,
) -> Verdict {
    let answer = if browser {
        page(
            StatusCode::FORBIDDEN,
            "Access denied",
            &format!(
                "You are signed in, but this page is only for users who meet a requirement \
                 you do not ({requirement})."
            ),
        )
    } else {
        Answer::json(
            StatusCode::FORBIDDEN,
            format!(
                r#"{{"error":"forbidden","error_description":"The user does not meet the {requirement} requirement"}}"#
            ),
        )
    };
    Verdict::Forbidden {
        requirement,
        answer: rendered(answer, renderer),
    }
}

/// `503` with `Retry-After`: Feide's APIs could not say who the user is.
pub(crate) fn unavailable(browser: bool, renderer: Option<&SharedRenderer>) -> Verdict {
    let mut answer = if browser {
        page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again shortly",
            "We could not check your access right now. Please try again in a moment.",
        )
    } else {
        Answer::json(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":"temporarily_unavailable","error_description":"Feide's APIs could not be asked; try again"}"#,
        )
    };
    answer
        .headers
        .insert(RETRY_AFTER, HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS));
    Verdict::Unavailable(rendered(answer, renderer))
}

fn rendered(answer: Answer, renderer: Option<&SharedRenderer>) -> Answer {
    match renderer {
        Some(renderer) => renderer.login(Denial::Authorization(answer)),
        None => answer,
    }
}

/// Whether `headers` are a browser's (as the login's guards tell them apart).
pub(crate) fn is_browser(headers: &HeaderMap) -> bool {
    crate::login::is_browser(headers)
}
