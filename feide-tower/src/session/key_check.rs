//! Is a configured secret key material? Decoding (hex, base64, base64url) and a randomness
//! sanity check.
//!
//! # The check
//!
//! A secret must decode to at least 32 bytes, and those bytes must not be *predictable*: a few
//! simple models of what people type instead of keys (repeated and sequential characters, words,
//! text encoded as base64 or hex, repeated patterns) each predict the key symbol by symbol, and a
//! key that some model (a fixed mixture of all of them) codes in at least [`MAX_SAVED_BITS`] bits
//! fewer than its length is refused.
//!
//! Why a random key is never refused in practice: the mixture is a probability distribution `M`
//! over keys of each length, fixed before the key is seen. A key of `n` bytes saves `k` bits when
//! `M(key) ≥ 2^k · 2^(-8n)`, and by Kraft's inequality (Markov's, really) at most a `2^-k`
//! fraction of all `2^(8n)` keys can have that much probability. For a key drawn uniformly, as
//! `openssl rand` does, the chance of a refusal is therefore at most `2^-30` (one in a billion),
//! whatever the models are; a test draws 300,000 keys and shows the real margin is far wider
//! (they save at most a dozen bits). The check needs no list of bad keys and cannot be tuned into
//! refusing good ones.
//!
//! What it catches is what the models predict: `aaaa…`, `abcabc…`, `0123…`, `deadbeef…`,
//! lower-case or CamelCase English words (with digits), base64 or hex of ASCII text. What it
//! cannot catch is a secret that looks random to these models and is not, such as a pangram
//! typed to look random or a key copied from a blog post: no check can.

use base64::Engine;
use base64::alphabet::{Alphabet, STANDARD, URL_SAFE};
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// Shortest key material accepted, in bytes.
pub(super) const MIN_KEY_BYTES: usize = 32;

/// A key the mixture codes in this many bits fewer than its length is refused: a uniformly
/// random key is refused with probability at most `2^-MAX_SAVED_BITS`.
pub(super) const MAX_SAVED_BITS: f64 = 30.0;

/// Longest period the repeat model looks for, in symbols.
const MAX_PERIOD: usize = 32;

/// Why a secret is not key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Neither hex nor (canonical) base64/base64url.
    NotEncoded,
    /// Decodes to fewer than [`MIN_KEY_BYTES`] bytes.
    TooShort(usize),
    /// Predictable: a model of human-made secrets codes it too well.
    NotRandom,
}

/// The key bytes of `secret` if it is hex or base64/base64url (padded or not) of at least
/// [`MIN_KEY_BYTES`] bytes that pass the randomness check.
pub(super) fn key_material(secret: &str) -> Result<Vec<u8>, Refusal> {
    let decoded = decode(secret.trim()).ok_or(Refusal::NotEncoded)?;
    if decoded.bytes.len() < MIN_KEY_BYTES {
        let len = decoded.bytes.len();
        let mut bytes = decoded.bytes;
        bytes.fill(0);
        return Err(Refusal::TooShort(len));
    }
    if saved_bits(&decoded) >= MAX_SAVED_BITS {
        let mut bytes = decoded.bytes;
        bytes.fill(0);
        return Err(Refusal::NotRandom);
    }
    Ok(decoded.bytes)
}

/// A decoded secret and the symbols it was written in.
pub(super) struct Decoded {
    pub(super) bytes: Vec<u8>,
    /// The values of the symbols that carry full bits: nibbles for hex, 6-bit groups for base64
    /// (the last, partial group left out).
    pub(super) symbols: Vec<u8>,
    /// Whether it was base64 (symbols of 6 bits) rather than hex (4 bits).
    pub(super) base64: bool,
}

/// Hex when it is only hex digits, of even length and long enough for a key; otherwise base64
/// in either alphabet (not both), with or without padding, canonical (no stray trailing bits).
pub(super) fn decode(s: &str) -> Option<Decoded> {
    if s.len() >= 2 * MIN_KEY_BYTES
        && s.len().is_multiple_of(2)
        && s.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let nibble = |b: u8| match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => b - b'A' + 10,
        };
        let symbols: Vec<u8> = s.bytes().map(nibble).collect();
        let bytes = symbols.chunks_exact(2).map(|p| p[0] << 4 | p[1]).collect();
        return Some(Decoded {
            bytes,
            symbols,
            base64: false,
        });
    }
    let body = s.trim_end_matches('=');
    let standard = body.bytes().any(|b| b == b'+' || b == b'/');
    let url = body.bytes().any(|b| b == b'-' || b == b'_');
    let alphabet: &Alphabet = match (standard, url) {
        (true, true) => return None,
        (false, true) => &URL_SAFE,
        _ => &STANDARD,
    };
    let engine = GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(false),
    );
    let bytes = engine.decode(s).ok()?;
    let full = bytes.len() * 8 / 6;
    let symbols = body.bytes().take(full).map(base64_value).collect();
    Some(Decoded {
        bytes,
        symbols,
        base64: true,
    })
}

/// The 6-bit value of a base64 or base64url character (already known to be one).
fn base64_value(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        _ => 63,
    }
}

/// How many bits fewer than its length the model mixture codes the key in (negative: more).
pub(super) fn saved_bits(key: &Decoded) -> f64 {
    let total = 8.0 * key.bytes.len() as f64;
    let (symbols, alphabet) = if key.base64 {
        (&key.symbols[..], 64)
    } else {
        (&key.symbols[..], 16)
    };
    // Symbol models code the full symbols; the bits of a last, partial base64 symbol are coded
    // uniformly, as they are by the uniform model.
    let rest = total - symbols.len() as f64 * log2(alphabet as f64);
    let mut lengths = vec![
        rest + order0(symbols, alphabet),
        rest + steps(symbols, alphabet),
        rest + periodic(symbols, alphabet),
    ];
    if key.base64 {
        lengths.push(rest + classes(symbols, &BASE64_CLASSES, base64_class));
        lengths.push(rest + english(symbols));
    }
    let bytes = &key.bytes;
    lengths.extend([
        order0(bytes, 256),
        steps(bytes, 256),
        periodic(bytes, 256),
        classes(bytes, &BYTE_CLASSES, byte_class),
        total,
    ]);
    total - mixture(&lengths)
}

fn log2(x: f64) -> f64 {
    x.log2()
}

/// Code length of an equal-weight mixture of models with these code lengths.
fn mixture(lengths: &[f64]) -> f64 {
    let best = lengths.iter().copied().fold(f64::INFINITY, f64::min);
    let sum: f64 = lengths.iter().map(|l| (best - l).exp2()).sum();
    best - log2(sum / lengths.len() as f64)
}

/// Adaptive order-0 model (Krichevsky–Trofimov): few distinct symbols, skewed frequencies.
fn order0(seq: &[u8], alphabet: usize) -> f64 {
    let mut counts = [0u32; 256];
    let mut bits = 0.0;
    for (i, &v) in seq.iter().enumerate() {
        let p = (f64::from(counts[usize::from(v)]) + 0.5) / (i as f64 + alphabet as f64 / 2.0);
        bits -= log2(p);
        counts[usize::from(v)] += 1;
    }
    bits
}

/// Order-0 over the steps between neighbours (modulo the alphabet): `0123…`, `aaaa…`,
/// `acegi…`.
fn steps(seq: &[u8], alphabet: usize) -> f64 {
    if seq.is_empty() {
        return 0.0;
    }
    let diffs: Vec<u8> = seq
        .windows(2)
        .map(|w| ((usize::from(w[1]) + alphabet - usize::from(w[0])) % alphabet) as u8)
        .collect();
    log2(alphabet as f64) + order0(&diffs, alphabet)
}

/// Repeats with a fixed period (an equal mixture over periods 1 to [`MAX_PERIOD`]): each symbol
/// is predicted to equal the one a period back, with an adaptive hit rate.
fn periodic(seq: &[u8], alphabet: usize) -> f64 {
    let uniform = log2(alphabet as f64);
    let periods = (seq.len() / 2).min(MAX_PERIOD);
    if periods == 0 {
        return uniform * seq.len() as f64;
    }
    let lengths: Vec<f64> = (1..=periods)
        .map(|period| {
            let mut bits = uniform * period as f64;
            let mut hits = 0.0;
            for (n, i) in (period..seq.len()).enumerate() {
                let hit = (hits + 0.5) / (n as f64 + 1.0);
                if seq[i] == seq[i - period] {
                    bits -= log2(hit);
                    hits += 1.0;
                } else {
                    bits -= log2((1.0 - hit) / (alphabet as f64 - 1.0));
                }
            }
            bits
        })
        .collect();
    mixture(&lengths)
}

/// Adaptive over character classes, then adaptive within the class: text with no digits or no
/// upper case, ASCII text decoded from base64 or hex.
fn classes<const K: usize>(seq: &[u8], sizes: &[usize; K], class_of: fn(u8) -> usize) -> f64 {
    let mut class_counts = [0u32; K];
    let mut counts = [0u32; 256];
    let mut bits = 0.0;
    for (i, &v) in seq.iter().enumerate() {
        let c = class_of(v);
        let in_class = f64::from(class_counts[c]);
        bits -= log2((in_class + 0.5) / (i as f64 + K as f64 / 2.0));
        bits -=
            log2((f64::from(counts[usize::from(v)]) + 0.5) / (in_class + sizes[c] as f64 / 2.0));
        class_counts[c] += 1;
        counts[usize::from(v)] += 1;
    }
    bits
}

/// Base64 symbol classes: upper case, lower case, digits, the two others.
const BASE64_CLASSES: [usize; 4] = [26, 26, 10, 2];

fn base64_class(v: u8) -> usize {
    match v {
        0..=25 => 0,
        26..=51 => 1,
        52..=61 => 2,
        _ => 3,
    }
}

/// Byte classes: upper case, lower case, digits, other printable ASCII, everything else.
const BYTE_CLASSES: [usize; 5] = [26, 26, 10, 33, 161];

fn byte_class(b: u8) -> usize {
    match b {
        b'A'..=b'Z' => 0,
        b'a'..=b'z' => 1,
        b'0'..=b'9' => 2,
        0x20..=0x7e => 3,
        _ => 4,
    }
}

/// English words in base64 symbols: the class (upper, lower, digit, other) adaptive given the
/// previous symbol's class, a letter from English letter-pair frequencies given the previous
/// letter ([`ENGLISH`]), digits and the others uniform.
fn english(seq: &[u8]) -> f64 {
    let mut transitions = [[0u32; 4]; 5];
    let mut previous_class = 4;
    let mut previous_letter: Option<usize> = None;
    let mut bits = 0.0;
    for &v in seq {
        let c = base64_class(v);
        let row = &mut transitions[previous_class];
        let seen: u32 = row.iter().sum();
        bits -= log2((f64::from(row[c]) + 0.5) / (f64::from(seen) + 2.0));
        row[c] += 1;
        previous_class = c;
        match c {
            0 | 1 => {
                let letter = usize::from(v % 26);
                let context = previous_letter.map_or(0, |l| l + 1);
                bits += f64::from(ENGLISH[context][letter]) / 16.0;
                previous_letter = Some(letter);
            }
            2 => {
                bits += log2(10.0);
                previous_letter = None;
            }
            _ => {
                bits += 1.0;
                previous_letter = None;
            }
        }
    }
    bits
}

/// Code lengths of English letters in 1/16 bit: row 0 without a preceding letter, row `1 + i`
/// after letter `i` (case folded, `a` = 0).
///
/// Made from the letter and letter-pair counts of about a million letters of English technical
/// prose (the Node.js API documentation, code blocks removed, words run together as in a
/// passphrase), each row smoothed as `0.97 × frequency + 0.03 / 26` and every length rounded
/// *up*, so that each row is a sub-probability distribution (a test checks it): the model can
/// only be weaker than the counts, never claim more than they support.
#[rustfmt::skip]
pub(super) const ENGLISH: [[u8; 26]; 27] = [
    [62, 94, 75, 73, 48, 88, 94, 77, 62, 121, 115, 73, 86, 62, 63, 81, 141, 63, 62, 55, 82, 97, 102, 124, 99, 144],
    [130, 77, 68, 63, 129, 105, 88, 134, 84, 136, 118, 49, 60, 47, 121, 76, 150, 60, 56, 46, 87, 87, 116, 123, 93, 152],
    [55, 131, 70, 94, 30, 150, 153, 147, 71, 53, 142, 49, 146, 145, 64, 119, 156, 102, 98, 115, 58, 154, 143, 156, 60, 155],
    [46, 143, 91, 128, 50, 127, 138, 57, 75, 149, 63, 76, 113, 142, 40, 119, 154, 58, 106, 46, 77, 146, 141, 156, 117, 156],
    [60, 83, 84, 63, 29, 90, 130, 113, 52, 142, 124, 95, 105, 95, 69, 92, 151, 91, 75, 63, 73, 73, 86, 153, 109, 152],
    [63, 110, 61, 54, 83, 78, 104, 109, 85, 98, 136, 91, 83, 55, 88, 78, 111, 46, 50, 60, 106, 89, 99, 86, 110, 154],
    [55, 106, 101, 97, 56, 64, 148, 124, 41, 142, 149, 91, 118, 105, 42, 118, 156, 73, 71, 49, 59, 139, 120, 151, 97, 154],
    [62, 100, 85, 95, 36, 96, 104, 81, 48, 123, 133, 81, 90, 67, 71, 91, 148, 79, 67, 50, 70, 121, 95, 153, 112, 138],
    [46, 135, 112, 130, 17, 120, 146, 135, 56, 150, 147, 141, 107, 126, 63, 122, 152, 79, 111, 59, 80, 147, 123, 157, 133, 152],
    [93, 107, 75, 85, 85, 71, 91, 151, 124, 156, 128, 62, 79, 33, 49, 77, 149, 89, 48, 52, 149, 88, 147, 130, 153, 108],
    [45, 157, 153, 157, 20, 157, 157, 144, 144, 157, 157, 157, 157, 157, 116, 153, 157, 157, 22, 146, 107, 157, 131, 157, 157, 157],
    [68, 71, 75, 102, 21, 80, 130, 102, 54, 154, 149, 98, 102, 91, 88, 91, 127, 106, 58, 69, 95, 137, 87, 154, 139, 157],
    [55, 74, 103, 71, 39, 103, 120, 89, 53, 150, 133, 43, 119, 113, 61, 110, 149, 109, 74, 68, 73, 104, 114, 155, 73, 157],
    [48, 71, 108, 88, 34, 115, 145, 117, 53, 141, 139, 61, 85, 77, 53, 58, 156, 115, 80, 88, 80, 140, 106, 143, 134, 155],
    [61, 98, 60, 58, 62, 101, 49, 119, 74, 131, 117, 105, 105, 92, 55, 103, 154, 109, 55, 43, 84, 81, 103, 156, 100, 152],
    [94, 76, 71, 55, 105, 67, 119, 141, 102, 144, 103, 78, 67, 37, 90, 69, 153, 44, 83, 67, 75, 98, 79, 150, 126, 135],
    [53, 129, 111, 121, 44, 129, 141, 102, 66, 155, 129, 64, 122, 128, 57, 74, 157, 40, 64, 46, 70, 126, 143, 152, 126, 155],
    [116, 157, 130, 108, 130, 157, 157, 136, 157, 157, 157, 157, 144, 130, 157, 157, 157, 144, 157, 157, 2, 157, 157, 157, 157, 144],
    [63, 113, 87, 98, 33, 99, 96, 119, 51, 152, 105, 86, 85, 75, 51, 110, 155, 69, 66, 57, 79, 99, 106, 153, 89, 155],
    [60, 101, 66, 98, 46, 89, 98, 89, 55, 148, 125, 107, 94, 81, 68, 74, 150, 95, 57, 39, 77, 105, 90, 153, 91, 149],
    [64, 107, 93, 95, 50, 105, 135, 33, 48, 151, 142, 100, 113, 113, 58, 83, 156, 63, 74, 65, 85, 128, 98, 150, 85, 155],
    [95, 73, 82, 104, 60, 80, 104, 150, 83, 157, 155, 46, 65, 49, 145, 76, 157, 43, 47, 58, 147, 133, 151, 147, 157, 157],
    [37, 112, 81, 118, 21, 116, 144, 134, 52, 154, 157, 142, 114, 95, 79, 68, 157, 108, 85, 91, 140, 78, 141, 149, 131, 149],
    [54, 107, 107, 125, 65, 123, 112, 41, 27, 147, 132, 118, 133, 75, 60, 116, 155, 58, 69, 97, 131, 118, 110, 151, 150, 155],
    [48, 124, 56, 103, 52, 117, 152, 96, 49, 140, 148, 109, 117, 127, 91, 36, 157, 115, 88, 37, 145, 124, 134, 126, 118, 157],
    [41, 75, 72, 77, 75, 94, 116, 104, 66, 132, 116, 96, 86, 63, 68, 46, 153, 84, 62, 53, 96, 107, 86, 147, 119, 155],
    [47, 142, 142, 157, 13, 157, 157, 157, 44, 157, 127, 57, 157, 157, 121, 157, 157, 157, 117, 127, 157, 157, 142, 157, 133, 157],
];
