//! Server-side session stores: the contract ([`SessionStore`]) and its implementations.
//!
//! By default the login layer keeps the whole session in an encrypted cookie (nothing on the
//! server). With a store ([`FeideLoginBuilder::session_store`](crate::login::FeideLoginBuilder::session_store)),
//! the cookie holds only a sealed reference and the session lives here, so that logout revokes
//! it on every replica, tokens never reach the browser, and replicas coordinate refreshes.
//!
//! The store never sees a session id, a token or a user id: the login layer hands it
//! [`StoreKey`]s (keyed hashes of the session id, the subject and the provider's `sid`) and
//! [`Record::data`], which it has already sealed with AES-256-GCM under `APP_SECRET_KEY`.
//!
//! # The contract
//!
//! Every implementation must hold to this (the integration tests check both implementations
//! against one suite):
//!
//! * [`insert`](SessionStore::insert) creates a record at version 1, and fails with
//!   [`StoreErrorKind::Conflict`] if the key exists.
//! * [`load`](SessionStore::load) returns the record and its version, or `None` when it does not
//!   exist or its [`expires_at`](Record::expires_at) has passed.
//! * [`update`](SessionStore::update) is a compare-and-swap: it writes only if the stored
//!   version equals the expected one, and then bumps the version by one. It **never
//!   resurrects**: updating a record that was deleted (or expired) answers
//!   [`Updated::Gone`], it does not create it again.
//! * Every write ([`insert`](SessionStore::insert), [`update`](SessionStore::update)) re-applies
//!   the record's absolute expiry: the store forgets the record at
//!   [`expires_at`](Record::expires_at) on its own.
//! * [`delete`](SessionStore::delete), [`delete_by_subject`](SessionStore::delete_by_subject) and
//!   [`delete_by_sid`](SessionStore::delete_by_sid) remove records for good;
//!   [`list_by_subject`](SessionStore::list_by_subject) and
//!   [`list_by_sid`](SessionStore::list_by_sid) list the live ones.
//! * A failure (unreachable, timed out, refused) is a [`StoreError`], never an empty answer:
//!   the login layer answers `503` with `Retry-After` for it, and never signs the user out.
//! * [`ping`](SessionStore::ping) answers `Ok` only when the store could serve a session now;
//!   readiness probes ([`feide_tower::health`](crate::health)) call it. It is a provided
//!   method: by default it [`load`](SessionStore::load)s a fixed probe key (that no session
//!   uses) and keeps only its error, so an implementation written before it keeps compiling
//!   and is checked honestly. `RedisStore` sends `PING` (in a
//!   cluster, to every primary: see its docs); [`MemoryStore`] is always reachable.
//!
//! # Implementations
//!
//! [`MemoryStore`] (one process) and, with the `redis` feature, `RedisStore`.

mod config;
mod error;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use config::{StoreConfigError, from_url, from_url_with_ca_file};
pub use error::{StoreError, StoreErrorKind};
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};

/// A boxed, sendable future: what [`SessionStore`]'s methods return (a store is used as
/// `Arc<dyn SessionStore>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A key the store files records under: a keyed hash (HMAC-SHA256 with a key derived from
/// `APP_SECRET_KEY`) of a session id, a subject or a provider session id. Knowing a key does not
/// give the value it was derived from, so a store dump or `MONITOR` yields no usable cookie.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey([u8; 32]);

impl StoreKey {
    /// A key from its 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex (64 characters): how stores spell it in their own keys.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// The key back from [`to_hex`](Self::to_hex); `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            // Two hex digits fit in a byte.
            out[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(Self(out))
    }
}

impl fmt::Debug for StoreKey {
    // A prefix is enough to tell keys apart in logs; the key is a hash, not a secret, but it is
    // long.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreKey({}…)", &self.to_hex()[..12])
    }
}

/// One session as the store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// The sealed session (opaque to the store).
    pub data: Vec<u8>,
    /// The key of the user the session belongs to (issuer and subject), for
    /// [`list_by_subject`](SessionStore::list_by_subject).
    pub subject: StoreKey,
    /// The key of the provider's session id (`sid`), if it sent one, for
    /// [`list_by_sid`](SessionStore::list_by_sid).
    pub sid: Option<StoreKey>,
    /// When the store forgets the record (Unix seconds), whatever happens.
    pub expires_at: u64,
}

impl fmt::Debug for Record {
    // Never the data, even sealed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("data_len", &self.data.len())
            .field("subject", &self.subject)
            .field("sid", &self.sid)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A record as loaded, with the version an [`update`](SessionStore::update) must name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The record.
    pub record: Record,
    /// Its version: 1 when inserted, one more on every update.
    pub version: u64,
}

/// What a compare-and-swap [`update`](SessionStore::update) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Updated {
    /// Written; the record's new version.
    Written(u64),
    /// Not written: the record has another version now (somebody else wrote first).
    Conflict,
    /// Not written: the record no longer exists (deleted or expired). It is not re-created.
    Gone,
}

/// Where the login layer keeps sessions when they do not live in the cookie. See the
/// [module documentation](self) for the contract every implementation keeps.
///
/// Implementations: [`MemoryStore`] (one process; tests) and, with the `redis` feature,
/// `RedisStore` (Redis or Valkey, single or cluster).
pub trait SessionStore: Send + Sync + fmt::Debug + 'static {
    /// Creates `record` under `key` at version 1; [`StoreErrorKind::Conflict`] if the key exists.
    fn insert<'a>(&'a self, key: &'a StoreKey, record: &'a Record) -> StoreFuture<'a, ()>;

    /// The live record under `key`, if any.
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<Versioned>>;

    /// Replaces the record under `key` with `record` if its version is still `expected`; never
    /// re-creates a deleted record.
    fn update<'a>(
        &'a self,
        key: &'a StoreKey,
        expected: u64,
        record: &'a Record,
    ) -> StoreFuture<'a, Updated>;

    /// Deletes the record under `key`; whether it existed.
    fn delete<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, bool>;

    /// The keys of the live records of `subject`.
    fn list_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>>;

    /// Deletes every record of `subject`; how many there were.
    fn delete_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, u64>;

    /// The keys of the live records with the provider session id `sid`.
    fn list_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>>;

    /// Deletes every record with the provider session id `sid`; how many there were.
    fn delete_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, u64>;

    /// Whether the store can serve sessions now: `Ok`, or the [`StoreError`] a session
    /// operation would get. For readiness probes; it reads and writes no session.
    ///
    /// The default [`load`](Self::load)s [`PROBE_KEY`] (which no session uses: store keys are
    /// HMAC outputs) and ignores what it finds, keeping only an error. Override it with
    /// something cheaper and as honest (a `PING` on the connection sessions use).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use feide_tower::store::{MemoryStore, SessionStore};
    ///
    /// assert!(MemoryStore::new(10).ping().await.is_ok());
    /// # }
    /// ```
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.load(&PROBE_KEY).await.map(|_| ()) })
    }
}

/// The key [`SessionStore::ping`] loads by default: all zero bytes, which no HMAC-derived
/// session key is in practice.
pub static PROBE_KEY: StoreKey = StoreKey::from_bytes([0; 32]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_hex() {
        let key = StoreKey::from_bytes([0xa5; 32]);
        assert_eq!(StoreKey::from_hex(&key.to_hex()), Some(key));
        assert_eq!(StoreKey::from_hex("zz"), None);
        assert_eq!(StoreKey::from_hex(&"g".repeat(64)), None);
        assert!(format!("{key:?}").len() < 30);
    }
}
