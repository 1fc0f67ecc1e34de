//! Building API URLs: path segments percent-encoded (RFC 3986 §3.3), never able to climb out of
//! the API base.

use super::bearer_get::ApiError;

/// `value` as one URL path segment: everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) percent-encoded, so `fc:org:uio.no` becomes `fc%3Aorg%3Auio.no` and
/// `a/b` cannot add a segment. An empty value, `.` and `..` are refused
/// ([`ApiError::InvalidArgument`]): they would change which endpoint is called (URL parsers
/// resolve `..` and even `%2E%2E` as "the parent").
pub(crate) fn segment(what: &'static str, value: &str) -> Result<String, ApiError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(ApiError::InvalidArgument(what));
    }
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex(byte >> 4));
            out.push(hex(byte & 0x0f));
        }
    }
    Ok(out)
}

fn hex(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0x0f)])
}

/// `base` without a trailing `/`, then `/` and each part (parts are already encoded).
pub(crate) fn join(base: &str, parts: &[&str]) -> String {
    let mut url = base.trim_end_matches('/').to_owned();
    for part in parts {
        url.push('/');
        url.push_str(part);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(
            segment("id", "fc:fs:fs:emne:uio.no:INF1000:1").unwrap(),
            "fc%3Afs%3Afs%3Aemne%3Auio.no%3AINF1000%3A1"
        );
        assert_eq!(segment("id", "a/b?c#d e").unwrap(), "a%2Fb%3Fc%23d%20e");
        assert_eq!(segment("id", "feide:ø@x").unwrap(), "feide%3A%C3%B8%40x");
        assert_eq!(segment("id", "...").unwrap(), "...");
        assert!(segment("id", "..").is_err());
        assert!(segment("id", ".").is_err());
        assert!(matches!(
            segment("id", ""),
            Err(ApiError::InvalidArgument("id"))
        ));
    }

    #[test]
    fn joins_under_the_base() {
        assert_eq!(
            join("https://x/groups/", &["me", "groups"]),
            "https://x/groups/me/groups"
        );
    }
}
