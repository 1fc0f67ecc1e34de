//! [`from_url`]: a store from configuration text, and [`StoreConfigError`].

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::{MemoryStore, SessionStore};

/// A store configuration that cannot work (unknown URL scheme, malformed address, unreadable CA
/// file, timeout out of bounds). Found when the application starts, never on a request.
///
/// The message names what is wrong; it never contains a password (URLs are shown with their
/// user information replaced by `***`).
#[derive(Clone, PartialEq, Eq)]
pub struct StoreConfigError {
    message: String,
}

impl StoreConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Debug for StoreConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfigError")
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for StoreConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store configuration: {}", self.message)
    }
}

impl std::error::Error for StoreConfigError {}

/// The URL schemes [`RedisStore`](crate::store) understands (with the `redis` feature).
const REDIS_SCHEMES: [&str; 4] = ["redis", "rediss", "redis+cluster", "rediss+cluster"];

/// The scheme of `url` (before `://`), lowercased, if it has one.
pub(crate) fn scheme_of(url: &str) -> Option<String> {
    url.split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
}

/// A session store from configuration text (e.g. a `SESSION_STORE` variable):
///
/// * `memory`: a [`MemoryStore`] with the default capacity (one process only);
/// * `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS, verified against the system's
///   roots), `redis+cluster://host1:port1,host2:port2`, `rediss+cluster://…`: a `RedisStore`
///   with default settings; these need the `redis` feature of `feide-tower`.
///
/// Nothing is contacted here: a Redis store connects on first use.
///
/// ```
/// let store = feide_tower::store::from_url("memory").expect("a memory store");
/// # let _ = store;
/// assert!(feide_tower::store::from_url("postgres://db").is_err());
/// ```
pub fn from_url(url: &str) -> Result<Arc<dyn SessionStore>, StoreConfigError> {
    from_url_inner(url, None)
}

/// As [`from_url`], trusting the CA certificate(s) in the PEM file `ca_file` for a `rediss://`
/// (TLS) URL, e.g. from a `SESSION_STORE_CA_FILE` variable. A CA file with any other URL is an
/// error (it would suggest TLS where there is none).
pub fn from_url_with_ca_file(
    url: &str,
    ca_file: &Path,
) -> Result<Arc<dyn SessionStore>, StoreConfigError> {
    from_url_inner(url, Some(ca_file))
}

fn from_url_inner(
    url: &str,
    ca_file: Option<&Path>,
) -> Result<Arc<dyn SessionStore>, StoreConfigError> {
    let url = url.trim();
    if url.eq_ignore_ascii_case("memory") {
        if ca_file.is_some() {
            return Err(StoreConfigError::new(
                "a CA certificate file was given for the `memory` store",
            ));
        }
        return Ok(Arc::new(MemoryStore::default()));
    }
    let Some(scheme) = scheme_of(url) else {
        return Err(StoreConfigError::new(
            "expected `memory` or a URL (redis://, rediss://, redis+cluster://, rediss+cluster://)",
        ));
    };
    if !REDIS_SCHEMES.contains(&scheme.as_str()) {
        return Err(StoreConfigError::new(format!(
            "unsupported URL scheme `{}`: expected `memory`, redis://, rediss://, \
             redis+cluster:// or rediss+cluster://",
            printable(&scheme)
        )));
    }
    redis_store(url, ca_file)
}

#[cfg(feature = "redis")]
fn redis_store(
    url: &str,
    ca_file: Option<&Path>,
) -> Result<Arc<dyn SessionStore>, StoreConfigError> {
    let mut builder = super::RedisStore::builder(url);
    if let Some(path) = ca_file {
        builder = builder.ca_certificate_file(path);
    }
    Ok(Arc::new(builder.build()?))
}

#[cfg(not(feature = "redis"))]
fn redis_store(
    _url: &str,
    _ca_file: Option<&Path>,
) -> Result<Arc<dyn SessionStore>, StoreConfigError> {
    Err(StoreConfigError::new(
        "a Redis URL needs the `redis` feature of feide-tower: \
         feide-tower = { version = \"…\", features = [\"redis\"] }",
    ))
}

/// At most 32 printable ASCII characters of `text`, for an error message.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_unknown_schemes() {
        assert!(from_url("memory").is_ok());
        assert!(from_url(" MEMORY ").is_ok());
        let err = from_url("postgres://user:hunter2@db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("postgres"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(from_url("").is_err());
        assert!(from_url_with_ca_file("memory", Path::new("/ca.pem")).is_err());
    }

    #[cfg(not(feature = "redis"))]
    #[test]
    fn redis_without_the_feature_says_which_feature() {
        let err = from_url("redis://127.0.0.1:6379").unwrap_err().to_string();
        assert!(err.contains("`redis` feature"), "{err}");
    }
}
