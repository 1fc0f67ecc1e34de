//! The whole path: seal, chunk, `Set-Cookie`, browser, `Cookie`, join, open.

use std::time::Duration;

use super::*;
use crate::session::cookie::{Chunker, CookieOptions, Envelope, request_cookies};

const T0: u64 = 1_700_000_000;

fn read(jar: &Jar, codec: &CookieCodec) -> Option<Envelope<String>> {
    let headers = jar.request_headers();
    let joined = Chunker::new()
        .join("session", request_cookies(&headers))
        .unwrap()?;
    Some(
        codec
            .open_envelope("session", &joined, T0 + 1, None)
            .unwrap(),
    )
}

fn write(jar: &mut Jar, codec: &CookieCodec, data: &str) {
    let value = codec
        .seal_envelope("session", &data, T0, Duration::from_secs(3600))
        .unwrap();
    let headers = jar.request_headers();
    let set = CookieOptions::default()
        .set_cookies(
            &Chunker::new(),
            "session",
            &value,
            request_cookies(&headers),
        )
        .unwrap();
    jar.apply(&set);
}

#[test]
fn sessions_grow_shrink_and_log_out_through_a_browser() {
    let codec = codec(&[NEW]);
    let mut jar = Jar::default();
    assert!(read(&jar, &codec).is_none());

    // 10 KB of data: chunked.
    let big: String =
        String::from_utf8(bytes(10 * 1024, 5).iter().map(|b| b'a' + b % 26).collect()).unwrap();
    write(&mut jar, &codec, &big);
    assert_eq!(
        jar.names(),
        ["session.0", "session.1", "session.2", "session.3"]
    );
    assert_eq!(read(&jar, &codec).unwrap().data, big);

    // Shrinks to one cookie: the chunks are deleted.
    write(&mut jar, &codec, "small");
    assert_eq!(jar.names(), ["session"]);
    assert_eq!(read(&jar, &codec).unwrap().data, "small");

    // Grows again: the plain cookie is deleted.
    write(&mut jar, &codec, &big[..5000]);
    assert_eq!(jar.names(), ["session.0", "session.1"]);
    assert_eq!(read(&jar, &codec).unwrap().data, &big[..5000]);

    // Logout.
    let headers = jar.request_headers();
    let clear = CookieOptions::default()
        .clear_cookies(&Chunker::new(), "session", request_cookies(&headers))
        .unwrap();
    jar.apply(&clear);
    assert!(jar.names().is_empty());
}

#[test]
fn chunks_cannot_be_reordered_or_mixed() {
    let codec = codec(&[NEW]);
    let chunker = Chunker::new();
    let a = codec.seal("session", &bytes(6000, 1));
    let b = codec.seal("session", &bytes(6000, 2));
    let ca = chunker.split("session", &a).unwrap();
    let cb = chunker.split("session", &b).unwrap();
    let swapped = [("session.0", ca[1].1), ("session.1", ca[0].1)];
    let mixed = [("session.0", ca[0].1), ("session.1", cb[1].1)];
    for request in [swapped, mixed] {
        let joined = chunker.join("session", request).unwrap().unwrap();
        assert!(codec.open("session", &joined).is_err());
    }
}
