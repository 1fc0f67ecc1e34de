//! Sessions: in encrypted cookies by default, or on the server in a [store](crate::store).
//!
//! By default the whole session lives in the browser, sealed with AES-256-GCM: the server keeps no
//! session store. With
//! [`FeideLoginBuilder::session_store`](crate::login::FeideLoginBuilder::session_store) the cookie
//! holds only a sealed reference and the session lives in the store, revocable on every replica. Handlers read it as a [`FeideSession`]; the keys come from `APP_SECRET_KEY` as a
//! [`KeyRing`]. The building blocks of the cookie pipeline (sealing, chunking, `Set-Cookie`
//! rendering) are in [`cookie`], for cookies of your own.
//!
//! # Security
//!
//! * Confidentiality and integrity: AES-256-GCM with a fresh random 96-bit nonce per seal; the
//!   codec's purpose and the cookie name are authenticated, so a value does not open for
//!   another purpose or under another name.
//! * Keys: `APP_SECRET_KEY` must hold key material (hex or base64 of at least 32 random bytes);
//!   passphrases and patterned keys are refused at startup ([`KeyRing`]). Each
//!   [`CookieCodec`](cookie::CookieCodec) derives its own keys from them with HKDF-SHA256 and its purpose (the login
//!   layer's session and flow cookies per login name, the application's own cookies). The
//!   first key seals, all open: rotate by prepending a new secret.
//! * A cookie session cannot be revoked before it expires (a stored one can): logging out deletes the
//!   cookie in this browser, but a copy taken earlier stays valid until its absolute expiry or
//!   idle timeout. Keep both short; rotating the key ends every session at once.
//! * Nothing here logs, and no error or `Debug` output holds a secret, key, cookie value or
//!   session content.

pub mod cookie;
mod error;
pub(crate) mod feide_session;
mod key_check;
mod key_ring;
mod provider_sessions;
mod reference;
mod unavailable;

#[cfg(test)]
mod tests;

pub use error::KeyError;
pub use feide_session::FeideSession;
pub(crate) use feide_session::{OriginalIdToken, SessionData};
pub use key_ring::KeyRing;
pub(crate) use provider_sessions::insert_session;
pub(crate) use reference::{OpenedRef, SessionRefs};
pub use unavailable::SessionUnavailable;
