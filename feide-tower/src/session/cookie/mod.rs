//! The cookie pipeline's building blocks, for cookies of your own or a custom session layer. The
//! login layer assembles them for its session and flow cookies; most apps never touch them.
//!
//! The pieces, in the order a request meets them:
//!
//! 1. [`request_cookies`] reads the request's `Cookie` headers.
//! 2. [`Chunker::join`] reassembles the session value (one cookie, or `name.0`, `name.1`, …).
//! 3. [`CookieCodec::open_envelope`] decrypts it with the [`KeyRing`](crate::session::KeyRing)
//!    and checks absolute and idle expiry; [`Envelope::touch`] says whether to write it again.
//! 4. [`CookieCodec::seal_envelope`] / [`CookieCodec::reseal_envelope`] encrypt it, and
//!    [`CookieOptions::set_cookies`] renders the `Set-Cookie` headers, deleting stale chunks.
//!
//! ```
//! use std::time::Duration;
//! use http::HeaderMap;
//! use feide_tower::session::KeyRing;
//! use feide_tower::session::cookie::{request_cookies, Chunker, CookieCodec, CookieOptions, Envelope};
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

mod chunks;
mod codec;
mod envelope;
mod request;
mod set_cookie;

pub use super::error::{ChunkError, CookieError, OpenError, SealError};
pub use chunks::Chunker;
#[cfg(test)]
pub(crate) use chunks::{CHUNK_SIZE, DEFAULT_MAX_CHUNKS};
pub use codec::CookieCodec;
#[cfg(test)]
pub(crate) use envelope::DEFAULT_TOUCH_INTERVAL;
pub use envelope::Envelope;
pub use request::request_cookies;
#[cfg(test)]
pub(crate) use request::sole_cookie;
pub(crate) use request::sole_cookie_noting;
pub use set_cookie::{CookieOptions, SameSite};
