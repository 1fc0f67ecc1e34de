//! Rendering `Set-Cookie` headers for session cookies, chunked or not, and their removal.

use std::time::Duration;

use http::HeaderValue;

use super::{Chunker, CookieError};

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SameSite {
    /// Sent only on same-site requests.
    Strict,
    /// Also sent on top-level cross-site navigations, such as the redirect back from Feide.
    #[default]
    Lax,
    /// Sent on every request; requires `Secure`.
    None,
}

impl From<SameSite> for cookie::SameSite {
    fn from(value: SameSite) -> Self {
        match value {
            SameSite::Strict => Self::Strict,
            SameSite::Lax => Self::Lax,
            SameSite::None => Self::None,
        }
    }
}

/// Attributes of the session cookies.
///
/// The default is what a session needs: `Path=/; Secure; HttpOnly; SameSite=Lax`, no `Domain`
/// (host only), no `Max-Age` (the browser drops it when closed). The session layer turns
/// `secure` off only when the redirect URI is `http://localhost` or `http://127.0.0.1`, for
/// local development over plain HTTP; anywhere else the session cookie must never travel over
/// plain HTTP.
///
/// ```
/// use feide_tower::session::cookie::{Chunker, CookieOptions};
///
/// let options = CookieOptions::default();
/// let header = options.set_cookie("session", "v1.abc")?;
/// assert_eq!(header, "session=v1.abc; HttpOnly; SameSite=Lax; Secure; Path=/");
///
/// // Write a new, short value where the browser holds three chunks: the stale ones go.
/// let request = [("session.0", "a"), ("session.1", "b"), ("session.2", "c"), ("other", "x")];
/// let headers = options.set_cookies(&Chunker::new(), "session", "v1.abc", request)?;
/// assert_eq!(headers.len(), 4);
/// assert!(headers[1].to_str()?.starts_with("session.0=; "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieOptions {
    /// `Path`; `/` by default.
    pub path: String,
    /// `Secure`; on by default (see above for the one exception).
    pub secure: bool,
    /// `HttpOnly`; always on for session cookies, so scripts cannot read them.
    pub http_only: bool,
    /// `SameSite`; `Lax` by default, which lets the session cookie come along on the redirect
    /// back from the provider. `Strict` would drop it there.
    pub same_site: SameSite,
    /// `Max-Age`; `None` (the default) makes a browser-session cookie.
    pub max_age: Option<Duration>,
    /// `Domain`; `None` (the default) keeps the cookie to the exact host, which is safer.
    pub domain: Option<String>,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            path: "/".to_owned(),
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            max_age: None,
            domain: None,
        }
    }
}

impl CookieOptions {
    /// Checks that cookies named `name` can be rendered with these options: call it once at
    /// startup so that a misconfiguration fails there and not on a request.
    ///
    /// # Errors
    /// [`CookieError`] for a name that is not a token, a bad path or domain, `SameSite=None`
    /// without `Secure`, or broken `__Host-`/`__Secure-` prefix rules.
    pub fn validate(&self, name: &str) -> Result<(), CookieError> {
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(CookieError::InvalidName);
        }
        if !self.path.starts_with('/') || !self.path.bytes().all(is_attribute_byte) {
            return Err(CookieError::InvalidPath);
        }
        if let Some(domain) = &self.domain
            && (domain.is_empty() || !domain.bytes().all(|b| is_attribute_byte(b) && b != b' '))
        {
            return Err(CookieError::InvalidDomain);
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(CookieError::SameSiteNoneNeedsSecure);
        }
        if name.starts_with("__Host-")
            && (!self.secure || self.path != "/" || self.domain.is_some())
        {
            return Err(CookieError::PrefixRules { prefix: "__Host-" });
        }
        if name.starts_with("__Secure-") && !self.secure {
            return Err(CookieError::PrefixRules {
                prefix: "__Secure-",
            });
        }
        Ok(())
    }

    /// One `Set-Cookie` header that stores `value` under `name`.
    ///
    /// # Errors
    /// As [`validate`](Self::validate), and [`CookieError::InvalidValue`] for a value with
    /// characters a cookie cannot hold (sealed values never have them).
    pub fn set_cookie(&self, name: &str, value: &str) -> Result<HeaderValue, CookieError> {
        self.validate(name)?;
        if !value.bytes().all(is_cookie_octet) {
            return Err(CookieError::InvalidValue);
        }
        let mut cookie = self.cookie(name, value);
        if let Some(max_age) = self.max_age {
            let secs = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
            cookie.set_max_age(cookie::time::Duration::seconds(secs));
        }
        to_header(&cookie)
    }

    /// One `Set-Cookie` header that deletes the cookie `name`: empty value, `Max-Age=0`, an
    /// `Expires` in the past, and the same path, domain and flags it was set with (a browser
    /// deletes only the cookie that matches them).
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn removal(&self, name: &str) -> Result<HeaderValue, CookieError> {
        self.validate(name)?;
        let mut cookie = self.cookie(name, "");
        cookie.make_removal();
        to_header(&cookie)
    }

    /// The `Set-Cookie` headers that store `value` under `name`, chunked as `chunker` decides,
    /// followed by removals for every cookie of `name` in the request (`request_cookies`) that
    /// the new ones do not overwrite: only names `chunker` could have written
    /// ([`Chunker::names_to_clear`]), so never more than `max_chunks + 1` removals.
    ///
    /// # Errors
    /// [`CookieError::Chunk`] if the value needs too many chunks, otherwise as
    /// [`set_cookie`](Self::set_cookie).
    pub fn set_cookies<'a>(
        &self,
        chunker: &Chunker,
        name: &str,
        value: &str,
        request_cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<HeaderValue>, CookieError> {
        let chunks = chunker.split(name, value)?;
        let stale = chunker.names_to_clear(name, request_cookies);
        let mut headers = Vec::with_capacity(chunks.len() + stale.len());
        for (chunk_name, chunk) in &chunks {
            headers.push(self.set_cookie(chunk_name, chunk)?);
        }
        for old in stale {
            if !chunks.iter().any(|(written, _)| written == old) {
                headers.push(self.removal(old)?);
            }
        }
        Ok(headers)
    }

    /// The `Set-Cookie` headers that delete every cookie of `name` in the request (logout, or a
    /// session that failed to open): at most `max_chunks + 1`, as
    /// [`Chunker::names_to_clear`] lists them.
    ///
    /// # Errors
    /// As [`removal`](Self::removal).
    pub fn clear_cookies<'a>(
        &self,
        chunker: &Chunker,
        name: &str,
        request_cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<HeaderValue>, CookieError> {
        chunker
            .names_to_clear(name, request_cookies)
            .into_iter()
            .map(|old| self.removal(old))
            .collect()
    }

    /// The cookie with every attribute but `Max-Age`.
    fn cookie<'c>(&'c self, name: &'c str, value: &'c str) -> cookie::Cookie<'c> {
        let mut cookie = cookie::Cookie::new(name, value);
        cookie.set_path(self.path.as_str());
        cookie.set_secure(self.secure);
        cookie.set_http_only(self.http_only);
        cookie.set_same_site(cookie::SameSite::from(self.same_site));
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.as_str());
        }
        cookie
    }
}

fn to_header(cookie: &cookie::Cookie<'_>) -> Result<HeaderValue, CookieError> {
    // Name, value, path and domain were checked to be visible ASCII, so this cannot fail; map
    // the error anyway rather than trust that.
    let mut header =
        HeaderValue::try_from(cookie.to_string()).map_err(|_| CookieError::InvalidValue)?;
    // A sealed session or flow cookie is a credential: `Debug` of the header (and of every
    // `HeaderMap` or answer holding it) prints `Sensitive`, and HTTP/2 never indexes it.
    header.set_sensitive(true);
    Ok(header)
}

/// RFC 6265 `cookie-name`: an RFC 7230 token character.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265 `cookie-octet`: visible ASCII but `"`, `,`, `;` and `\`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// RFC 6265 `av-octet` restricted to ASCII: no control characters and no `;`.
fn is_attribute_byte(b: u8) -> bool {
    (0x20..0x7F).contains(&b) && b != b';'
}
