//! The sealed-cookie codec and the chunk joiner on hostile input. The first byte picks a mode:
//!
//! - `0`: open any value (and any value behind the `v1.` prefix): never panics.
//! - `1`: seal the rest and open it again: the round trip holds for any payload.
//! - `2`: seal the payload, change one byte (position and delta from the input): never opens.
//! - `3`: cut the sealed value or splice bytes into it: never opens.
//! - `4`: the rest is a `Cookie` header: joining chunks and opening the result never panic.
//!
//! "Never opens" is asserted only for mutations of a value sealed in this run (modes 2 and 3),
//! whose random nonce makes its tag unknowable in advance. For inputs that are opened as they
//! are (modes 0 and 4), libFuzzer's comparison tracing watches the tag check inside this
//! process (the AES-GCM crate is instrumented Rust) and can copy the expected tag into its
//! next input: a forgery only an in-process observer can make, so there the target checks
//! that opening never panics and is deterministic.
#![no_main]

use std::sync::OnceLock;

use feide_tower::session::KeyRing;
use feide_tower::session::cookie::{Chunker, CookieCodec, Envelope, request_cookies};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "feide_session";

fn codec() -> &'static CookieCodec {
    static CODEC: OnceLock<CookieCodec> = OnceLock::new();
    CODEC.get_or_init(|| {
        let ring = KeyRing::from_secrets(&[
            "3LwBDLF/D6HBATHce8XtzQ9ygiV2nDsIbMZ84hC8DWM=",
            "kGSb/e951ZYEVu/g13JgyHq5dHmuKrK7PeBEEu/2XdM=",
        ])
        .expect("test secrets");
        CookieCodec::new(ring)
    })
}

fn never_opens(value: &str) {
    let codec = codec();
    assert!(codec.open(NAME, value).is_err(), "a mutated value opened");
    let opened: Result<Envelope<serde_json::Value>, _> =
        codec.open_envelope(NAME, value, 1_700_000_000, None);
    assert!(opened.is_err(), "a mutated envelope opened");
}

/// Opening any value never panics, and gives the same answer twice.
fn opens_consistently(value: &str) {
    let codec = codec();
    let first = codec.open(NAME, value);
    assert_eq!(first, codec.open(NAME, value));
    let _: Result<Envelope<serde_json::Value>, _> =
        codec.open_envelope(NAME, value, 1_700_000_000, None);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let codec = codec();
    match mode % 5 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            opens_consistently(&text);
            opens_consistently(&format!("v1.{text}"));
        }
        1 => {
            let sealed = codec.seal(NAME, rest);
            assert_eq!(codec.open(NAME, &sealed).expect("round trip"), rest);
            assert!(codec.open("another_name", &sealed).is_err());
        }
        2 => {
            let [a, b, delta, plain @ ..] = rest else {
                return;
            };
            if *delta == 0 {
                return;
            }
            let mut bytes = codec.seal(NAME, plain).into_bytes();
            let i = usize::from(u16::from_le_bytes([*a, *b])) % bytes.len();
            bytes[i] = bytes[i].wrapping_add(*delta);
            if let Ok(mutated) = String::from_utf8(bytes) {
                never_opens(&mutated);
            }
        }
        3 => {
            let [a, cut, insert_len, tail @ ..] = rest else {
                return;
            };
            let insert_len = usize::from(*insert_len % 8).min(tail.len());
            let (insert, plain) = tail.split_at(insert_len);
            let sealed = codec.seal(NAME, plain);
            let i = usize::from(*a) % sealed.len();
            let end = (i + usize::from(*cut % 8)).min(sealed.len());
            let insert = String::from_utf8_lossy(insert);
            let mutated = format!("{}{insert}{}", &sealed[..i], &sealed[end..]);
            if mutated != sealed {
                never_opens(&mutated);
            }
        }
        _ => {
            let mut headers = http::HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_bytes(rest) {
                headers.append(http::header::COOKIE, value);
            }
            if let Ok(Some(joined)) = Chunker::new().join(NAME, request_cookies(&headers)) {
                opens_consistently(&joined);
            }
            let _ = Chunker::new().names_to_clear(NAME, request_cookies(&headers));
        }
    }
});
