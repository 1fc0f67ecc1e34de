use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::session::cookie::OpenError;

#[test]
fn round_trips_every_size() {
    let codec = codec(&[NEW]);
    for (i, len) in [0, 1, 15, 16, 17, 1024, 2048, 4096, 10 * 1024]
        .into_iter()
        .enumerate()
    {
        let plain = bytes(len, i as u64);
        let value = codec.seal("session", &plain);
        assert_eq!(codec.open("session", &value).unwrap(), plain, "{len} bytes");
        // Documented length: prefix + base64 of 32 bytes of overhead plus the plaintext.
        assert_eq!(value.len(), 3 + ((len + 32) * 4).div_ceil(3), "{len} bytes");
    }
}

#[test]
fn values_are_cookie_safe_ascii() {
    let value = codec(&[NEW]).seal("session", &bytes(500, 7));
    let rest = value.strip_prefix("v1.").unwrap();
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
}

#[test]
fn every_bit_flip_fails() {
    let codec = codec(&[NEW]);
    let value = codec.seal("session", b"user=42");
    let mut reached_open = 0;
    for i in 0..value.len() {
        for bit in 0..8 {
            let mut mutated = value.clone().into_bytes();
            mutated[i] ^= 1 << bit;
            // A byte that is no longer UTF-8 cannot even reach `open`.
            if let Ok(mutated) = String::from_utf8(mutated) {
                let err = codec.open("session", &mutated).unwrap_err();
                assert!(
                    matches!(
                        err,
                        OpenError::Malformed | OpenError::UnknownVersion | OpenError::Undecryptable
                    ),
                    "byte {i} bit {bit}: {err:?}"
                );
                reached_open += 1;
            }
        }
    }
    // Only the top bit of an ASCII byte makes invalid UTF-8: 7 of 8 flips reached `open`.
    assert_eq!(reached_open, value.len() * 7);
}

#[test]
fn every_bit_flip_of_the_decoded_bytes_fails() {
    // Hint, nonce, ciphertext and tag are all authenticated.
    let codec = codec(&[NEW, OLD]);
    let value = codec.seal("session", b"user=42");
    let raw = URL_SAFE_NO_PAD.decode(&value[3..]).unwrap();
    for i in 0..raw.len() {
        for bit in 0..8 {
            let mut mutated = raw.clone();
            mutated[i] ^= 1 << bit;
            let mutated = format!("v1.{}", URL_SAFE_NO_PAD.encode(&mutated));
            assert_eq!(
                codec.open("session", &mutated),
                Err(OpenError::Undecryptable),
                "byte {i} bit {bit}"
            );
        }
    }
}

#[test]
fn truncated_or_extended_values_fail() {
    let codec = codec(&[NEW]);
    let value = codec.seal("session", b"user=42");
    for len in 0..value.len() {
        assert!(
            codec.open("session", &value[..len]).is_err(),
            "first {len} bytes"
        );
    }
    for suffix in ["A", "AA", "AAAA", "=", "==", ".", " "] {
        assert!(
            codec.open("session", &format!("{value}{suffix}")).is_err(),
            "{suffix:?}"
        );
    }
    assert!(codec.open("session", &format!(" {value}")).is_err());
}

#[test]
fn prefixes_are_told_apart() {
    let codec = codec(&[NEW]);
    let body = &codec.seal("session", b"x")[3..];
    assert_eq!(
        codec.open("session", &format!("v2.{body}")),
        Err(OpenError::UnknownVersion)
    );
    assert_eq!(
        codec.open("session", &format!("v10.{body}")),
        Err(OpenError::UnknownVersion)
    );
    for bad in [
        String::new(),
        "v1.".to_owned(),
        "v1".to_owned(),
        format!("v.{body}"),
        format!("V1.{body}"),
        format!("x1.{body}"),
        format!("v1{body}"),
        body.to_owned(),
        "v1.!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!".to_owned(),
        // 31 decoded bytes: one short of hint, nonce and tag.
        format!("v1.{}", URL_SAFE_NO_PAD.encode([0u8; 31])),
        // Standard base64 alphabet and padding are not the wire format.
        format!("v1.{}=", &body[..body.len() - 1]),
    ] {
        assert_eq!(
            codec.open("session", &bad),
            Err(OpenError::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn wrong_key_fails() {
    let value = codec(&[OLD]).seal("session", b"x");
    assert_eq!(
        codec(&[NEW]).open("session", &value),
        Err(OpenError::Undecryptable)
    );
}

#[test]
fn value_under_another_cookie_name_fails() {
    let codec = codec(&[NEW]);
    let value = codec.seal("session", b"x");
    for other in ["Session", "session.0", "sessio", "", "login_state"] {
        assert_eq!(
            codec.open(other, &value),
            Err(OpenError::Undecryptable),
            "{other:?}"
        );
    }
    // Long names (associated data built on the heap) behave the same; 60 and 61 bytes border it.
    for len in [59, 60, 61, 200] {
        let name = "n".repeat(len);
        let value = codec.seal(&name, b"x");
        assert_eq!(codec.open(&name, &value).unwrap(), b"x");
        assert_eq!(
            codec.open(&name[..len - 1], &value),
            Err(OpenError::Undecryptable)
        );
        assert_eq!(
            codec.open(&format!("{name}n"), &value),
            Err(OpenError::Undecryptable)
        );
    }
}

#[test]
fn rotation_opens_old_and_seals_new() {
    let rotated = codec(&[NEW, OLD]);
    let old_cookie = codec(&[OLD]).seal("session", b"old");
    assert_eq!(rotated.open("session", &old_cookie).unwrap(), b"old");
    assert_eq!(rotated.open_indexed("session", &old_cookie).unwrap().1, 1);

    let new_cookie = rotated.seal("session", b"new");
    assert_eq!(rotated.open_indexed("session", &new_cookie).unwrap().1, 0);
    assert_eq!(codec(&[NEW]).open("session", &new_cookie).unwrap(), b"new");
    assert_eq!(
        codec(&[OLD]).open("session", &new_cookie),
        Err(OpenError::Undecryptable)
    );
}

#[test]
fn colliding_hints_still_open_with_the_right_key() {
    // Both keys carry the same hint: the first is tried, fails, and must not spoil the buffer
    // for the second.
    let sealer = CookieCodec::with_colliding_hints(&[OLD]);
    let value = sealer.seal("session", &bytes(300, 3));
    let ring = CookieCodec::with_colliding_hints(&[NEW, OLD]);
    let (plain, index) = ring.open_indexed("session", &value).unwrap();
    assert_eq!((plain, index), (bytes(300, 3), 1));
    // And a ring where no colliding key is right refuses it.
    let wrong = CookieCodec::with_colliding_hints(&[NEW]);
    assert_eq!(wrong.open("session", &value), Err(OpenError::Undecryptable));
}

#[test]
fn every_seal_uses_a_fresh_nonce() {
    let codec = codec(&[NEW]);
    let a = codec.seal("session", b"same");
    let b = codec.seal("session", b"same");
    assert_ne!(a, b);
    let nonce = |v: &str| URL_SAFE_NO_PAD.decode(&v[3..]).unwrap()[4..16].to_vec();
    assert_ne!(nonce(&a), nonce(&b));
    assert_eq!(
        codec.open("session", &a).unwrap(),
        codec.open("session", &b).unwrap()
    );
}

#[test]
fn oversized_values_are_refused_before_decoding() {
    let codec = codec(&[NEW]).with_max_value_len(199);
    assert_eq!(codec.max_value_len(), 199);
    // Not even base64: still `TooLarge`, so it was not decoded.
    assert_eq!(codec.open("s", &"!".repeat(200)), Err(OpenError::TooLarge));
    assert_eq!(codec.open("s", &"!".repeat(199)), Err(OpenError::Malformed));

    let under = codec.seal("s", &bytes(114, 1));
    assert_eq!(under.len(), 198);
    assert!(codec.open("s", &under).is_ok());
    let exact = codec.seal("s", &bytes(115, 1));
    assert_eq!(exact.len(), 199);
    assert!(codec.open("s", &exact).is_ok());
    let over = codec.seal("s", &bytes(116, 1));
    assert_eq!(over.len(), 201);
    assert_eq!(codec.open("s", &over), Err(OpenError::TooLarge));

    assert_eq!(CookieCodec::DEFAULT_MAX_VALUE_LEN, 19_000);
}

/// Prints the cost of opening a 2 KB session:
/// `cargo test --release --lib open_2kb_timing -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn open_2kb_timing() {
    let codec = codec(&[NEW, OLD]);
    let value = codec.seal("session", &bytes(2048, 9));
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(codec.open("session", std::hint::black_box(&value)).unwrap());
    }
    let open = start.elapsed() / rounds;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(codec.seal("session", std::hint::black_box(&[7u8; 2048])));
    }
    let seal = start.elapsed() / rounds;
    println!("open 2 KB: {open:?}, seal 2 KB: {seal:?}");
}
