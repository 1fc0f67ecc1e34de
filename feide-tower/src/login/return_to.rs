//! The `return_to` check: after login, users are sent back only to a path on this site.

/// Longest `return_to` kept; longer ones fall back to `/`.
const MAX_LEN: usize = 2048;

/// A same-origin path to send the user to after login (`/`, `/courses?id=7`, ...).
///
/// Anything that could leave the site is refused: scheme-relative `//host`, `/\host` (browsers
/// read `\` as `/`), absolute URLs and `javascript:`, control characters and whitespace (including
/// tab, CR and LF, which browsers strip), and the same tricks percent-encoded (`/%2F%2Fevil`).
///
/// ```
/// use feide_tower::login::ReturnTo;
///
/// assert_eq!(ReturnTo::parse("/courses?id=7").unwrap().as_str(), "/courses?id=7");
/// assert!(ReturnTo::parse("//evil.example").is_none());
/// assert!(ReturnTo::parse("/\\evil.example").is_none());
/// assert!(ReturnTo::parse("https://evil.example").is_none());
/// assert!(ReturnTo::parse("/%2F%2Fevil.example").is_none());
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
        if raw.len() > MAX_LEN || !is_safe_path(raw.as_bytes()) {
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
            if !is_safe_decoded(&decoded) {
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
        ];
        for b in bad {
            assert_eq!(ReturnTo::parse_or_root(b), ReturnTo::root(), "{b:?}");
        }
        assert!(ReturnTo::parse(&format!("/{}", "a".repeat(MAX_LEN))).is_none());
    }
}

/// Property tests (issue #9): whatever `parse` accepts stays on this site, as given and after
/// any number of percent-decodings up to the three it checks; ordinary paths are never refused.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// Whether `location`, followed by a browser on an `https://app.example` page, stays there.
    fn same_origin(location: &str) -> bool {
        let base = url::Url::parse("https://app.example/some/page?x=1").unwrap();
        base.join(location)
            .is_ok_and(|target| target.origin() == base.origin())
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
