use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::session::KeyError;
use crate::session::cookie::OpenError;

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
fn accepts_key_material_in_every_usual_encoding() {
    // `openssl rand -hex 32`, `openssl rand -base64 32`, the same unpadded, base64url, and a
    // 48-byte key.
    let hex = "1e01e922ddd4c350ba09c5a5ef00d4b566488d3b7a51f5f1a5995b99135a9f91";
    let upper_hex = hex.to_uppercase();
    let base64 = "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZc=";
    let unpadded = base64.trim_end_matches('=');
    let url = "v7-rpONHTSlzZ6Q_mdSuQSbMSi5egNukDpGGHrxXYaQ";
    let long = "SVKFNo6dUHppTTIjL34IklSahhc4eQV6EFtDeZRomG//PCTMUBoqDDxr4B6Krij4";
    let ring = KeyRing::from_secrets(&[hex, &upper_hex, base64, unpadded, url, long]).unwrap();
    assert_eq!(ring.key_count(), 6);
    // Encodings of the same bytes are the same key.
    let a = CookieCodec::new(KeyRing::from_secrets(&[base64]).unwrap());
    let b = CookieCodec::new(KeyRing::from_secrets(&[unpadded]).unwrap());
    assert_eq!(b.open("s", &a.seal("s", b"x")).unwrap(), b"x");
    let c = CookieCodec::new(KeyRing::from_secrets(&[&upper_hex]).unwrap());
    let d = CookieCodec::new(KeyRing::from_secrets(&[hex]).unwrap());
    assert_eq!(d.open("s", &c.seal("s", b"y")).unwrap(), b"y");
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

/// Base64 of `len` random bytes.
fn random_base64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn short_key_material_is_refused_without_echoing_it() {
    let short = random_base64(24);
    let err = KeyRing::from_env_value(&format!("{NEW},{short}")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "APP_SECRET_KEY key #2 is shorter than 32 bytes (24 bytes once decoded); \
         generate one with `openssl rand -base64 32`"
    );
    assert_no_secret(&err, &short);

    // 31 bytes refused, 32 accepted.
    let err = KeyRing::from_secrets(&[&random_base64(31)]).unwrap_err();
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
    assert!(KeyRing::from_secrets(&[&random_base64(32)]).is_ok());
}

/// Issue 13, finding 6: passphrases are not keys, however long.
#[test]
fn passphrases_are_refused_naming_the_entry_without_echoing_it() {
    let not_encoded = [
        "feide-tower-session-secret-2024!",
        "correct horse battery staple, and more words",
        "feide-tower-session-secret-2024-for-production-use",
        // The test keys this crate used before: text, not key material.
        "hostile-session-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "new-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "n3w-S3cret-from-openssl-rand-base64-32xx=",
        // Both base64 alphabets at once, stray bits at the end, bad padding.
        "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZc-",
        "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZd=",
        "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZc===",
    ];
    for (i, secret) in not_encoded.iter().enumerate() {
        let err = KeyRing::from_env_value(&format!("{NEW},{OLD},{secret}")).unwrap_err();
        assert_eq!(
            err,
            KeyError::NotKeyMaterial {
                origin: "APP_SECRET_KEY",
                index: 3
            },
            "#{i} {secret:?}"
        );
        assert!(err.to_string().contains("key #3 is not key material"));
        assert!(err.to_string().contains("openssl rand -base64 32"));
        assert_no_secret(&err, secret);
    }
    let too_short = [
        "0123456789abcdefghijklmnopqrstuvwxyz",
        "SuperSecretSessionKey202",
    ];
    for secret in too_short {
        let err = KeyRing::from_env_value(secret).unwrap_err();
        assert!(
            matches!(err, KeyError::TooShort { index: 1, .. }),
            "{secret:?}: {err:?}"
        );
        assert_no_secret(&err, secret);
    }
    let text = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let not_random = [
        "a".repeat(44),
        "A".repeat(43) + "=",
        "0".repeat(64),
        "ab".repeat(22),
        "abcd".repeat(11),
        "deadbeef".repeat(8),
        "0123456789abcdef".repeat(4),
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH".to_owned(),
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh".to_owned(),
        "Passw0rdPassw0rdPassw0rdPassw0rdPassw0rdPass".to_owned(),
        "sessionkeysessionkeysessionkeysessionkeyabcd".to_owned(),
        // Words that happen to be valid base64: lower case, CamelCase, with digits.
        "thisismysupersecretsessionkeyforfeidetowerap".to_owned(),
        "ThisIsMySuperSecretSessionKeyForFeideTowerAp".to_owned(),
        "CorrectHorseBatteryStapleSessionKeyForFeideTower".to_owned(),
        "MySecretKeyForFeideTowerSessionCookies2024ab".to_owned(),
        "SuperSecretSessionKeyThatNobodyWillEverGuess".to_owned(),
        "NorwegianUniversitiesUseFeideForLoginEverywh".to_owned(),
        "OsloBergenTrondheimStavangerTromsoKristiansa".to_owned(),
        "PleaseDoNotShareThisSecretWithAnyoneElseOkThanks".to_owned(),
        "feide_tower_session_secret_for_production_use_v1".to_owned(),
        // Text dressed up as key material.
        text("my passphrase is long enough 12345"),
        text("feide-tower-session-secret-2024!"),
        hex("correct horse battery staple!!!!"),
        hex("feide-tower-session-secret-2024!"),
        // Sequential and constant bytes.
        text(&(0u8..32).map(char::from).collect::<String>()),
        base64::engine::general_purpose::STANDARD.encode([0u8; 32]),
        base64::engine::general_purpose::STANDARD.encode([0xffu8; 48]),
    ];
    for secret in &not_random {
        let err = KeyRing::from_env_value(&format!("{NEW},{secret}")).unwrap_err();
        assert_eq!(
            err,
            KeyError::LowEntropy {
                origin: "APP_SECRET_KEY",
                index: 2
            },
            "{secret:?}"
        );
        assert!(err.to_string().contains("key #2 is not random"));
        assert!(err.to_string().contains("openssl rand -base64 32"));
        assert_no_secret(&err, secret);
    }
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
fn hkdf_by_hand(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let salt = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let prk = hmac::sign(&salt, ikm);
    let prk = hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref());
    let okm = hmac::sign(&prk, &[info, b"\x01"].concat());
    okm.as_ref().try_into().unwrap()
}

/// Opens a value with `key` and associated data `hint || extra || name`, with independent code.
fn open_with(key: [u8; 32], extra: &[u8], name: &str, value: &str) -> Option<Vec<u8>> {
    let raw = URL_SAFE_NO_PAD
        .decode(value.strip_prefix("v1.").unwrap())
        .unwrap();
    let digest = digest::digest(&digest::SHA256, &key);
    let hint = &digest.as_ref()[..4];
    if raw[..4] != *hint {
        return None;
    }
    let aad = [hint, extra, name.as_bytes()].concat();
    let nonce = Nonce::try_from(&raw[4..16]).unwrap();
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))
        .decrypt(
            &nonce,
            Payload {
                msg: &raw[16..],
                aad: &aad,
            },
        )
        .ok()
}

/// Opens a value following the documented derivation and wire format with independent code:
/// HKDF-SHA256(salt `feide-tower key ring v2`, the decoded secret, info
/// `feide-tower cookie aes-256-gcm\0` + purpose); associated data
/// `hint || u32 BE len(purpose) || purpose || name`.
fn open_by_hand(secret: &str, purpose: &str, name: &str, value: &str) -> Option<Vec<u8>> {
    let ikm = base64::engine::general_purpose::STANDARD
        .decode(secret)
        .unwrap();
    let info = [
        b"feide-tower cookie aes-256-gcm\0".as_slice(),
        purpose.as_bytes(),
    ]
    .concat();
    let key = hkdf_by_hand(b"feide-tower key ring v2", &ikm, &info);
    let len = u32::try_from(purpose.len()).unwrap().to_be_bytes();
    open_with(
        key,
        &[len.as_slice(), purpose.as_bytes()].concat(),
        name,
        value,
    )
}

#[test]
fn derivation_and_wire_format_follow_the_documentation() {
    let ring = KeyRing::from_secrets(&[NEW]).unwrap();
    let app = CookieCodec::new(ring.clone()).seal("session", b"documented");
    assert_eq!(
        open_by_hand(NEW, "app", "session", &app).as_deref(),
        Some(b"documented".as_slice())
    );
    let session = CookieCodec::login_session(ring.clone(), "default").seal("s", b"session");
    assert_eq!(
        open_by_hand(NEW, "login-session/default", "s", &session).as_deref(),
        Some(b"session".as_slice())
    );
    let flow = CookieCodec::login_flow(ring, "idporten").seal("f", b"flow");
    assert_eq!(
        open_by_hand(NEW, "login-flow/idporten", "f", &flow).as_deref(),
        Some(b"flow".as_slice())
    );
    assert_eq!(
        open_by_hand(NEW, "login-session/idporten", "f", &flow),
        None
    );
}

/// Values sealed before key material was required (the secret's text as HKDF input, salt
/// `feide-tower session v1`, associated data `hint || name`) no longer open: such sessions are
/// not signed in once after the upgrade.
#[test]
fn a_value_sealed_by_the_old_derivation_no_longer_opens() {
    // Sealed by the old code with the secret `OLD_TEXT` for the cookie `session`.
    const OLD_TEXT: &str = "new-secret-0123456789abcdefghijklmnopqrstuvwxyz";
    const SEALED: &str =
        "v1.HZ3ZjV9zr5OwFpb-MYDwCjNzLCMZuAieRTm0-jDsUpNh2B-KjkEEn_rtJEeoe-znKzYWrHZptqEs";
    let old_key = hkdf_by_hand(
        b"feide-tower session v1",
        OLD_TEXT.as_bytes(),
        b"cookie aes-256-gcm",
    );
    assert_eq!(
        open_with(old_key, b"", "session", SEALED).as_deref(),
        Some(b"sealed once, open forever".as_slice()),
        "the fixture is what the old code sealed"
    );
    // The old secret is refused now, and no codec of a valid ring opens the value.
    assert!(KeyRing::from_secrets(&[OLD_TEXT]).is_err());
    let ring = KeyRing::from_secrets(&[NEW, OLD]).unwrap();
    for codec in [
        CookieCodec::new(ring.clone()),
        CookieCodec::login_session(ring, "default"),
    ] {
        assert_eq!(codec.open("session", SEALED), Err(OpenError::Undecryptable));
    }
}

/// Issue 13, finding 6: one key per purpose, and the purpose in the associated data.
#[test]
fn purposes_and_login_names_do_not_open_each_other() {
    let ring = KeyRing::from_secrets(&[NEW, OLD]).unwrap();
    let codecs = [
        CookieCodec::new(ring.clone()),
        CookieCodec::login_session(ring.clone(), "default"),
        CookieCodec::login_session(ring.clone(), "idporten"),
        CookieCodec::login_flow(ring.clone(), "default"),
        CookieCodec::login_flow(ring.clone(), "idporten"),
        CookieCodec::with_purpose(ring, "login-session/default "),
    ];
    for (i, sealer) in codecs.iter().enumerate() {
        let value = sealer.seal("same_name", b"payload");
        for (j, opener) in codecs.iter().enumerate() {
            let opened = opener.open("same_name", &value);
            if i == j {
                assert_eq!(opened.unwrap(), b"payload");
            } else {
                assert_eq!(
                    opened,
                    Err(OpenError::Undecryptable),
                    "{} opened {}",
                    opener.purpose(),
                    sealer.purpose()
                );
            }
        }
        // The associated data binds the purpose on its own: the same keys under another
        // purpose label refuse it too.
        let relabelled = sealer.relabelled("login-flow/default");
        if sealer.purpose() != "login-flow/default" {
            assert_eq!(
                relabelled.open("same_name", &value),
                Err(OpenError::Undecryptable)
            );
        }
    }
}

#[test]
fn ring_and_codec_can_be_shared_across_threads() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<KeyRing>();
    shared::<CookieCodec>();
}
