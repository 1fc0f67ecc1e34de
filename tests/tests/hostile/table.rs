//! The table runner: every case is one request with the exact status it must get, plus an
//! optional extra check on the answer. All mismatches of a table are reported together.

use std::net::SocketAddr;

use crate::panics;
use crate::wire::{self, Reply, Request};

/// What else an answer must satisfy.
#[derive(Clone, Debug)]
pub enum Check {
    /// Only the status.
    Status,
    /// No session cookie is set (every refusal at `/callback`).
    NoSession,
    /// A session cookie is set (the positive controls at `/callback`).
    Session,
    /// The JSON body's `sub` (axum-login `/me`) or `subject` (axum-datasource `/me`) is this.
    Subject(String),
}

/// One row of a table.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub request: Request,
    pub expected_status: u16,
    pub check: Check,
    /// Another server than the table's (e.g. a second instance of the same app).
    pub at: Option<SocketAddr>,
}

impl Case {
    pub fn new(name: impl Into<String>, request: Request, expected_status: u16) -> Case {
        Case {
            name: name.into(),
            request,
            expected_status,
            check: Check::Status,
            at: None,
        }
    }

    pub fn at(mut self, addr: SocketAddr) -> Case {
        self.at = Some(addr);
        self
    }

    pub fn check(mut self, check: Check) -> Case {
        self.check = check;
        self
    }
}

fn subject(reply: &Reply) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(&reply.body).ok()?;
    body.get("sub")
        .or_else(|| body.get("subject"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// Why `reply` does not satisfy `case`, if it does not.
pub fn mismatch(case: &Case, reply: &Reply) -> Option<String> {
    if reply.status != case.expected_status {
        let body = reply.text();
        let body = body.get(..200.min(body.len())).unwrap_or_default();
        return Some(format!(
            "{}: status {} (expected {}); body {body:?}",
            case.name, reply.status, case.expected_status
        ));
    }
    let problem = match &case.check {
        Check::Status => None,
        Check::NoSession => reply
            .sets_session()
            .then(|| "a session cookie was set".to_owned()),
        Check::Session => (!reply.sets_session()).then(|| "no session cookie".to_owned()),
        Check::Subject(want) => {
            let got = subject(reply);
            (got.as_deref() != Some(want.as_str())).then(|| format!("subject {got:?}"))
        }
    };
    problem.map(|p| format!("{}: {p}", case.name))
}

/// Runs every case of `category` against `addr`; panics listing all mismatches. Returns the
/// number of cases.
pub async fn run(category: &str, addr: SocketAddr, cases: &[Case]) -> usize {
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for case in cases {
        assert!(
            names.insert(&case.name),
            "duplicate case name {}",
            case.name
        );
        match wire::send(case.at.unwrap_or(addr), &case.request).await {
            Ok(reply) => failures.extend(mismatch(case, &reply)),
            Err(e) => failures.push(format!("{}: no answer: {e}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{category}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    panics::assert_none(category);
    cases.len()
}
