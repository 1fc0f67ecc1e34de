//! The secrets that seal cookies, checked once to be key material, and the AES-256-GCM keys
//! derived from them for each purpose.

use std::fmt;
use std::sync::Arc;

use aes_gcm::{Aes256Gcm, Key, KeyInit};
use aws_lc_rs::{digest, hkdf, hmac};

use super::KeyError;
use super::key_check::{self, Refusal};

/// HKDF salt: fixed, so the same secret always gives the same keys. `v2`: secrets are decoded
/// key material (until 0.x the text itself was the input, with the salt `feide-tower session v1`).
const HKDF_SALT: &[u8] = b"feide-tower key ring v2";
/// HKDF info, followed by the purpose: what a derived key is for.
const HKDF_INFO: &[u8] = b"feide-tower cookie aes-256-gcm\0";
/// The HKDF info prefix of keyed hashes (session store keys), kept apart from the cipher keys.
const HKDF_HMAC_INFO: &[u8] = b"feide-tower keyed hash hmac-sha256\0";

/// The secrets that seal and open cookies: the first one seals, any of them opens.
///
/// Each secret must be *key material*: hex, base64 or base64url (padded or not) of at least
/// [`MIN_SECRET_LEN`](Self::MIN_SECRET_LEN) random bytes, as `openssl rand -base64 32` prints.
/// Passphrases are refused, however long: a cookie sealed with a guessable key can be used to
/// guess the key offline and then forge any session. The decoded bytes must also pass a
/// randomness sanity check that refuses repeated, sequential and patterned bytes, words and
/// encoded text, and that refuses a truly random key with a probability below one in a billion
/// (see SECURITY.md). An error names the secret by its position (`key #2`), never by its value.
///
/// The ring is only the root: a [`CookieCodec`](super::cookie::CookieCodec) derives its own AES-256-GCM
/// keys from each secret with HKDF-SHA256 and a *purpose* label (the login layer's session
/// cookies, its login-flow cookies, per login name; the application's own cookies), so a value
/// sealed for one purpose never opens for another. Cloning is cheap (one reference count), so
/// build the ring once at startup and clone it wherever it is needed.
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
/// // Two keys from `openssl rand -base64 32` and `openssl rand -hex 32`.
/// let ring = KeyRing::from_env_value(
///     "C3rCIxZm44D+yoZJ3IiBZz7oIdBGVRGW9QBuiXbiw04=, \
///      339d64e4331b77d15771d9df038f5c12c8c0ea0e3704826184a2741fc55316ae",
/// )?;
/// assert_eq!(ring.key_count(), 2);
/// assert_eq!(format!("{ring:?}"), "KeyRing { keys: 2 }");
///
/// // A passphrase is not a key.
/// let err = KeyRing::from_env_value(
///     "C3rCIxZm44D+yoZJ3IiBZz7oIdBGVRGW9QBuiXbiw04=,feide-tower-session-secret-2024!",
/// )
/// .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "APP_SECRET_KEY key #2 is not key material (hex or base64 of at least 32 random bytes; \
///      a passphrase is not a key); generate one with `openssl rand -base64 32`"
/// );
/// # Ok::<(), feide_tower::session::KeyError>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    /// One HKDF pseudo-random key per secret, the sealing one first. Never empty: every
    /// constructor checks.
    roots: Arc<[hkdf::Prk]>,
}

impl KeyRing {
    /// The environment variable [`from_env`](Self::from_env) reads.
    pub const ENV_VAR: &'static str = "APP_SECRET_KEY";
    /// The fewest bytes a secret must decode to.
    pub const MIN_SECRET_LEN: usize = key_check::MIN_KEY_BYTES;

    /// Builds the ring from secrets; the first one seals.
    ///
    /// # Errors
    /// [`KeyError`] if the list is empty, or a secret is empty, not hex or base64, shorter than
    /// [`MIN_SECRET_LEN`](Self::MIN_SECRET_LEN) bytes once decoded, or not random.
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
        self.roots.len()
    }

    /// The AES-256-GCM keys for `purpose`, one per secret, the sealing one first. Never empty.
    pub(super) fn derive(&self, purpose: &str) -> Arc<[RingKey]> {
        self.roots
            .iter()
            .map(|root| RingKey::derive(root, purpose))
            .collect()
    }

    /// HMAC-SHA256 keys for `purpose`, one per secret, the first secret's first. Never empty.
    pub(super) fn derive_hmac(&self, purpose: &str) -> Arc<[hmac::Key]> {
        self.roots
            .iter()
            .map(|root| {
                let mut key = [0u8; 32];
                // As in `RingKey::derive`: 32 bytes is always within HKDF-SHA256's limit.
                root.expand(&[HKDF_HMAC_INFO, purpose.as_bytes()], hkdf::HKDF_SHA256)
                    .and_then(|okm| okm.fill(&mut key))
                    .expect("HKDF-SHA256 can always expand to 32 bytes");
                let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, &key);
                key.fill(0);
                hmac_key
            })
            .collect()
    }

    fn build<'a>(
        origin: &'static str,
        secrets: impl Iterator<Item = &'a str>,
    ) -> Result<Self, KeyError> {
        let roots = secrets
            .enumerate()
            .map(|(i, secret)| root(origin, i + 1, secret))
            .collect::<Result<Vec<_>, _>>()?;
        if roots.is_empty() {
            return Err(KeyError::NoKeys { origin });
        }
        Ok(Self {
            roots: roots.into(),
        })
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("keys", &self.roots.len())
            .finish()
    }
}

/// One derived key, ready to use.
#[derive(Clone)]
pub(super) struct RingKey {
    /// First 4 bytes of SHA-256 of the derived key: tells `open` which key to try.
    pub(super) hint: [u8; 4],
    /// The AES-256-GCM cipher with its key schedule expanded.
    pub(super) cipher: Aes256Gcm,
}

impl RingKey {
    /// HKDF-SHA256-Expand(root, info ‖ purpose) → 32-byte AES key, and its hint.
    fn derive(root: &hkdf::Prk, purpose: &str) -> Self {
        let mut key = [0u8; 32];
        // HKDF_SHA256's output length is 32 bytes, far below HKDF's limit of 255 × 32, and
        // `key` has exactly that length: neither call can fail.
        root.expand(&[HKDF_INFO, purpose.as_bytes()], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut key))
            .expect("HKDF-SHA256 can always expand to 32 bytes");

        let digest = digest::digest(&digest::SHA256, &key);
        let mut hint = [0u8; 4];
        hint.copy_from_slice(&digest.as_ref()[..4]);

        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
        // Best effort: do not leave the raw key on the stack longer than needed.
        key.fill(0);
        Self { hint, cipher }
    }
}

/// Checks one secret (`index` counts from 1) and extracts its HKDF root key.
fn root(origin: &'static str, index: usize, secret: &str) -> Result<hkdf::Prk, KeyError> {
    if secret.trim().is_empty() {
        return Err(KeyError::Empty { origin, index });
    }
    let mut bytes = key_check::key_material(secret).map_err(|refusal| match refusal {
        Refusal::NotEncoded => KeyError::NotKeyMaterial { origin, index },
        Refusal::TooShort(len) => KeyError::TooShort { origin, index, len },
        Refusal::NotRandom => KeyError::LowEntropy { origin, index },
    })?;
    let root = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(&bytes);
    // Best effort, as above.
    bytes.fill(0);
    Ok(root)
}
