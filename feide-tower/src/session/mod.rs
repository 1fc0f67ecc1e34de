//! Stateless sessions in encrypted cookies.
//!
//! The whole session lives in the browser, sealed with AES-256-GCM: the server keeps no session
//! store. The pieces, in the order a request meets them:
//!
//! 1. [`request_cookies`] reads the request's `Cookie` headers.
//! 2. [`Chunker::join`] reassembles the session value (one cookie, or `name.0`, `name.1`, …).
//! 3. [`CookieCodec::open_envelope`] decrypts it with the [`KeyRing`] and checks absolute and
//!    idle expiry; [`Envelope::touch`] says whether to write it again.
//! 4. [`CookieCodec::seal_envelope`] / [`CookieCodec::reseal_envelope`] encrypt it, and
//!    [`CookieOptions::set_cookies`] renders the `Set-Cookie` headers, deleting stale chunks.
//!
//! ```
//! use std::time::Duration;
//! use http::HeaderMap;
//! use feide_tower::session::{
//!     request_cookies, Chunker, CookieCodec, CookieOptions, Envelope, KeyRing,
//! };
//!
//! let codec = CookieCodec::new(KeyRing::from_env_value("TVXDMivzjvRDjp5cD6eUxxQ19zgmpzZy9e5y2SNLJpA=")?);
//! let chunker = Chunker::new();
//! let options = CookieOptions::default();
//! let now = 1_700_000_000;
//!
//! // Login: seal and set.
//! let value = codec.seal_envelope("session", &"user-42", now, Duration::from_secs(8 * 3600))?;
//! let set_cookie = options.set_cookies(&chunker, "session", &value, [])?;
//!
//! // Next request: the browser sends the cookie back.
//! let mut headers = HeaderMap::new();
//! let pair = set_cookie[0].to_str()?.split(';').next().unwrap_or_default();
//! headers.insert(http::header::COOKIE, pair.parse()?);
//! let joined = chunker.join("session", request_cookies(&headers))?.expect("cookie present");
//! let session: Envelope<String> = codec.open_envelope("session", &joined, now + 5, None)?;
//! assert_eq!(session.data, "user-42");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Security
//!
//! * Confidentiality and integrity: AES-256-GCM with a fresh random 96-bit nonce per seal; the
//!   codec's purpose and the cookie name are authenticated, so a value does not open for
//!   another purpose or under another name.
//! * Keys: `APP_SECRET_KEY` must hold key material (hex or base64 of at least 32 random bytes);
//!   passphrases and patterned keys are refused at startup ([`KeyRing`]). Each
//!   [`CookieCodec`] derives its own keys from them with HKDF-SHA256 and its purpose (the login
//!   layer's session and flow cookies per login name, the application's own cookies). The
//!   first key seals, all open: rotate by prepending a new secret.
//! * Being stateless, a session cannot be revoked before it expires: logging out deletes the
//!   cookie in this browser, but a copy taken earlier stays valid until its absolute expiry or
//!   idle timeout. Keep both short; rotating the key ends every session at once.
//! * Nothing here logs, and no error or `Debug` output holds a secret, key, cookie value or
//!   session content.

mod chunks;
mod codec;
mod envelope;
mod error;
pub(crate) mod feide_session;
mod key_check;
mod key_ring;
mod provider_sessions;
mod request;
mod set_cookie;

#[cfg(test)]
mod tests;

pub use chunks::{CHUNK_SIZE, Chunker, DEFAULT_MAX_CHUNKS};
pub use codec::CookieCodec;
pub use envelope::{DEFAULT_TOUCH_INTERVAL, Envelope};
pub use error::{ChunkError, CookieError, KeyError, OpenError, SealError};
pub use feide_session::FeideSession;
pub(crate) use feide_session::{OriginalIdToken, SessionData};
pub use key_ring::KeyRing;
pub(crate) use provider_sessions::insert_session;
pub use request::request_cookies;
pub(crate) use request::sole_cookie;
pub use set_cookie::{CookieOptions, SameSite};
