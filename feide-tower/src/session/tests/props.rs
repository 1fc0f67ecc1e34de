//! Property tests: round trips hold and mutations never open.

use proptest::prelude::*;

use super::*;
use crate::session::cookie::{Chunker, request_cookies};

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,80}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_holds_for_any_payload(plain in proptest::collection::vec(any::<u8>(), 0..6000), name in name()) {
        let codec = codec(&[NEW, OLD]);
        let value = codec.seal(&name, &plain);
        prop_assert_eq!(codec.open(&name, &value).unwrap(), plain);
    }

    #[test]
    fn any_byte_change_fails(plain in proptest::collection::vec(any::<u8>(), 0..300), index in any::<prop::sample::Index>(), delta in 1u8..=255) {
        let codec = codec(&[NEW, OLD]);
        let value = codec.seal("session", &plain);
        let mut mutated = value.into_bytes();
        let i = index.index(mutated.len());
        mutated[i] = mutated[i].wrapping_add(delta);
        if let Ok(mutated) = String::from_utf8(mutated) {
            prop_assert!(codec.open("session", &mutated).is_err());
        }
    }

    #[test]
    fn any_cut_or_splice_fails(plain in proptest::collection::vec(any::<u8>(), 0..300), index in any::<prop::sample::Index>(), insert in "[A-Za-z0-9_-]{0,8}", cut in 0usize..8) {
        let codec = codec(&[NEW]);
        let value = codec.seal("session", &plain);
        let i = index.index(value.len());
        let end = (i + cut).min(value.len());
        let mutated = format!("{}{}{}", &value[..i], insert, &value[end..]);
        prop_assume!(mutated != value);
        prop_assert!(codec.open("session", &mutated).is_err());
    }

    #[test]
    fn open_never_panics(value in any::<String>()) {
        let _ = codec(&[NEW]).open("session", &value);
        let _ = codec(&[NEW]).open("session", &format!("v1.{value}"));
    }

    #[test]
    fn split_join_round_trip(value in any::<String>(), repeat in 1usize..1200) {
        let chunker = Chunker::new();
        let value = value.repeat(repeat);
        match chunker.split("s", &value) {
            Ok(chunks) => {
                prop_assert!(chunks.len() <= chunker.max_chunks());
                prop_assert!(chunks.iter().all(|(_, c)| c.len() <= crate::session::cookie::CHUNK_SIZE));
                let joined = chunker.join("s", chunks.iter().map(|(n, v)| (n.as_str(), *v))).unwrap();
                prop_assert_eq!(joined.as_deref(), Some(value.as_str()));
            }
            Err(_) => prop_assert!(value.len() > chunker.max_value_len() - 4),
        }
    }

    #[test]
    fn join_never_panics(cookies in proptest::collection::vec(("s(\\.[0-9]{1,3})?|s\\.[0-9]{25}|t", "[a-z]{0,3}"), 0..40)) {
        let chunker = Chunker::new();
        let pairs = cookies.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        if let Ok(Some(joined)) = chunker.join("s", pairs.clone()) {
            prop_assert!(joined.len() <= 3 * cookies.len());
        }
        let clear = chunker.names_to_clear("s", pairs);
        prop_assert!(clear.iter().all(|n| *n == "s" || n.starts_with("s.")));
    }

    #[test]
    fn cookie_header_parsing_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_bytes(&raw) {
            headers.append(http::header::COOKIE, value);
        }
        let _ = Chunker::new().join("s", request_cookies(&headers));
    }
}
