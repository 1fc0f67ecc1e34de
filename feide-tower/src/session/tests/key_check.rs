use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::session::key_check::{
    ENGLISH, MAX_SAVED_BITS, MIN_KEY_BYTES, Refusal, decode, key_material, saved_bits,
};

/// How a key's bytes are written out.
type Encode = fn(&[u8]) -> String;

/// Random keys as `openssl rand -base64 32`, `openssl rand -hex 32` and base64url without
/// padding print them.
fn random_keys() -> [(&'static str, Encode); 3] {
    [
        ("base64", |b| STANDARD.encode(b)),
        ("hex", |b| b.iter().map(|x| format!("{x:02x}")).collect()),
        ("base64url", |b| URL_SAFE_NO_PAD.encode(b)),
    ]
}

/// Issue 13, finding 6: the check refuses a uniformly random key with probability at most
/// `2^-30` (see the module documentation); here 100,000 keys of each encoding from the system
/// generator are all accepted, and the most any of them saves is printed (a dozen bits or so,
/// far from the 30 that would refuse it).
#[test]
fn random_keys_are_never_refused() {
    const KEYS: usize = 100_000;
    let mut bytes = [0u8; MIN_KEY_BYTES];
    for (encoding, encode) in random_keys() {
        let mut most = f64::NEG_INFINITY;
        for _ in 0..KEYS {
            aws_lc_rs::rand::fill(&mut bytes).unwrap();
            let key = encode(&bytes);
            let decoded = decode(&key).expect("decodes");
            assert_eq!(decoded.bytes, bytes, "{encoding}");
            let saved = saved_bits(&decoded);
            most = most.max(saved);
            assert!(
                saved < MAX_SAVED_BITS,
                "{encoding} key refused: saves {saved:.1} bits"
            );
        }
        println!("{KEYS} random {encoding} keys: none refused, at most {most:.1} bits saved");
    }
    // Longer keys too.
    for len in [33, 48, 64] {
        let mut bytes = vec![0u8; len];
        for _ in 0..1_000 {
            aws_lc_rs::rand::fill(&mut bytes).unwrap();
            for (_, encode) in random_keys() {
                assert_eq!(key_material(&encode(&bytes)), Ok(bytes.clone()));
            }
        }
    }
}

/// The English model is a sub-probability distribution in each row (Kraft's inequality), so
/// the bound on false refusals holds.
#[test]
fn the_english_table_is_a_distribution() {
    for (i, row) in ENGLISH.iter().enumerate() {
        let sum: f64 = row.iter().map(|&l| (-f64::from(l) / 16.0).exp2()).sum();
        assert!(sum <= 1.0, "row {i}: {sum}");
        assert!(sum > 0.9, "row {i} wastes too much: {sum}");
    }
}

#[test]
fn decoding_takes_hex_and_both_base64_alphabets_padded_or_not() {
    let bytes: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(97).wrapping_add(13))
        .collect();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    for text in [
        hex.clone(),
        hex.to_uppercase(),
        STANDARD.encode(&bytes),
        STANDARD.encode(&bytes).trim_end_matches('=').to_owned(),
        URL_SAFE_NO_PAD.encode(&bytes),
        base64::engine::general_purpose::URL_SAFE.encode(&bytes),
        format!("  {}\n", STANDARD.encode(&bytes)),
    ] {
        assert_eq!(
            decode(text.trim()).map(|d| d.bytes),
            Some(bytes.clone()),
            "{text:?}"
        );
    }
    let mixed = STANDARD.encode(&bytes).replacen('A', "-", 1) + "+";
    assert_eq!(key_material(""), Err(Refusal::TooShort(0)));
    for text in [
        "not base64!",
        &mixed,
        "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZd",
        "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZc==",
        "Ksx=YgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZc",
    ] {
        assert!(decode(text).is_none(), "{text:?}");
    }
    assert_eq!(key_material("not base64!"), Err(Refusal::NotEncoded));
    assert_eq!(
        key_material(&STANDARD.encode([7u8; 20])),
        Err(Refusal::TooShort(20))
    );
}

/// The models see what people type: every one of these saves far more than the limit.
#[test]
fn typed_secrets_save_many_bits() {
    for (secret, at_least) in [
        ("a".repeat(44), 200.0),
        ("deadbeef".repeat(8), 150.0),
        (
            "thisismysupersecretsessionkeyforfeidetowerap".to_owned(),
            60.0,
        ),
        (
            "PleaseDoNotShareThisSecretWithAnyoneElseOkThanks".to_owned(),
            45.0,
        ),
        (STANDARD.encode("my passphrase is long enough 12345"), 50.0),
    ] {
        let saved = saved_bits(&decode(&secret).unwrap());
        assert!(saved >= at_least, "{secret:?} saves {saved:.1} bits");
        assert_eq!(key_material(&secret), Err(Refusal::NotRandom));
    }
}
