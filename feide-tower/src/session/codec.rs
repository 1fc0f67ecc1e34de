//! Sealing bytes into a cookie value and opening them again (AES-256-GCM).
//!
//! Wire format: ASCII `v1.` then base64url without padding of
//! `key_hint(4) || nonce(12) || ciphertext || tag(16)`.
//!
//! The associated data is `key_hint || cookie_name`: a value only opens under the cookie name it
//! was sealed for, and the hint is authenticated, so a changed hint fails like any other changed
//! bit.

use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, Nonce, Tag};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::chunks::{CHUNK_SIZE, DEFAULT_MAX_CHUNKS};
use super::{KeyRing, OpenError};

/// Prefix of every value this version seals.
const PREFIX: &str = "v1.";
const HINT_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = HINT_LEN + NONCE_LEN;
const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
/// Names up to this length build their associated data on the stack.
const STACK_AAD_NAME_LEN: usize = 60;

/// Seals bytes into an encrypted, authenticated cookie value and opens them again.
///
/// Cloning is cheap (the [`KeyRing`] is shared). `open` refuses values longer than
/// [`max_value_len`](Self::max_value_len) before decoding anything; keep that limit at least as
/// large as what your [`Chunker`](super::Chunker) lets through
/// ([`Chunker::max_value_len`](super::Chunker::max_value_len)).
///
/// A nonce is drawn at random for each seal, so keep each key below some 2³² seals (rotate
/// yearly if in doubt).
///
/// ```
/// use feide_tower::session::{CookieCodec, KeyRing, OpenError};
///
/// let ring = KeyRing::from_secrets(&["0123456789abcdefghijklmnopqrstuvwxyz"])?;
/// let codec = CookieCodec::new(ring);
///
/// let value = codec.seal("session", b"hello");
/// assert!(value.starts_with("v1."));
/// assert_eq!(codec.open("session", &value)?, b"hello");
///
/// // Under another cookie name the same value does not open.
/// assert_eq!(codec.open("other", &value), Err(OpenError::Undecryptable));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CookieCodec {
    ring: KeyRing,
    max_value_len: usize,
}

impl CookieCodec {
    /// Default for [`max_value_len`](Self::max_value_len): what fits in the default number of
    /// chunks (5 × 3800 = 19 000 bytes).
    pub const DEFAULT_MAX_VALUE_LEN: usize = CHUNK_SIZE * DEFAULT_MAX_CHUNKS;

    /// A codec over `ring` with the default size limit.
    pub fn new(ring: KeyRing) -> Self {
        Self {
            ring,
            max_value_len: Self::DEFAULT_MAX_VALUE_LEN,
        }
    }

    /// Sets the longest value `open` will look at, in bytes.
    #[must_use]
    pub fn with_max_value_len(mut self, max_value_len: usize) -> Self {
        self.max_value_len = max_value_len;
        self
    }

    /// The longest value `open` will look at, in bytes.
    pub fn max_value_len(&self) -> usize {
        self.max_value_len
    }

    /// The keys.
    pub fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Encrypts `plaintext` for the cookie `cookie_name` with the ring's first key.
    ///
    /// The result is `v1.` followed by base64url: safe as a cookie value as it is. Its length is
    /// `3 + ⌈(plaintext.len() + 32) × 4 / 3⌉`.
    ///
    /// # Panics
    /// Only if the operating system's random generator fails: sealing without a fresh nonce
    /// would be worse than not answering.
    #[must_use]
    pub fn seal(&self, cookie_name: &str, plaintext: &[u8]) -> String {
        let key = self.ring.primary();
        let mut nonce = [0u8; NONCE_LEN];
        // A failing system CSPRNG leaves no safe way to seal: refuse loudly (see # Panics).
        aws_lc_rs::rand::fill(&mut nonce).expect("the system random generator failed");

        let mut buf = Vec::with_capacity(OVERHEAD + plaintext.len());
        buf.extend_from_slice(&key.hint);
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(plaintext);
        // `buf` starts with the 16 header bytes just written, so `[HEADER_LEN..]` is in bounds.
        let tag = with_aad(key.hint, cookie_name, |aad| {
            // AES-GCM refuses only messages over 64 GiB, which cannot reach here as a cookie.
            key.cipher
                .encrypt_inout_detached(&nonce.into(), aad, buf[HEADER_LEN..].as_mut().into())
                .expect("AES-GCM encrypts any message below 64 GiB")
        });
        buf.extend_from_slice(&tag);

        let mut out = String::with_capacity(PREFIX.len() + buf.len().div_ceil(3) * 4);
        out.push_str(PREFIX);
        URL_SAFE_NO_PAD.encode_string(&buf, &mut out);
        out
    }

    /// Decrypts a value sealed for the cookie `cookie_name` by any key of the ring.
    ///
    /// # Errors
    /// [`OpenError::TooLarge`] over the size limit (checked first),
    /// [`OpenError::UnknownVersion`] for a `v<N>.` prefix other than `v1.`,
    /// [`OpenError::Malformed`] for anything else that is not base64url of at least 32 bytes,
    /// [`OpenError::Undecryptable`] if no key authenticates it.
    pub fn open(&self, cookie_name: &str, value: &str) -> Result<Vec<u8>, OpenError> {
        self.open_indexed(cookie_name, value)
            .map(|(plain, _)| plain)
    }

    /// As [`open`](Self::open), also saying which key of the ring opened it (0: the sealing key).
    pub(super) fn open_indexed(
        &self,
        cookie_name: &str,
        value: &str,
    ) -> Result<(Vec<u8>, usize), OpenError> {
        if value.len() > self.max_value_len {
            return Err(OpenError::TooLarge);
        }
        let Some(encoded) = value.strip_prefix(PREFIX) else {
            return Err(if has_version_prefix(value) {
                OpenError::UnknownVersion
            } else {
                OpenError::Malformed
            });
        };
        // Too short to hold hint, nonce and tag: no need to decode.
        if encoded.len() < (OVERHEAD * 4).div_ceil(3) {
            return Err(OpenError::Malformed);
        }
        let mut buf = Vec::with_capacity(encoded.len() / 4 * 3 + 3);
        URL_SAFE_NO_PAD
            .decode_vec(encoded, &mut buf)
            .map_err(|_| OpenError::Malformed)?;
        let Some((header, rest)) = buf.split_first_chunk_mut::<HEADER_LEN>() else {
            return Err(OpenError::Malformed);
        };
        let Some((body, tag)) = rest.split_last_chunk_mut::<TAG_LEN>() else {
            return Err(OpenError::Malformed);
        };
        let body_len = body.len();
        let [h0, h1, h2, h3, nonce @ ..] = *header;
        let hint = [h0, h1, h2, h3];
        let nonce = Nonce::<Aes256Gcm>::from(nonce);
        let tag = Tag::<Aes256Gcm>::from(*tag);

        // The hint is authenticated, so a key whose hint differs cannot open the value: only
        // keys with the same hint are tried (more than one when hints collide). A failed attempt
        // leaves `body` untouched (aes-gcm checks the tag before decrypting), so the next key
        // sees the same ciphertext.
        let opened = with_aad(hint, cookie_name, |aad| {
            self.ring
                .keys()
                .iter()
                .enumerate()
                .filter(|(_, key)| key.hint == hint)
                .find(|(_, key)| {
                    key.cipher
                        .decrypt_inout_detached(&nonce, aad, (&mut *body).into(), &tag)
                        .is_ok()
                })
                .map(|(index, _)| index)
        });
        let index = opened.ok_or(OpenError::Undecryptable)?;

        buf.copy_within(HEADER_LEN..HEADER_LEN + body_len, 0);
        buf.truncate(body_len);
        Ok((buf, index))
    }
}

impl fmt::Debug for CookieCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieCodec")
            .field("ring", &self.ring)
            .field("max_value_len", &self.max_value_len)
            .finish()
    }
}

/// `v`, one or more digits, `.`: a sealed value of some version.
fn has_version_prefix(value: &str) -> bool {
    value
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(digits, _)| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Calls `f` with the associated data `hint || cookie_name`, built on the stack for usual names.
fn with_aad<R>(hint: [u8; HINT_LEN], cookie_name: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    let name = cookie_name.as_bytes();
    if name.len() <= STACK_AAD_NAME_LEN {
        let mut aad = [0u8; HINT_LEN + STACK_AAD_NAME_LEN];
        aad[..HINT_LEN].copy_from_slice(&hint);
        aad[HINT_LEN..HINT_LEN + name.len()].copy_from_slice(name);
        f(&aad[..HINT_LEN + name.len()])
    } else {
        let mut aad = Vec::with_capacity(HINT_LEN + name.len());
        aad.extend_from_slice(&hint);
        aad.extend_from_slice(name);
        f(&aad)
    }
}
