//! The `return_to` check: after login, users are sent back only to a path on this site.

/// Longest `return_to` kept; longer ones fall back to `/`.
const MAX_LEN: usize = 2048;

/// A same-origin path to send the user to after login (`/`, `/courses?id=7`, ...).
///
/// Anything that could leave the site is refused: scheme-relative `//host`, `/\host` (browsers
/// read `\` as `/`), absolute URLs and `javascript:`, control characters and whitespace (including
/// tab, CR and LF, which browsers strip), the same tricks percent-encoded (`/%2F%2Fevil`), and
/// paths whose dot segments a browser removes into one of them (`/.//evil`, `/a/..//evil`,
/// `/%2e%2e//evil`: RFC 3986 §5.2.4, with `%2e` read as `.` as browsers do).
///
/// ```
/// use feide_tower::login::ReturnTo;
///
/// assert_eq!(ReturnTo::parse("/courses?id=7").unwrap().as_str(), "/courses?id=7");
/// assert!(ReturnTo::parse("//evil.example").is_none());
/// assert!(ReturnTo::parse("/\\evil.example").is_none());
/// assert!(ReturnTo::parse("https://evil.example").is_none());
/// assert!(ReturnTo::parse("/%2F%2Fevil.example").is_none());
/// assert!(ReturnTo::parse("/.//evil.example").is_none());
/// assert!(ReturnTo::parse("/a/..//evil.example").is_none());
/// assert_eq!(ReturnTo::parse("/a/../b").unwrap().as_str(), "/a/../b");
/// assert_eq!(ReturnTo::parse_or_root("javascript:alert(1)").as_str(), "/");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTo(String);

impl ReturnTo {
    /// The site root.
    pub fn root() -> Self {
        Self("/".to_owned())
    }

    /// Accepts `raw` only if it is a safe same-origin path.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > MAX_LEN
            || !is_safe_path(raw.as_bytes())
            || !stays_a_path_after_dot_segments(raw.as_bytes())
        {
            return None;
        }
        // Decode up to three times: a value that decodes into something unsafe is refused, so a
        // server or framework that decodes once more cannot be tricked.
        let mut current = raw.as_bytes().to_vec();
        for _ in 0..3 {
            let decoded: Vec<u8> = percent_decode(&current);
            if decoded == current {
                break;
            }
            if !is_safe_decoded(&decoded) || !stays_a_path_after_dot_segments(&decoded) {
                return None;
            }
            current = decoded;
        }
        Some(Self(raw.to_owned()))
    }

    /// [`parse`](Self::parse), falling back to `/`.
    pub fn parse_or_root(raw: &str) -> Self {
        Self::parse(raw).unwrap_or_else(Self::root)
    }

    /// The path (and query), as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The raw value: starts with one `/`, printable ASCII without space or backslash.
fn is_safe_path(bytes: &[u8]) -> bool {
    matches!(bytes, [b'/', rest @ ..] if !rest.starts_with(b"/"))
        && bytes
            .iter()
            .all(|&b| (0x21..=0x7e).contains(&b) && b != b'\\')
}

/// A decoded value: still a single-slash path with no control characters or backslashes (a
/// decoded space is harmless: the raw value, which has none, is what goes into `Location`).
fn is_safe_decoded(bytes: &[u8]) -> bool {
    matches!(bytes, [b'/', rest @ ..] if !rest.starts_with(b"/"))
        && bytes.iter().all(|&b| b >= 0x20 && b != 0x7f && b != b'\\')
}

/// Whether the path part of `bytes` (up to `?` or `#`), with its dot segments removed as a browser
/// removes them, still starts with exactly one `/` (a backslash counts as a `/` here, as it does
/// for browsers).
///
/// Browsers resolve `Location: /.//evil.example` to the path `//evil.example` on our origin;
/// harmless as such, but that path is scheme-relative wherever it is used as a URL again (a
/// framework's trailing-slash redirect, a script reading `location.pathname`). So a value that
/// normalises to it is refused like `//evil.example` itself.
fn stays_a_path_after_dot_segments(bytes: &[u8]) -> bool {
    let end = bytes
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(bytes.len());
    let path = remove_dot_segments(&bytes[..end]);
    !path.starts_with(b"//")
}

/// RFC 3986 §5.2.4 on an absolute path, the way the WHATWG URL parser does it for `http(s)`:
/// segments end at `/` or `\`, and `.`/`..` may be spelt with `%2e` in any case.
fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let mut segments = path.split(|&b| b == b'/' || b == b'\\');
    // The part before the first `/` (empty for an absolute path): kept as the root.
    let mut out: Vec<&[u8]> = Vec::new();
    let root = segments.next().unwrap_or_default();
    let mut rest = segments.peekable();
    while let Some(segment) = rest.next() {
        let last = rest.peek().is_none();
        if is_double_dot(segment) {
            out.pop();
            if last {
                out.push(b"");
            }
        } else if is_single_dot(segment) {
            if last {
                out.push(b"");
            }
        } else {
            out.push(segment);
        }
    }
    let mut normalised = root.to_vec();
    for segment in out {
        normalised.push(b'/');
        normalised.extend_from_slice(segment);
    }
    normalised
}

/// `.` or `%2e`.
fn is_single_dot(segment: &[u8]) -> bool {
    segment == b"." || segment.eq_ignore_ascii_case(b"%2e")
}

/// `..`, `.%2e`, `%2e.` or `%2e%2e`.
fn is_double_dot(segment: &[u8]) -> bool {
    match segment.len() {
        2 => segment == b"..",
        4 => segment.eq_ignore_ascii_case(b".%2e") || segment.eq_ignore_ascii_case(b"%2e."),
        6 => segment.eq_ignore_ascii_case(b"%2e%2e"),
        _ => false,
    }
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).and_then(|&b| hex(b)),
                input.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_paths_pass() {
        for ok in [
            "/",
            "/me",
            "/a/b?c=d&e=%20f",
            "/x#frag",
            "/%41bc",
            "/caf%C3%A9",
            "/a/../b",
            "/a/./b",
            "/a/b/..",
            "/..",
            "/./",
            "/.",
            "/a//b",
            "/a/.//b",
            "/...//x",
            "/.a//x",
            "/%2e%2e%2e//x",
            "/x?next=/.//evil.example",
            "/x#/..//evil.example",
        ] {
            assert_eq!(
                ReturnTo::parse(ok).map(|r| r.0),
                Some(ok.to_owned()),
                "{ok}"
            );
        }
    }

    #[test]
    fn everything_that_can_leave_the_site_falls_back() {
        let bad = [
            "",
            "me",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "data:text/html,x",
            "/%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%252F%252Fevil.example",
            "/%25252F%25252Fevil.example",
            "/\tevil",
            "/\r\nLocation: x",
            "/\nx",
            "/ x",
            "/%09/evil.example",
            "/%0d%0aSet-Cookie:x",
            "/%00",
            "/\u{7f}",
            "/é",
            " /me",
            "/me ",
            // Dot segments that a browser removes into `//evil.example` (issue 13, finding 12).
            "/.//evil.example",
            "/..//evil.example",
            "/./..//evil.example",
            "/a/..//evil.example",
            "/a/b/../..//evil.example",
            "/%2e//evil.example",
            "/%2E//evil.example",
            "/%2e%2e//evil.example",
            "/.%2E//evil.example",
            "/%2e.//evil.example",
            "/.//",
            "/.//evil.example?x=1",
            "/%252e%252e//evil.example",
            "/.%2F%2Fevil.example",
            "/.%2F/evil.example",
            "/%2e%2F%2Fevil.example",
            "/.%5C%5Cevil.example",
            "/..%5Cevil.example",
            "/%2e%2e%5C%5Cevil.example",
        ];
        for b in bad {
            assert_eq!(ReturnTo::parse_or_root(b), ReturnTo::root(), "{b:?}");
        }
        assert!(ReturnTo::parse(&format!("/{}", "a".repeat(MAX_LEN))).is_none());
    }

    #[test]
    fn dot_segments_are_removed_as_browsers_do() {
        let cases: [(&str, &str); 15] = [
            ("/", "/"),
            ("/a/b", "/a/b"),
            ("/.", "/"),
            ("/..", "/"),
            ("/a/.", "/a/"),
            ("/a/..", "/"),
            ("/a/../b", "/b"),
            ("/a/./b/", "/a/b/"),
            ("/.//x", "//x"),
            ("/..//x", "//x"),
            ("/a/b/../../..//x", "//x"),
            ("/%2E%2e/x", "/x"),
            ("/.\\x", "/x"),
            ("/.\\\\x", "//x"),
            ("/...", "/..."),
        ];
        for (path, normalised) in cases {
            assert_eq!(
                String::from_utf8(remove_dot_segments(path.as_bytes())).unwrap(),
                normalised,
                "{path:?}"
            );
        }
    }
}

/// Property tests (issue #9): whatever `parse` accepts stays on this site, as given and after
/// any number of percent-decodings up to the three it checks, also once a browser has removed
/// its dot segments (issue 13); ordinary paths are never refused.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// Whether `location`, followed by a browser on an `https://app.example` page, stays there,
    /// and resolves (dot segments removed, `%2e` read as `.`, as the WHATWG parser of the `url`
    /// crate does like browsers) to a path that is not itself scheme-relative.
    fn same_origin(location: &str) -> bool {
        let base = url::Url::parse("https://app.example/some/page?x=1").unwrap();
        base.join(location).is_ok_and(|target| {
            target.origin() == base.origin() && !target.path().starts_with("//")
        })
    }

    fn check_accepted(raw: &str) -> Result<(), TestCaseError> {
        let Some(accepted) = ReturnTo::parse(raw) else {
            prop_assert_eq!(ReturnTo::parse_or_root(raw), ReturnTo::root());
            return Ok(());
        };
        prop_assert_eq!(accepted.as_str(), raw);
        let bytes = raw.as_bytes();
        prop_assert!(bytes[0] == b'/' && bytes.get(1) != Some(&b'/'), "{:?}", raw);
        prop_assert!(
            bytes
                .iter()
                .all(|&b| (0x21..=0x7e).contains(&b) && b != b'\\'),
            "{:?}",
            raw
        );
        let mut current = bytes.to_vec();
        for _ in 0..=3 {
            prop_assert!(
                !current.starts_with(b"//") && !current.starts_with(b"/\\"),
                "{:?}",
                raw
            );
            prop_assert!(
                !current.iter().any(|&b| b < 0x20 || b == 0x7f || b == b'\\'),
                "{:?}",
                raw
            );
            let text = String::from_utf8_lossy(&current).into_owned();
            prop_assert!(
                same_origin(&text),
                "{:?} leaves the site as {:?}",
                raw,
                text
            );
            let decoded = percent_decode(&current);
            if decoded == current {
                break;
            }
            current = decoded;
        }
        Ok(())
    }

    /// Pieces open-redirect payloads are made of.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "/",
            "//",
            "\\",
            "%2F",
            "%2f",
            "%5C",
            "%5c",
            "%252F",
            "%255C",
            "%25252F",
            "%2525252F",
            "%09",
            "%0A",
            "%0D",
            "%00",
            "%20",
            "%7F",
            "\t",
            "\n",
            " ",
            "http:",
            "https:",
            "javascript:",
            "evil.example",
            "@",
            ".",
            "..",
            "%2E",
            "%2e",
            "%252e",
            ".%2E",
            "/./",
            "/../",
            "?",
            "#",
            "%3F",
            "%23",
            "%",
            "%%",
            "%E2%80%8B",
            "%EF%BC%8F",
            "\u{ff0f}",
            "a",
            "courses",
            "=",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn parse_never_panics_and_what_it_accepts_is_same_origin(raw in any::<String>()) {
            check_accepted(&raw)?;
        }

        #[test]
        fn payloads_built_from_attack_pieces_never_leave_the_site(pieces in proptest::collection::vec(piece(), 1..8)) {
            check_accepted(&pieces.concat())?;
        }

        #[test]
        fn ordinary_paths_are_kept(
            segments in proptest::collection::vec("[A-Za-z0-9_.~-]{1,12}", 0..5),
            query in proptest::option::of("[a-z]{1,5}=[A-Za-z0-9%]{0,10}"),
        ) {
            prop_assume!(segments.first().is_none_or(|s| !s.is_empty()));
            let mut path = format!("/{}", segments.join("/"));
            if let Some(q) = query {
                path = format!("{path}?{q}");
            }
            let decoded_twice = percent_decode(&percent_decode(path.as_bytes()));
            prop_assume!(!decoded_twice.starts_with(b"//") && decoded_twice.iter().all(|&b| b >= 0x20 && b != 0x7f && b != b'\\'));
            prop_assert_eq!(ReturnTo::parse(&path).map(|r| r.0), Some(path));
        }
    }
}
