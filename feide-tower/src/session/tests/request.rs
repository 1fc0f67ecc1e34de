use std::borrow::Cow;

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

use crate::session::cookie::{Chunker, request_cookies};

#[test]
fn reads_every_cookie_header_and_skips_junk() {
    let mut headers = HeaderMap::new();
    headers.append(
        COOKIE,
        HeaderValue::from_static(" a=1 ;;  ; b = 2; novalue; =empty; c=x=y"),
    );
    headers.append(
        COOKIE,
        HeaderValue::from_bytes(b"bad=\xff\xfe; d=4").unwrap(),
    );
    headers.append(COOKIE, HeaderValue::from_static("q=\"quoted\""));
    headers.append(
        http::header::SET_COOKIE,
        HeaderValue::from_static("not=read"),
    );
    let cookies: Vec<(&str, &str)> = request_cookies(&headers).collect();
    assert_eq!(
        cookies,
        [
            ("a", "1"),
            ("b", "2"),
            ("c", "x=y"),
            ("d", "4"),
            ("q", "\"quoted\"")
        ]
    );
    assert_eq!(request_cookies(&HeaderMap::new()).count(), 0);
}

#[test]
fn plain_cookie_joins_without_copying() {
    let mut headers = HeaderMap::new();
    headers.append(
        COOKIE,
        HeaderValue::from_static("theme=dark; session=v1.abc"),
    );
    let joined = Chunker::new()
        .join("session", request_cookies(&headers))
        .unwrap();
    assert!(matches!(joined, Some(Cow::Borrowed("v1.abc"))));
}

mod sole_cookie {
    use http::header::COOKIE;
    use http::{HeaderMap, HeaderValue};
    use proptest::prelude::*;

    use crate::session::cookie::{Chunker, request_cookies, sole_cookie, sole_cookie_noting};

    fn headers(values: &[Vec<u8>]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                headers.append(COOKIE, v);
            }
        }
        headers
    }

    #[test]
    fn another_cookie_is_noted_in_the_same_pass() {
        let with = headers(&[b"s=v1.abc; feide_flow_silent=x".to_vec()]);
        assert_eq!(
            sole_cookie_noting(&with, "s", Some("feide_flow_silent")),
            (Some(&b"v1.abc"[..]), true)
        );
        let without = headers(&[b"s=v1.abc; feide_flow_silentx=y; feide_flow_=z".to_vec()]);
        assert_eq!(
            sole_cookie_noting(&without, "s", Some("feide_flow_silent")),
            (Some(&b"v1.abc"[..]), false)
        );
        // A pass that stops early cannot say: "maybe".
        let twice = headers(&[b"s=a; s=b".to_vec()]);
        assert_eq!(sole_cookie_noting(&twice, "s", Some("m")), (None, true));
    }

    #[test]
    fn the_usual_request() {
        let h = headers(&[b"theme=dark; s = v1.abc ; other=x".to_vec()]);
        assert_eq!(sole_cookie(&h, "s"), Some(&b"v1.abc"[..]));
        for unusual in [
            &b"s=a; s=b"[..],
            b"s=a; s.0=b",
            b"s.0=a; s.1=b",
            b"s=a; s.x=b",
            b"t=1; \xc2\xa0s=b; s=a",
            b"\x0bs=b; s=a",
        ] {
            assert_eq!(
                sole_cookie(&headers(&[unusual.to_vec()]), "s"),
                None,
                "{unusual:?}"
            );
        }
        assert_eq!(sole_cookie(&headers(&[b"ss=a; t=b".to_vec()]), "s"), None);
        assert_eq!(sole_cookie(&HeaderMap::new(), "s"), None);
    }

    const NAMES: &[&[u8]] = &[
        b"s",
        b"s.0",
        b"s.1",
        b"s.x",
        b" s",
        b"s\t",
        b"\xc2\xa0s",
        b"\x0bs",
        b"t",
        b"",
        b"\xffs",
    ];
    const VALUES: &[&[u8]] = &[
        b"v1.abc",
        b"v1.xyz",
        b" v1.abc ",
        b"v1.abc\xc2\xa0",
        b"a=b",
        b"\xff",
        b"",
    ];

    /// Pieces of a `Cookie` header, with the names, spaces and bytes that parsers disagree on.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(NAMES),
            prop::bool::weighted(0.9),
            prop::sample::select(VALUES),
        )
            .prop_map(|(n, eq, v)| {
                let mut p = n.to_vec();
                if eq {
                    p.push(b'=');
                }
                p.extend_from_slice(v);
                p
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Whenever the fast path finds a value that the cache could hold (a sealed value is
        /// plain ASCII without spaces), the full path finds the same value.
        #[test]
        fn agrees_with_the_full_path(
            headers_pieces in prop::collection::vec(prop::collection::vec(piece(), 1..4), 1..3)
        ) {
            let values: Vec<Vec<u8>> = headers_pieces.iter().map(|pieces| pieces.join(&b';')).collect();
            let h = headers(&values);
            if let Some(fast) = sole_cookie(&h, "s")
                && fast.iter().all(|b| b.is_ascii_graphic())
            {
                let full = Chunker::new().join("s", request_cookies(&h)).ok().flatten();
                prop_assert_eq!(full.as_deref().map(str::as_bytes), Some(fast));
            }
        }

        /// `;` is found wherever it is, as splitting byte by byte finds it.
        #[test]
        fn pieces_are_split_like_bytes_split(bytes in prop::collection::vec(prop_oneof![Just(b';'), Just(b'a'), any::<u8>()], 0..200)) {
            let h = headers(std::slice::from_ref(&bytes));
            let Some(header) = h.get(COOKIE) else { return Ok(()) };
            let expected: Vec<(&str, &str)> = header
                .as_bytes()
                .split(|&b| b == b';')
                .filter_map(|p| std::str::from_utf8(p).ok())
                .filter_map(|p| {
                    let (n, v) = p.split_once('=')?;
                    let n = n.trim();
                    (!n.is_empty()).then(|| (n, v.trim()))
                })
                .collect();
            let got: Vec<(&str, &str)> = request_cookies(&h).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
