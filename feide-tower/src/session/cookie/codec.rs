//! Sealing bytes into a cookie value and opening them again (AES-256-GCM).
//!
//! Wire format: ASCII `v1.` then base64url without padding of
//! `key_hint(4) || nonce(12) || ciphertext || tag(16)`.
//!
//! The key is derived for the codec's purpose (see [`KeyRing`]), and the associated data is
//! `key_hint || len(purpose) as u32 big-endian || purpose || cookie_name`: a value only opens
//! for the purpose and under the cookie name it was sealed for, and the hint is authenticated,
//! so a changed hint fails like any other changed bit.

use std::fmt;
use std::sync::Arc;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, Nonce, Tag};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::OpenError;
use super::chunks::{CHUNK_SIZE, DEFAULT_MAX_CHUNKS};
use crate::session::KeyRing;
use crate::session::key_ring::RingKey;

/// Prefix of every value this version seals.
const PREFIX: &str = "v1.";
const HINT_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = HINT_LEN + NONCE_LEN;
const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
/// Associated data up to this length is built on the stack.
const STACK_AAD_LEN: usize = 128;
/// The purpose of [`CookieCodec::new`]: the application's own cookies.
const APP_PURPOSE: &str = "app";

/// Seals bytes into an encrypted, authenticated cookie value and opens them again.
///
/// Each codec has a *purpose*: its AES-256-GCM keys are derived from the [`KeyRing`]'s secrets
/// with HKDF-SHA256 and the purpose as label, and the purpose is part of every value's
/// associated data, so a value sealed for one purpose never opens for another, even under the
/// same cookie name and with the same `APP_SECRET_KEY`. [`new`](Self::new) is for the
/// application's own cookies; [`login_session`](Self::login_session) and
/// [`login_flow`](Self::login_flow) give the codecs the login layer uses for its session and
/// login-flow cookies, for example to seal a session in a test.
///
/// Cloning is cheap (keys and ring are shared). `open` refuses values longer than
/// [`max_value_len`](Self::max_value_len) before decoding anything; keep that limit at least as
/// large as what your [`Chunker`](super::Chunker) lets through
/// ([`Chunker::max_value_len`](super::Chunker::max_value_len)).
///
/// A nonce is drawn at random for each seal, so keep each key below some 2³² seals (rotate
/// yearly if in doubt).
///
/// ```
/// use feide_tower::session::KeyRing;
/// use feide_tower::session::cookie::{CookieCodec, OpenError};
///
/// let ring = KeyRing::from_secrets(&["PomoDJgTUK1yP9y2jPO25r/8HGzsUA56DkeceG+M8DI="])?;
/// let codec = CookieCodec::new(ring.clone());
///
/// let value = codec.seal("session", b"hello");
/// assert!(value.starts_with("v1."));
/// assert_eq!(codec.open("session", &value)?, b"hello");
///
/// // Under another cookie name the same value does not open,
/// assert_eq!(codec.open("other", &value), Err(OpenError::Undecryptable));
/// // nor for another purpose: here the login layer's session cookies.
/// let sessions = CookieCodec::login_session(ring, "default");
/// assert_eq!(sessions.open("session", &value), Err(OpenError::Undecryptable));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CookieCodec {
    ring: KeyRing,
    purpose: Arc<str>,
    /// The ring's keys derived for `purpose`, the sealing one first. Never empty.
    keys: Arc<[RingKey]>,
    /// `len(purpose) as u32 big-endian || purpose`: the part of the associated data between the
    /// key hint and the cookie name.
    aad_purpose: Arc<[u8]>,
    max_value_len: usize,
}

impl CookieCodec {
    /// Default for [`max_value_len`](Self::max_value_len): what fits in the default number of
    /// chunks (5 × 3800 = 19 000 bytes).
    pub(crate) const DEFAULT_MAX_VALUE_LEN: usize = CHUNK_SIZE * DEFAULT_MAX_CHUNKS;

    /// A codec over `ring` for the application's own cookies (purpose `app`), with the default
    /// size limit. Its values never open as the login layer's cookies, nor theirs with it.
    pub fn new(ring: KeyRing) -> Self {
        Self::with_purpose(ring, APP_PURPOSE)
    }

    /// A codec over `ring` whose keys and associated data are bound to `purpose`, with the
    /// default size limit. Give each kind of cookie its own purpose. Deriving the keys costs a
    /// few microseconds per secret: build codecs once, not per request.
    pub fn with_purpose(ring: KeyRing, purpose: &str) -> Self {
        let keys = ring.derive(purpose);
        let len = u32::try_from(purpose.len()).unwrap_or(u32::MAX);
        let aad_purpose = len
            .to_be_bytes()
            .iter()
            .chain(purpose.as_bytes())
            .copied()
            .collect();
        Self {
            ring,
            purpose: purpose.into(),
            keys,
            aad_purpose,
            max_value_len: Self::DEFAULT_MAX_VALUE_LEN,
        }
    }

    /// The codec the login layer seals its session cookies with, for the login named
    /// `login_name` ([`DEFAULT_LOGIN_NAME`](crate::login::DEFAULT_LOGIN_NAME), `"default"`,
    /// unless [`FeideLoginBuilder::name`](crate::login::FeideLoginBuilder::name) set another;
    /// purpose `login-session/<name>`). Give it the same `APP_SECRET_KEY` as the login layer to
    /// read or seal its sessions outside it, e.g. in tests.
    ///
    /// ```
    /// use feide_tower::session::KeyRing;
    /// use feide_tower::session::cookie::CookieCodec;
    ///
    /// let ring = KeyRing::from_env_value("PomoDJgTUK1yP9y2jPO25r/8HGzsUA56DkeceG+M8DI=")?;
    /// let sessions = CookieCodec::login_session(ring.clone(), "default");
    /// let value = sessions.seal("feide_session", b"{}");
    /// // A session of one login does not open for another, nor as a login-flow cookie.
    /// assert!(CookieCodec::login_session(ring.clone(), "idporten").open("feide_session", &value).is_err());
    /// assert!(CookieCodec::login_flow(ring, "default").open("feide_session", &value).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login_session(ring: KeyRing, login_name: &str) -> Self {
        Self::with_purpose(ring, &format!("login-session/{login_name}"))
    }

    /// The codec the login layer seals its login-flow cookies with (state, nonce and PKCE
    /// verifier between `/login` and the callback), for the login named `login_name`; purpose
    /// `login-flow/<name>`.
    pub fn login_flow(ring: KeyRing, login_name: &str) -> Self {
        Self::with_purpose(ring, &format!("login-flow/{login_name}"))
    }

    /// What this codec's values are for (`app`, `login-session/default`, ...).
    pub fn purpose(&self) -> &str {
        &self.purpose
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
        // Every ring holds at least one key, so index 0 exists.
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        // A failing system CSPRNG leaves no safe way to seal: refuse loudly (see # Panics).
        aws_lc_rs::rand::fill(&mut nonce).expect("the system random generator failed");

        let mut buf = Vec::with_capacity(OVERHEAD + plaintext.len());
        buf.extend_from_slice(&key.hint);
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(plaintext);
        // `buf` starts with the 16 header bytes just written, so `[HEADER_LEN..]` is in bounds.
        let tag = with_aad(key.hint, &self.aad_purpose, cookie_name, |aad| {
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
    pub(crate) fn open_indexed(
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
        let opened = with_aad(hint, &self.aad_purpose, cookie_name, |aad| {
            self.keys
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
            .field("purpose", &self.purpose)
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

/// Calls `f` with the associated data `hint || purpose part || cookie_name`, built on the stack
/// for usual lengths.
fn with_aad<R>(
    hint: [u8; HINT_LEN],
    purpose: &[u8],
    cookie_name: &str,
    f: impl FnOnce(&[u8]) -> R,
) -> R {
    let name = cookie_name.as_bytes();
    let len = HINT_LEN + purpose.len() + name.len();
    if len <= STACK_AAD_LEN {
        let mut aad = [0u8; STACK_AAD_LEN];
        aad[..HINT_LEN].copy_from_slice(&hint);
        aad[HINT_LEN..HINT_LEN + purpose.len()].copy_from_slice(purpose);
        aad[HINT_LEN + purpose.len()..len].copy_from_slice(name);
        f(&aad[..len])
    } else {
        let mut aad = Vec::with_capacity(len);
        aad.extend_from_slice(&hint);
        aad.extend_from_slice(purpose);
        aad.extend_from_slice(name);
        f(&aad)
    }
}

#[cfg(test)]
impl CookieCodec {
    /// The same keys, but `purpose` in the associated data: shows that the associated data
    /// binds the purpose on its own, whatever the keys.
    pub(in crate::session) fn relabelled(&self, purpose: &str) -> Self {
        let other = Self::with_purpose(self.ring.clone(), purpose);
        Self {
            keys: self.keys.clone(),
            ..other
        }
    }

    /// A codec whose keys all carry the same hint, to test hint collisions.
    pub(in crate::session) fn with_colliding_hints(secrets: &[&str]) -> Self {
        let mut codec = Self::new(KeyRing::from_secrets(secrets).expect("test secrets are valid"));
        codec.keys = codec
            .keys
            .iter()
            .map(|k| RingKey {
                hint: [0xAB; 4],
                cipher: k.cipher.clone(),
            })
            .collect();
        codec
    }
}
