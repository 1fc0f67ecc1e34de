//! Reading the cookies of a request.

use http::HeaderMap;

use crate::find_byte::find_byte;
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
/// use feide_tower::session::cookie::request_cookies;
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
        .flat_map(|header| pieces(header.as_bytes()))
        .filter_map(|piece| std::str::from_utf8(piece).ok())
        .filter_map(pair)
}

/// The value of the cookie `name` when the request has exactly one cookie of that name and no
/// `name.<anything>`, raw and not checked to be UTF-8; `None` in every other case, and whenever
/// a cookie name has bytes that [`request_cookies`] would trim or skip differently (non-ASCII,
/// vertical tab).
///
/// The per-request fast path of the login layer: a value found here that is byte-identical to
/// one that opened before is exactly what [`request_cookies`] and
/// [`Chunker::join`](super::Chunker::join) would give. Anything else takes the full path.
#[cfg(test)]
pub(crate) fn sole_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a [u8]> {
    sole_cookie_noting(headers, name, None).0
}

/// [`sole_cookie`], and in the same pass whether a cookie named `other` may be present:
/// `false` only when the whole header was read and no cookie has that exact name (`true` when
/// the pass stopped early, on a name [`sole_cookie`] leaves to the full path).
pub(crate) fn sole_cookie_noting<'a>(
    headers: &'a HeaderMap,
    name: &str,
    other: Option<&str>,
) -> (Option<&'a [u8]>, bool) {
    let mut found = None;
    let mut seen_other = false;
    for header in headers.get_all(COOKIE) {
        for piece in pieces(header.as_bytes()) {
            let Some(eq) = piece.iter().position(|&b| b == b'=') else {
                continue;
            };
            let piece_name = &piece[..eq];
            if piece_name.iter().any(|&b| b >= 0x80 || b == 0x0b) {
                return (None, true);
            }
            let trimmed = piece_name.trim_ascii();
            if other.is_some_and(|other| trimmed == other.as_bytes()) {
                seen_other = true;
            }
            match trimmed.strip_prefix(name.as_bytes()) {
                Some([]) if found.is_none() => found = Some(piece[eq + 1..].trim_ascii()),
                Some([]) | Some([b'.', ..]) => return (None, true),
                _ => {}
            }
        }
    }
    (found, seen_other)
}

/// The `;`-separated pieces of one header, as `<[u8]>::split` gives them.
fn pieces(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(header);
    std::iter::from_fn(move || {
        let current = rest?;
        match find_byte(current, b';') {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// `name=value` with surrounding whitespace trimmed; `None` without `=` or with an empty name.
/// The value is raw: not percent-decoded, quotes kept, anything after the first `=` included.
fn pair(piece: &str) -> Option<(&str, &str)> {
    let (name, value) = piece.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some((name, value.trim()))
}
