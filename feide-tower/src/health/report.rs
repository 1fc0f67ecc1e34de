//! [`Readiness`]: the result of one readiness check, as data and as the JSON body probes get.

use std::time::Duration;

use serde_json::{Value, json};

use crate::store::StoreErrorKind;
use crate::token::KeyStatus;

/// The result of [`Health::check`](super::Health::check): ready or not, and why.
///
/// Holds issuers, counts, durations and error kinds only: never a key, a token, a store URL
/// or a password, so it can be served to anyone who can reach the probe path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Readiness {
    /// Whether every check passed: what `/readyz` answers `200` for.
    pub ready: bool,
    /// One entry per check: the keys checks, then the store checks, each in the order they
    /// were added to the builder.
    pub checks: Vec<CheckReport>,
}

/// One check of a [`Readiness`] report.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckReport {
    /// A provider's signing keys (`"name": "keys"` in JSON).
    Keys(KeysCheck),
    /// A session store (`"name": "session_store"` in JSON).
    SessionStore(StoreCheck),
}

/// The signing keys of one issuer, as a readiness check saw them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeysCheck {
    /// The issuer whose keys these are.
    pub issuer: String,
    /// Whether they make the application ready.
    pub ok: bool,
    /// Why not, when not.
    pub problem: Option<KeysProblem>,
    /// The key cache's state after the check (which may have refreshed it).
    pub status: KeyStatus,
}

/// Why a [`KeysCheck`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeysProblem {
    /// No key set was ever loaded: every token would be refused (`"cold"`).
    Cold,
    /// The keys are older than [`max_key_age`](super::HealthBuilder::max_key_age)
    /// (`"too_old"`).
    TooOld,
}

/// A session store, as a readiness check saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreCheck {
    /// The name of the login whose store this is, when it was added with
    /// [`HealthBuilder::login`](super::HealthBuilder::login).
    pub login: Option<String>,
    /// Whether the store answered [`ping`](crate::store::SessionStore::ping) in time.
    pub ok: bool,
    /// What kind of failure, when not ([`StoreErrorKind::Timeout`] also when the check's own
    /// timeout cut it off). The kind only: a store's message names its address.
    pub error: Option<StoreErrorKind>,
    /// How long the ping took (at most about the check timeout).
    pub elapsed: Duration,
}

impl CheckReport {
    /// The check's name in JSON: `keys` or `session_store`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Keys(_) => "keys",
            Self::SessionStore(_) => "session_store",
        }
    }

    /// Whether the check passed.
    pub fn ok(&self) -> bool {
        match self {
            Self::Keys(check) => check.ok,
            Self::SessionStore(check) => check.ok,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Keys(check) => {
                let status = &check.status;
                let mut out = json!({
                    "name": self.name(),
                    "issuer": check.issuer,
                    "ok": check.ok,
                    "loaded": status.loaded,
                    "keys": status.keys,
                    "age_seconds": status.age.map(|age| age.as_secs()),
                    "last_refresh": status.last_refresh.map(|attempt| json!({
                        "result": if attempt.succeeded { "success" } else { "failure" },
                        "seconds_ago": attempt.ago.as_secs(),
                    })),
                });
                if let Some(problem) = check.problem {
                    out["problem"] = Value::from(match problem {
                        KeysProblem::Cold => "cold",
                        KeysProblem::TooOld => "too_old",
                    });
                }
                out
            }
            Self::SessionStore(check) => {
                let mut out = json!({
                    "name": self.name(),
                    "ok": check.ok,
                    "elapsed_ms": u64::try_from(check.elapsed.as_millis()).unwrap_or(u64::MAX),
                });
                if let Some(login) = &check.login {
                    out["login"] = Value::from(login.as_str());
                }
                if let Some(kind) = check.error {
                    out["error"] = Value::from(kind_name(kind));
                }
                out
            }
        }
    }
}

impl Readiness {
    /// The check named `name` (`keys`, `session_store`), the first if there are several.
    pub fn check(&self, name: &str) -> Option<&CheckReport> {
        self.checks.iter().find(|c| c.name() == name)
    }

    /// The JSON body of `/readyz`:
    ///
    /// ```json
    /// {"ready": false, "checks": [
    ///   {"name": "keys", "issuer": "https://auth.dataporten.no", "ok": false, "problem": "cold",
    ///    "loaded": false, "keys": 0, "age_seconds": null,
    ///    "last_refresh": {"result": "failure", "seconds_ago": 3}},
    ///   {"name": "session_store", "ok": true, "elapsed_ms": 1}
    /// ]}
    /// ```
    ///
    /// A failed store check adds `"error"`: `unavailable`, `timeout` or `protocol`.
    pub fn to_json(&self) -> String {
        json!({
            "ready": self.ready,
            "checks": self.checks.iter().map(CheckReport::to_json).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

/// A store error kind as JSON names it.
fn kind_name(kind: StoreErrorKind) -> &'static str {
    match kind {
        StoreErrorKind::Unavailable => "unavailable",
        StoreErrorKind::Timeout => "timeout",
        StoreErrorKind::Conflict => "conflict",
        StoreErrorKind::Protocol => "protocol",
    }
}
