//! [`StoreError`]: why a store could not answer.

use std::fmt;

/// What kind of failure a [`StoreError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The store cannot be reached (connection refused or lost, reconnecting, cluster down).
    Unavailable,
    /// The store did not answer within the command timeout.
    Timeout,
    /// An insert found the key taken.
    Conflict,
    /// The store answered something this client does not understand.
    Protocol,
}

/// A store that could not answer. The login layer answers `503` with `Retry-After` for it and
/// keeps the user's cookie: a failing store never signs anyone out.
///
/// The message names what failed (an address, a command), never a key's value or a record.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
}

impl StoreError {
    /// An error of `kind`, described by `message` (no secrets: it is logged).
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StoreErrorKind::Unavailable => "session store unavailable",
            StoreErrorKind::Timeout => "session store timed out",
            StoreErrorKind::Conflict => "session store key already taken",
            StoreErrorKind::Protocol => "session store answered unexpectedly",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl std::error::Error for StoreError {}
