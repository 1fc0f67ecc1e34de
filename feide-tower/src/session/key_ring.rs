//! The AES-256-GCM keys that seal session cookies, derived once from the configured secrets.

use std::fmt;
use std::sync::Arc;

use aes_gcm::{Aes256Gcm, Key, KeyInit};
use aws_lc_rs::{digest, hkdf};

use super::KeyError;

/// HKDF salt: fixed, so the same secret always gives the same key.
const HKDF_SALT: &[u8] = b"feide-tower session v1";
/// HKDF info: what the derived key is for.
const HKDF_INFO: &[u8] = b"cookie aes-256-gcm";
/// Fewer distinct byte values than this and a secret is not random.
const MIN_DISTINCT_BYTES: usize = 10;

/// The keys that seal and open session cookies: the first one seals, any of them opens.
///
/// Each secret (base64, hex or a long passphrase: any text of at least
/// [`MIN_SECRET_LEN`](Self::MIN_SECRET_LEN) bytes) is stretched into a 256-bit AES key with
/// HKDF-SHA256 once, when the ring is built. Cloning is cheap (one reference count), so build the
/// ring once at startup and clone it wherever it is needed.
///
/// To rotate, put the new secret first and keep the old one after it (`APP_SECRET_KEY=new,old`):
/// new cookies are sealed with the new key and cookies sealed with the old one still open. Drop
/// the old secret once every session sealed with it has expired.
///
/// `Debug` shows only how many keys the ring holds.
///
/// ```
/// use feide_tower::session::KeyRing;
///
/// let ring = KeyRing::from_env_value(
///     "n3w-S3cret-from-openssl-rand-base64-32xx=, 0ld-S3cret-from-openssl-rand-base64-32xx=",
/// )?;
/// assert_eq!(ring.key_count(), 2);
/// assert_eq!(format!("{ring:?}"), "KeyRing { keys: 2 }");
///
/// let err = KeyRing::from_env_value("n3w-S3cret-from-openssl-rand-base64-32xx=,short").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "APP_SECRET_KEY key #2 is shorter than 32 bytes (5 bytes); \
///      generate one with `openssl rand -base64 32`"
/// );
/// # Ok::<(), feide_tower::session::KeyError>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    /// Never empty: every constructor checks.
    keys: Arc<[RingKey]>,
}

/// One derived key, ready to use.
#[derive(Clone)]
pub(super) struct RingKey {
    /// First 4 bytes of SHA-256 of the derived key: tells `open` which key to try.
    pub(super) hint: [u8; 4],
    /// The AES-256-GCM cipher with its key schedule expanded.
    pub(super) cipher: Aes256Gcm,
}

impl KeyRing {
    /// The environment variable [`from_env`](Self::from_env) reads.
    pub const ENV_VAR: &'static str = "APP_SECRET_KEY";
    /// The shortest accepted secret, in bytes.
    pub const MIN_SECRET_LEN: usize = 32;

    /// Builds the ring from secrets; the first one seals.
    ///
    /// # Errors
    /// [`KeyError`] if the list is empty or a secret is empty, shorter than
    /// [`MIN_SECRET_LEN`](Self::MIN_SECRET_LEN) or obviously not random.
    pub fn from_secrets(secrets: &[&str]) -> Result<Self, KeyError> {
        Self::build("session secret", secrets.iter().copied())
    }

    /// Builds the ring from the value of `APP_SECRET_KEY`: comma-separated secrets, the first one
    /// seals. Whitespace around each secret is ignored.
    ///
    /// # Errors
    /// As [`from_secrets`](Self::from_secrets); an empty item (`a,,b`, a trailing comma) is an
    /// error too.
    pub fn from_env_value(value: &str) -> Result<Self, KeyError> {
        if value.trim().is_empty() {
            return Err(KeyError::NoKeys {
                origin: Self::ENV_VAR,
            });
        }
        Self::build(Self::ENV_VAR, value.split(',').map(str::trim))
    }

    /// Builds the ring from the `APP_SECRET_KEY` environment variable.
    ///
    /// # Errors
    /// [`KeyError::Missing`] if it is not set, otherwise as
    /// [`from_env_value`](Self::from_env_value).
    pub fn from_env() -> Result<Self, KeyError> {
        match std::env::var(Self::ENV_VAR) {
            Ok(value) => Self::from_env_value(&value),
            Err(std::env::VarError::NotPresent) => Err(KeyError::Missing {
                origin: Self::ENV_VAR,
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(KeyError::NotUnicode {
                origin: Self::ENV_VAR,
            }),
        }
    }

    /// How many keys the ring holds (at least one).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// All keys, the sealing one first. Never empty.
    pub(super) fn keys(&self) -> &[RingKey] {
        &self.keys
    }

    /// The key that seals.
    pub(super) fn primary(&self) -> &RingKey {
        // Every constructor refuses an empty list, so index 0 exists.
        &self.keys[0]
    }

    fn build<'a>(
        origin: &'static str,
        secrets: impl Iterator<Item = &'a str>,
    ) -> Result<Self, KeyError> {
        let keys = secrets
            .enumerate()
            .map(|(i, secret)| check(origin, i + 1, secret).map(|()| derive(secret.as_bytes())))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyError::NoKeys { origin });
        }
        Ok(Self { keys: keys.into() })
    }

    /// A ring whose keys all carry the same hint, to test hint collisions.
    #[cfg(test)]
    pub(super) fn with_colliding_hints(secrets: &[&str]) -> Self {
        let ring = Self::from_secrets(secrets).expect("test secrets are valid");
        let keys: Vec<RingKey> = ring
            .keys
            .iter()
            .map(|k| RingKey {
                hint: [0xAB; 4],
                cipher: k.cipher.clone(),
            })
            .collect();
        Self { keys: keys.into() }
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// Refuses secrets that cannot be strong keys. `index` counts from 1.
fn check(origin: &'static str, index: usize, secret: &str) -> Result<(), KeyError> {
    if secret.trim().is_empty() {
        return Err(KeyError::Empty { origin, index });
    }
    if secret.len() < KeyRing::MIN_SECRET_LEN {
        return Err(KeyError::TooShort {
            origin,
            index,
            len: secret.len(),
        });
    }
    let mut seen = [false; 256];
    for &b in secret.as_bytes() {
        seen[usize::from(b)] = true;
    }
    if seen.iter().filter(|&&s| s).count() < MIN_DISTINCT_BYTES {
        return Err(KeyError::LowEntropy { origin, index });
    }
    Ok(())
}

/// HKDF-SHA256(salt, secret, info) → 32-byte AES key, and its hint.
fn derive(secret: &[u8]) -> RingKey {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(secret);
    let mut key = [0u8; 32];
    // HKDF_SHA256's output length is 32 bytes, far below HKDF's limit of 255 × 32, and `key`
    // has exactly that length: neither call can fail.
    prk.expand(&[HKDF_INFO], hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(&mut key))
        .expect("HKDF-SHA256 can always expand to 32 bytes");

    let digest = digest::digest(&digest::SHA256, &key);
    let mut hint = [0u8; 4];
    hint.copy_from_slice(&digest.as_ref()[..4]);

    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
    // Best effort: do not leave the raw key on the stack longer than needed.
    key.fill(0);
    RingKey { hint, cipher }
}
