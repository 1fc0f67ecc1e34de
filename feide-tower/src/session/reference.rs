//! [`SessionRefs`]: what the cookie holds when sessions live in a store, and the keys the store
//! files them under.
//!
//! The cookie holds a sealed reference: 32 random bytes (the session id), sealed with
//! AES-256-GCM for this login and cookie name, 89 characters in all. The store never sees the
//! id: it files the session under HMAC-SHA256(key, id), with a key derived from the secret that
//! sealed the reference. So neither a store dump nor `MONITOR` yields a usable cookie, and a
//! reference sealed with an older key of the ring still finds its record.
//!
//! The record itself is sealed too ([`seal_record`](SessionRefs::seal_record)), bound to the
//! store key it is filed under: a record copied to another key does not open.

use std::sync::Arc;

use aws_lc_rs::hmac;

use super::KeyRing;
use super::cookie::{CookieCodec, OpenError};
use crate::store::StoreKey;

/// Bytes of randomness in a session id (256 bits; the issue asks for at least 128).
const ID_LEN: usize = 32;
/// Largest sealed record opened (a session with very large tokens is some 20 KB).
const MAX_RECORD_LEN: usize = 1024 * 1024;

/// Cookie references and store keys for one login's sessions.
#[derive(Clone)]
pub(crate) struct SessionRefs {
    /// Seals the cookie reference (purpose `login-store-ref/<login>`).
    reference: CookieCodec,
    /// Seals the record in the store (purpose `login-store-record/<login>`).
    record: CookieCodec,
    /// One keyed hash per secret of the ring, the sealing secret's first.
    hashes: Arc<[hmac::Key]>,
}

/// A reference opened from a cookie: the record's key, and whether it was sealed with an older
/// secret of the ring (then the cookie is re-issued).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenedRef {
    pub(crate) key: StoreKey,
    pub(crate) old_key: bool,
}

impl SessionRefs {
    pub(crate) fn new(ring: &KeyRing, login_name: &str) -> Self {
        Self {
            reference: CookieCodec::with_purpose(
                ring.clone(),
                &format!("login-store-ref/{login_name}"),
            )
            .with_max_value_len(256),
            record: CookieCodec::with_purpose(
                ring.clone(),
                &format!("login-store-record/{login_name}"),
            )
            .with_max_value_len(MAX_RECORD_LEN),
            hashes: ring.derive_hmac(&format!("login-store-key/{login_name}")),
        }
    }

    /// A new session: the cookie value to send, and the key to file the record under.
    ///
    /// # Panics
    /// Only if the operating system's random generator fails (as sealing does).
    pub(crate) fn mint(&self, cookie_name: &str) -> (String, StoreKey) {
        let mut id = [0u8; ID_LEN];
        // Without randomness there is no safe session id: refuse loudly, as sealing does.
        aws_lc_rs::rand::fill(&mut id).expect("the system random generator failed");
        let value = self.reference.seal(cookie_name, &id);
        // The hash list is never empty (one per secret, at least one secret).
        let key = keyed(&self.hashes[0], &id);
        id.fill(0);
        (value, key)
    }

    /// The key of the session a cookie value refers to.
    pub(crate) fn open(&self, cookie_name: &str, value: &str) -> Result<OpenedRef, OpenError> {
        let (mut id, index) = self.reference.open_indexed(cookie_name, value)?;
        let hash = self.hashes.get(index).ok_or(OpenError::Undecryptable)?;
        if id.len() != ID_LEN {
            return Err(OpenError::Malformed);
        }
        let key = keyed(hash, &id);
        id.fill(0);
        Ok(OpenedRef {
            key,
            old_key: index > 0,
        })
    }

    /// The keys a user's sessions are indexed under, one per secret of the ring (sessions made
    /// before a key rotation are indexed under the older secret's).
    pub(crate) fn subject_keys(&self, iss: &str, sub: &str) -> Vec<StoreKey> {
        self.hashes
            .iter()
            .map(|hash| keyed_parts(hash, b"subject", iss, sub))
            .collect()
    }

    /// The keys a provider session id is indexed under, one per secret of the ring.
    pub(crate) fn sid_keys(&self, iss: &str, sid: &str) -> Vec<StoreKey> {
        self.hashes
            .iter()
            .map(|hash| keyed_parts(hash, b"sid", iss, sid))
            .collect()
    }

    /// The subject index key for a new record (the sealing secret's).
    pub(crate) fn subject_key(&self, iss: &str, sub: &str) -> StoreKey {
        keyed_parts(&self.hashes[0], b"subject", iss, sub)
    }

    /// The sid index key for a new record (the sealing secret's).
    pub(crate) fn sid_key(&self, iss: &str, sid: &str) -> StoreKey {
        keyed_parts(&self.hashes[0], b"sid", iss, sid)
    }

    /// The key a provider's logout token `jti` is remembered under, so that the token is
    /// accepted once across every replica.
    pub(crate) fn jti_key(&self, iss: &str, jti: &str) -> StoreKey {
        keyed_parts(&self.hashes[0], b"logout-jti", iss, jti)
    }

    /// The key of a record another feature keeps beside the session filed under `session`
    /// (`purpose` names the feature, e.g. `authz-facts`).
    pub(crate) fn side_key(&self, purpose: &str, session: &StoreKey) -> StoreKey {
        keyed_parts(&self.hashes[0], b"side", purpose, &session.to_hex())
    }

    /// Seals a record's plaintext, bound to the key it is filed under.
    pub(crate) fn seal_record(&self, key: &StoreKey, plaintext: &[u8]) -> Vec<u8> {
        self.record.seal(&key.to_hex(), plaintext).into_bytes()
    }

    /// Opens a record filed under `key`.
    pub(crate) fn open_record(&self, key: &StoreKey, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let sealed = std::str::from_utf8(sealed).map_err(|_| OpenError::Malformed)?;
        self.record.open(&key.to_hex(), sealed)
    }
}

impl std::fmt::Debug for SessionRefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRefs")
            .field("keys", &self.hashes.len())
            .finish()
    }
}

fn keyed(hash: &hmac::Key, id: &[u8]) -> StoreKey {
    let tag = hmac::sign(hash, id);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    StoreKey::from_bytes(out)
}

/// A keyed hash of a labelled pair, each part length-prefixed so that no two pairs collide.
fn keyed_parts(hash: &hmac::Key, label: &[u8], a: &str, b: &str) -> StoreKey {
    let mut ctx = hmac::Context::with_key(hash);
    for part in [label, a.as_bytes(), b.as_bytes()] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    StoreKey::from_bytes(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(secrets: &[&str]) -> KeyRing {
        KeyRing::from_secrets(secrets).expect("test keys")
    }

    const K1: &str = "PomoDJgTUK1yP9y2jPO25r/8HGzsUA56DkeceG+M8DI=";
    const K2: &str = "q3W1m2N8d0xY5tR7uV9bC4eF6gH2jK8lP1oI3uY7tRw=";

    #[test]
    fn a_reference_is_small_finds_its_key_and_holds_no_key_bytes() {
        let refs = SessionRefs::new(&ring(&[K1]), "default");
        let (value, key) = refs.mint("feide_session");
        assert!(value.len() <= 100, "{} bytes", value.len());
        let opened = refs.open("feide_session", &value).expect("opens");
        assert_eq!(
            opened,
            OpenedRef {
                key,
                old_key: false
            }
        );
        assert!(!value.contains(&key.to_hex()));
        // Bound to the cookie name and to the login.
        assert!(refs.open("other", &value).is_err());
        let other = SessionRefs::new(&ring(&[K1]), "idporten");
        assert!(other.open("feide_session", &value).is_err());
        // Two sessions never share a key.
        assert_ne!(refs.mint("feide_session").1, key);
    }

    #[test]
    fn after_a_key_rotation_old_references_find_their_records() {
        let old = SessionRefs::new(&ring(&[K1]), "default");
        let (value, key) = old.mint("s");
        let rotated = SessionRefs::new(&ring(&[K2, K1]), "default");
        assert_eq!(
            rotated.open("s", &value).expect("opens"),
            OpenedRef { key, old_key: true }
        );
        assert!(
            rotated
                .subject_keys("i", "alice")
                .contains(&old.subject_key("i", "alice"))
        );
    }

    #[test]
    fn records_are_bound_to_their_key() {
        let refs = SessionRefs::new(&ring(&[K1]), "default");
        let (_, a) = refs.mint("s");
        let (_, b) = refs.mint("s");
        let sealed = refs.seal_record(&a, b"{\"access_token\":\"AT-secret\"}");
        assert!(!String::from_utf8_lossy(&sealed).contains("AT-secret"));
        assert_eq!(
            refs.open_record(&a, &sealed).expect("opens"),
            b"{\"access_token\":\"AT-secret\"}"
        );
        assert!(refs.open_record(&b, &sealed).is_err());
    }

    #[test]
    fn index_keys_do_not_collide_across_parts() {
        let refs = SessionRefs::new(&ring(&[K1]), "default");
        assert_ne!(refs.subject_key("ab", "c"), refs.subject_key("a", "bc"));
        assert_ne!(refs.subject_key("i", "s"), refs.sid_key("i", "s"));
    }
}
