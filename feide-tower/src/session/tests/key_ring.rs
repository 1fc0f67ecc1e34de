use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::session::{KeyError, OpenError};

/// Asserts that neither the message nor the `Debug` of `err` holds `secret` or a long piece of it.
fn assert_no_secret(err: &KeyError, secret: &str) {
    let shown = format!("{err} {err:?}");
    let bytes = secret.as_bytes();
    for window in bytes.windows(8.min(bytes.len())) {
        let piece = String::from_utf8_lossy(window);
        assert!(!shown.contains(&*piece), "{shown:?} quotes the secret");
    }
}

#[test]
fn accepts_secrets_of_any_format() {
    let hex = "3f9a0c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60";
    let base64 = "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=";
    let passphrase = "correct horse battery staple, and more words";
    let ring = KeyRing::from_secrets(&[hex, base64, passphrase]).unwrap();
    assert_eq!(ring.key_count(), 3);
}

#[test]
fn env_value_is_comma_separated_and_trimmed() {
    let ring = KeyRing::from_env_value(&format!(" {NEW} ,\t{OLD}\n")).unwrap();
    assert_eq!(ring.key_count(), 2);
    // Trimming matters: the trimmed secret gives the same key as the bare one.
    let value = CookieCodec::new(ring).seal("s", b"x");
    assert_eq!(codec(&[NEW]).open("s", &value).unwrap(), b"x");
}

#[test]
fn empty_items_are_errors() {
    for (value, index) in [
        (format!("{NEW},,{OLD}"), 2),
        (format!("{NEW},"), 2),
        (format!(",{NEW}"), 1),
        (format!("{NEW}, ,{OLD}"), 2),
        (" , ".to_owned(), 1),
    ] {
        assert_eq!(
            KeyRing::from_env_value(&value).unwrap_err(),
            KeyError::Empty {
                origin: "APP_SECRET_KEY",
                index
            },
            "{value:?}"
        );
    }
    for value in ["", "   ", "\n"] {
        assert_eq!(
            KeyRing::from_env_value(value).unwrap_err(),
            KeyError::NoKeys {
                origin: "APP_SECRET_KEY"
            }
        );
    }
    assert!(matches!(
        KeyRing::from_secrets(&[]).unwrap_err(),
        KeyError::NoKeys { .. }
    ));
    assert!(matches!(
        KeyRing::from_secrets(&[NEW, "  "]).unwrap_err(),
        KeyError::Empty { index: 2, .. }
    ));
}

#[test]
fn short_secret_is_refused_without_echoing_it() {
    let short = "Sup3rS3cret-but-too-short!";
    let err = KeyRing::from_env_value(&format!("{NEW},{short}")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "APP_SECRET_KEY key #2 is shorter than 32 bytes (26 bytes); \
         generate one with `openssl rand -base64 32`"
    );
    assert_no_secret(&err, short);

    // 31 bytes refused, 32 accepted.
    let err = KeyRing::from_secrets(&[&NEW[..31]]).unwrap_err();
    assert!(matches!(
        err,
        KeyError::TooShort {
            index: 1,
            len: 31,
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with("session secret key #1 is shorter than 32 bytes")
    );
    assert_no_secret(&err, &NEW[..31]);
    assert!(KeyRing::from_secrets(&[&NEW[..32]]).is_ok());
}

#[test]
fn low_entropy_secret_is_refused_without_echoing_it() {
    let nine = "abcdefghi".repeat(5);
    let ten = "abcdefghij".repeat(4);
    for weak in ["a".repeat(40), "0".repeat(64), "ab".repeat(20), nine] {
        let err = KeyRing::from_env_value(&weak).unwrap_err();
        assert_eq!(
            err,
            KeyError::LowEntropy {
                origin: "APP_SECRET_KEY",
                index: 1
            },
            "{weak}"
        );
        assert!(err.to_string().contains("key #1 is not random"));
        assert_no_secret(&err, &weak);
    }
    assert!(KeyRing::from_secrets(&[&ten]).is_ok());
}

#[test]
fn debug_shows_only_the_key_count() {
    let ring = KeyRing::from_secrets(&[NEW, OLD]).unwrap();
    assert_eq!(format!("{ring:?}"), "KeyRing { keys: 2 }");
    let shown = format!("{:?} {:#?}", CookieCodec::new(ring.clone()), ring);
    assert!(!shown.contains("secret"), "{shown}");
    assert!(!shown.contains("cipher"), "{shown}");
}

#[test]
fn the_same_secret_gives_the_same_key() {
    let value = codec(&[NEW]).seal("s", b"stable");
    assert_eq!(codec(&[NEW]).open("s", &value).unwrap(), b"stable");
    assert_eq!(
        codec(&[OLD]).open("s", &value),
        Err(OpenError::Undecryptable)
    );
}

/// HKDF-SHA256 written out with HMAC (RFC 5869), for one 32-byte block.
fn hkdf_by_hand(secret: &[u8]) -> [u8; 32] {
    let salt = hmac::Key::new(hmac::HMAC_SHA256, b"feide-tower session v1");
    let prk = hmac::sign(&salt, secret);
    let prk = hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref());
    let okm = hmac::sign(&prk, b"cookie aes-256-gcm\x01");
    okm.as_ref().try_into().unwrap()
}

/// Opens a value following the documented wire format with independent code.
fn open_by_hand(secret: &str, name: &str, value: &str) -> Vec<u8> {
    let key = hkdf_by_hand(secret.as_bytes());
    let raw = URL_SAFE_NO_PAD
        .decode(value.strip_prefix("v1.").unwrap())
        .unwrap();
    let digest = digest::digest(&digest::SHA256, &key);
    let hint = &digest.as_ref()[..4];
    assert_eq!(&raw[..4], hint, "key hint = SHA-256(key)[..4]");
    let aad = [hint, name.as_bytes()].concat();
    let nonce = Nonce::try_from(&raw[4..16]).unwrap();
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))
        .decrypt(
            &nonce,
            Payload {
                msg: &raw[16..],
                aad: &aad,
            },
        )
        .unwrap()
}

#[test]
fn derivation_and_wire_format_follow_the_documentation() {
    let value = codec(&[NEW]).seal("session", b"documented");
    assert_eq!(open_by_hand(NEW, "session", &value), b"documented");
}

/// A value sealed by this version must keep opening after upgrades (or sessions all end).
#[test]
fn a_value_sealed_by_v1_still_opens() {
    // Sealed with `NEW` for the cookie `session`.
    const SEALED: &str =
        "v1.HZ3ZjV9zr5OwFpb-MYDwCjNzLCMZuAieRTm0-jDsUpNh2B-KjkEEn_rtJEeoe-znKzYWrHZptqEs";
    assert_eq!(
        codec(&[OLD, NEW]).open("session", SEALED).unwrap(),
        b"sealed once, open forever"
    );
    assert_eq!(
        open_by_hand(NEW, "session", SEALED),
        b"sealed once, open forever"
    );
}

#[test]
fn ring_and_codec_can_be_shared_across_threads() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<KeyRing>();
    shared::<CookieCodec>();
}
