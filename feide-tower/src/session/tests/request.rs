use std::borrow::Cow;

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

use crate::session::{Chunker, request_cookies};

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
