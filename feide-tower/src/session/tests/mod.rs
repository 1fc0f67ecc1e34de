//! Tests of the session cookie codec, one file per module, plus property tests and a full
//! browser round trip.

mod chunks;
mod codec;
mod envelope;
mod flow;
mod key_check;
mod key_ring;
mod props;
mod props_chunks;
mod request;
mod set_cookie;

use http::{HeaderMap, HeaderValue};

use super::KeyRing;
use super::cookie::CookieCodec;

/// Test secrets: long enough and varied enough.
const NEW: &str = "wu3tf6XwPkAEu7JKmBbz3TRP3ebDZCeh+WNRXXUth5A=";
const OLD: &str = "KsxYgaiZpevEEsJmJk5H75rOQbZGc/NKPl8A5pE0gZc=";

fn codec(secrets: &[&str]) -> CookieCodec {
    CookieCodec::new(KeyRing::from_secrets(secrets).expect("test secrets are valid"))
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// A minimal browser cookie jar for one host and path: applies `Set-Cookie` headers and sends
/// the `Cookie` header back.
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn apply(&mut self, set_cookies: &[HeaderValue]) {
        for header in set_cookies {
            let text = header.to_str().expect("Set-Cookie is ASCII");
            let cookie = cookie::Cookie::parse(text).expect("Set-Cookie parses");
            self.0.retain(|(name, _)| name != cookie.name());
            let removed = cookie.max_age() == Some(cookie::time::Duration::ZERO);
            if !removed {
                self.0
                    .push((cookie.name().to_owned(), cookie.value().to_owned()));
            }
        }
    }

    fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.0.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }

    fn request_headers(&self) -> HeaderMap {
        let line = self
            .0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            line.parse().expect("cookie line is ASCII"),
        );
        headers
    }
}
