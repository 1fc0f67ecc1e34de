//! Session-cookie costs at 1, 2 and 4 KB: sealing, opening (decrypt + parse), the login layer's
//! per-request lookup (what every request through `FeideLoginLayer` pays), and the `return_to`
//! check.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use feide_tower::login::ReturnTo;
use feide_tower::session::cookie::{Chunker, CookieOptions, Envelope, request_cookies};
use feide_tower_testkit::FakeFeide;
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

fn benches(c: &mut Criterion) {
    let rt = common::runtime();
    let (_fake, login, signed_in) = rt.block_on(async {
        let fake = FakeFeide::start().await.expect("FakeFeide");
        let login = common::login(&fake).await;
        let value = common::sign_in(&login).await;
        (fake, login, value)
    });
    let name = login.cookie_name().to_owned();
    let codec = common::codec();
    let chunker = Chunker::new();
    let options = CookieOptions {
        secure: false,
        ..CookieOptions::default()
    };
    let now = feide_tower::token::now() as u64;

    let mut g = c.benchmark_group("session");
    for kb in [1, 2, 4] {
        let value = common::session_of_len(&codec, &name, &signed_in, kb * 1024);
        let envelope: Envelope<Value> = codec
            .open_envelope(&name, &value, now, None)
            .expect("opens");
        // The request as the browser sends it: one cookie, or two chunks above 3800 bytes.
        let pairs: Vec<String> = options
            .set_cookies(&chunker, &name, &value, [])
            .expect("set-cookie")
            .iter()
            .map(|h| {
                h.to_str()
                    .expect("ascii")
                    .split(';')
                    .next()
                    .expect("pair")
                    .to_owned()
            })
            .collect();
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&pairs.join("; ")).expect("cookie"),
        );

        g.bench_with_input(
            BenchmarkId::new("seal", kb * 1024),
            &envelope,
            |b, envelope| {
                b.iter(|| {
                    codec
                        .reseal_envelope(&name, black_box(envelope))
                        .expect("seals")
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("open", kb * 1024), &value, |b, value| {
            b.iter(|| {
                codec
                    .open_envelope::<Value>(&name, black_box(value), now, None)
                    .expect("opens")
            })
        });
        g.bench_with_input(
            BenchmarkId::new("join_chunks", kb * 1024),
            &headers,
            |b, headers| {
                b.iter(|| {
                    chunker
                        .join(&name, request_cookies(black_box(headers)))
                        .expect("joins")
                        .expect("present")
                        .len()
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("login_lookup", kb * 1024),
            &headers,
            |b, headers| {
                b.iter(|| {
                    let lookup = login.session(black_box(headers));
                    assert!(lookup.session.is_some());
                    lookup
                })
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("return_to");
    for (case, raw) in [
        ("plain", "/courses?id=7"),
        ("encoded", "/search?q=%C3%A6%C3%B8%C3%A5&page=2"),
        ("attack", "/%2F%2Fevil.example"),
    ] {
        g.bench_with_input(BenchmarkId::new("parse", case), raw, |b, raw| {
            b.iter(|| ReturnTo::parse(black_box(raw)))
        });
    }
    g.finish();
}

criterion_group! {
    name = session;
    config = common::criterion();
    targets = benches
}
criterion_main!(session);
