//! Reading the cookies of a request.

use cookie::Cookie;
use http::HeaderMap;
use http::header::COOKIE;

/// The `(name, value)` pairs of every `Cookie` header of a request, in order, borrowed from the
/// headers (no allocation).
///
/// Several `Cookie` headers (as HTTP/2 sends them) are all read. Pieces that do not parse are
/// skipped, one by one: each header is cut at `;` before decoding, so a foreign cookie with
/// bytes that are not UTF-8 does not hide the others. Values are raw (not percent-decoded, quotes
/// kept), which is what [`Chunker::join`](super::Chunker::join) and
/// [`CookieCodec::open`](super::CookieCodec::open) expect.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::COOKIE};
/// use feide_tower::session::request_cookies;
///
/// let mut headers = HeaderMap::new();
/// headers.append(COOKIE, HeaderValue::from_static("a=1; broken; b=2"));
/// headers.append(COOKIE, HeaderValue::from_static("session=v1.abc"));
/// let cookies: Vec<(&str, &str)> = request_cookies(&headers).collect();
/// assert_eq!(cookies, [("a", "1"), ("b", "2"), ("session", "v1.abc")]);
/// ```
pub fn request_cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|header| header.as_bytes().split(|&b| b == b';'))
        .filter_map(|piece| {
            let piece = std::str::from_utf8(piece).ok()?.trim();
            if piece.is_empty() {
                return None;
            }
            let cookie = Cookie::parse(piece).ok()?;
            Some((cookie.name_raw()?, cookie.value_raw()?))
        })
}
