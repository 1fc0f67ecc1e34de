//! Reading the token from `Authorization: Bearer <token>` (RFC 6750 §2.1). Only the header: a
//! token in the query string or the body is never looked at.

use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::error::BearerError;

/// The bearer token of the request, borrowed from its headers.
///
/// Exactly one `Authorization` header; the scheme is case-insensitive; the token must be non-empty
/// `token68` (RFC 7235 §2.1), which every JWT is.
#[cfg(test)]
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, BearerError> {
    let token = bearer_credentials(headers).and_then(token68)?;
    std::str::from_utf8(token).map_err(|_| BearerError::InvalidRequest)
}

/// The credentials of `Authorization: Bearer <credentials>`, trimmed and non-empty, not yet
/// checked to be `token68` (see [`token68`]).
///
/// The check is left to the caller so that a verified-token cache hit can skip it: a hit is
/// byte-identical to a token that already passed it.
pub(crate) fn bearer_credentials(headers: &HeaderMap) -> Result<&[u8], BearerError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::MissingToken);
    };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest);
    }
    let bytes = value.as_bytes();
    let (scheme, rest) = match bytes.iter().position(|&b| b == b' ') {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &[][..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        // Credentials of another scheme: for us there are no credentials.
        return Err(BearerError::MissingToken);
    }
    let token = rest.trim_ascii();
    if token.is_empty() {
        return Err(BearerError::InvalidRequest);
    }
    Ok(token)
}

/// `credentials` if they are `token68` (so plain ASCII), or `invalid_request`.
pub(crate) fn token68(credentials: &[u8]) -> Result<&[u8], BearerError> {
    if is_token68(credentials) {
        Ok(credentials)
    } else {
        Err(BearerError::InvalidRequest)
    }
}

/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
///
/// Every byte is classified without branching and the results are and-ed, so the compiler checks
/// 16 or 32 bytes per instruction: a 1 KB token costs tens of nanoseconds, not a microsecond.
fn is_token68(token: &[u8]) -> bool {
    let body_len = token.len() - token.iter().rev().take_while(|&&b| b == b'=').count();
    body_len > 0
        && token[..body_len]
            .iter()
            .fold(true, |all, &b| all & is_token68_byte(b))
}

#[inline(always)]
fn is_token68_byte(b: u8) -> bool {
    // Non-short-circuit `|` on purpose: see `is_token68`.
    b.is_ascii_lowercase()
        | b.is_ascii_uppercase()
        | b.is_ascii_digit()
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(AUTHORIZATION, HeaderValue::from_bytes(v).unwrap());
        }
        headers
    }

    #[test]
    fn scheme_is_case_insensitive() {
        for v in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER a.b.c",
            "Bearer   a.b.c ",
        ] {
            assert_eq!(bearer_token(&with(&[v.as_bytes()])), Ok("a.b.c"), "{v}");
        }
    }

    #[test]
    fn refusals() {
        use BearerError::*;
        let cases: &[(&[&[u8]], BearerError)] = &[
            (&[], MissingToken),
            (&[b"Basic dXNlcjpwYXNz"], MissingToken),
            (&[b"Bearerx a.b.c"], MissingToken),
            (&[b"Bearer"], InvalidRequest),
            (&[b"Bearer "], InvalidRequest),
            (&[b"Bearer a b"], InvalidRequest),
            (&[b"Bearer a,b"], InvalidRequest),
            (&[b"Bearer ===="], InvalidRequest),
            (&[b"Bearer a=b"], InvalidRequest),
            (&[b"Bearer \xc3\xa6"], InvalidRequest),
            (&[b"Bearer a.b.c", b"Bearer a.b.c"], InvalidRequest),
        ];
        for (values, expected) in cases {
            assert_eq!(
                bearer_token(&with(values)).as_ref(),
                Err(expected),
                "{values:?}"
            );
        }
        assert_eq!(bearer_token(&with(&[b"Bearer abc=="])), Ok("abc=="));
    }
}
