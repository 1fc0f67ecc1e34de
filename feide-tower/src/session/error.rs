//! Errors of the session cookie codec.
//!
//! None of them carries a secret, a key, a cookie value or decrypted session content: they are
//! safe to log. Where a request can trigger an error, the message holds no request-supplied text
//! either (no log injection).

/// A session secret could not be turned into a key.
///
/// The message says which key is wrong and why, never what it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The environment variable is not set.
    #[error("{origin} is not set; generate a key with `openssl rand -base64 32`")]
    Missing {
        /// Where the keys come from (e.g. `APP_SECRET_KEY`).
        origin: &'static str,
    },
    /// The environment variable is set but is not valid Unicode.
    #[error("{origin} is not valid UTF-8; generate a key with `openssl rand -base64 32`")]
    NotUnicode {
        /// Where the keys come from.
        origin: &'static str,
    },
    /// No key was given at all.
    #[error("{origin} holds no key; generate one with `openssl rand -base64 32`")]
    NoKeys {
        /// Where the keys come from.
        origin: &'static str,
    },
    /// One item of the list is empty or only whitespace (e.g. a stray comma).
    #[error("{origin} key #{index} is empty (is there a stray comma?)")]
    Empty {
        /// Where the keys come from.
        origin: &'static str,
        /// Position in the list, counted from 1.
        index: usize,
    },
    /// One key is not hex, base64 or base64url (a passphrase, a typo, both base64 alphabets
    /// mixed, stray bits at the end).
    #[error(
        "{origin} key #{index} is not key material (hex or base64 of at least 32 random bytes; \
         a passphrase is not a key); generate one with `openssl rand -base64 32`"
    )]
    NotKeyMaterial {
        /// Where the keys come from.
        origin: &'static str,
        /// Position in the list, counted from 1.
        index: usize,
    },
    /// One key decodes to fewer than [`KeyRing::MIN_SECRET_LEN`](super::KeyRing::MIN_SECRET_LEN)
    /// bytes.
    #[error(
        "{origin} key #{index} is shorter than 32 bytes ({len} bytes once decoded); \
         generate one with `openssl rand -base64 32`"
    )]
    TooShort {
        /// Where the keys come from.
        origin: &'static str,
        /// Position in the list, counted from 1.
        index: usize,
        /// Its length in bytes, decoded.
        len: usize,
    },
    /// One key is not random: its bytes follow a pattern (repeats, sequences, words, encoded
    /// text) that a guesser would try first.
    #[error(
        "{origin} key #{index} is not random (it follows a pattern: repeats, a sequence, words \
         or text); generate one with `openssl rand -base64 32`"
    )]
    LowEntropy {
        /// Where the keys come from.
        origin: &'static str,
        /// Position in the list, counted from 1.
        index: usize,
    },
}

/// A cookie value could not be opened. Treat every variant as "no session".
///
/// The variants tell apart what is worth a metric or a debug line; none of them says anything
/// about the key or the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Not a sealed value: missing `v<N>.` prefix, bad base64, or too short to hold a nonce and a
    /// tag.
    #[error("the cookie value is malformed")]
    Malformed,
    /// A well-formed value of a format version this code does not know.
    #[error("the cookie value has an unknown format version")]
    UnknownVersion,
    /// No key of the ring authenticates it: wrong or retired key, tampered value, or a value
    /// moved from another cookie name.
    #[error("the cookie value could not be decrypted")]
    Undecryptable,
    /// The value is longer than the configured limit; it was not decoded.
    #[error("the cookie value is longer than the configured limit")]
    TooLarge,
    /// The session passed its absolute expiry.
    #[error("the session has expired")]
    Expired,
    /// The session was idle for longer than the idle timeout.
    #[error("the session timed out after inactivity")]
    Idle,
    /// The value decrypted but is not a session envelope of the expected type (e.g. the
    /// application changed its session type). The parser's message is dropped on purpose: it
    /// can quote decrypted session content.
    #[error("the decrypted cookie is not a valid session envelope")]
    Payload,
}

/// A session could not be sealed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The session data could not be serialized as JSON (e.g. a map with non-string keys).
    #[error("could not serialize the session data: {0}")]
    Serialize(#[source] serde_json::Error),
}

/// A value could not be split into cookies, or the request's cookies could not be joined.
///
/// Messages hold only numbers, never cookie names or values from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChunkError {
    /// The value needs more cookies than allowed.
    #[error("the value is {len} bytes, more than the {max} bytes that fit in the allowed cookies")]
    TooLarge {
        /// Length of the value in bytes.
        len: usize,
        /// Most bytes that fit.
        max: usize,
    },
    /// A chunk index at or beyond the allowed number of chunks (e.g. `name.99`).
    ///
    /// [`Chunker::join`](super::cookie::Chunker::join) no longer returns it: such a cookie cannot be
    /// ours, so it is ignored (and never deleted). Kept so that code matching on it compiles.
    #[error("chunk #{index} is beyond the allowed number of chunks ({max})")]
    OutOfRange {
        /// The index found (saturated at `usize::MAX` if it does not fit).
        index: usize,
        /// The allowed number of chunks.
        max: usize,
    },
    /// The same cookie came twice (`None`: the unchunked cookie; `Some(i)`: chunk `i`).
    #[error("the request carries the same session cookie twice")]
    Duplicate {
        /// Which one.
        index: Option<usize>,
    },
    /// The chunks are not consecutive from 0.
    #[error("session cookie chunk #{missing} is missing")]
    Gap {
        /// The first missing index.
        missing: usize,
    },
}

/// A `Set-Cookie` header could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CookieError {
    /// The cookie name is not an RFC 6265 token (letters, digits and ``!#$%&'*+-.^_`|~``).
    #[error("the cookie name is not a valid RFC 6265 token")]
    InvalidName,
    /// The value holds characters a cookie value cannot (space, `"`, `,`, `;`, `\`, controls).
    #[error("the cookie value holds characters that are not allowed in a cookie")]
    InvalidValue,
    /// The path is empty, does not start with `/`, or holds `;` or control characters.
    #[error("the cookie path must start with `/` and hold no `;` or control characters")]
    InvalidPath,
    /// The domain is empty or holds characters other than visible ASCII without `;`.
    #[error("the cookie domain must be non-empty visible ASCII without `;`")]
    InvalidDomain,
    /// `SameSite=None` without `Secure`: browsers drop such cookies.
    #[error("SameSite=None requires the Secure attribute")]
    SameSiteNoneNeedsSecure,
    /// The name has a `__Host-` or `__Secure-` prefix whose rules the options break.
    #[error(
        "a cookie named {prefix}… requires Secure{}",
        if *prefix == "__Host-" { ", Path=/ and no Domain" } else { "" }
    )]
    PrefixRules {
        /// `"__Host-"` or `"__Secure-"`.
        prefix: &'static str,
    },
    /// The value does not fit in the allowed number of cookies.
    #[error(transparent)]
    Chunk(#[from] ChunkError),
}
