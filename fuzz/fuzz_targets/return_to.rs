//! `ReturnTo::parse` on any input: never panics, and whatever it accepts stays on this site, as
//! given and after up to three rounds of percent-decoding (what a lenient framework might do).
#![no_main]

use feide_tower::login::ReturnTo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Some(accepted) = ReturnTo::parse(raw) else {
        assert_eq!(ReturnTo::parse_or_root(raw), ReturnTo::root());
        return;
    };
    let value = accepted.as_str();
    assert_eq!(value, raw, "an accepted value is kept as given");
    let bytes = value.as_bytes();
    assert!(
        bytes.first() == Some(&b'/') && bytes.get(1) != Some(&b'/'),
        "{value:?}"
    );
    assert!(
        bytes
            .iter()
            .all(|&b| (0x21..=0x7e).contains(&b) && b != b'\\'),
        "{value:?}"
    );
    let base = url::Url::parse("https://app.example/some/page").expect("static URL");
    let mut current = value.to_owned();
    for _ in 0..=3 {
        let joined = base.join(&current).expect("a path joins");
        assert_eq!(
            joined.origin(),
            base.origin(),
            "{value:?} leaves the site as {current:?}"
        );
        let decoded = percent_decode(current.as_bytes());
        let Ok(decoded) = String::from_utf8(decoded) else {
            break;
        };
        if decoded == current {
            break;
        }
        current = decoded;
    }
});

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' {
            if let (Some(h), Some(l)) = (
                input.get(i + 1).and_then(|&b| hex(b)),
                input.get(i + 2).and_then(|&b| hex(b)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}
