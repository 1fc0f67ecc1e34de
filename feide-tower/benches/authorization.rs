//! What a Feide authorization guard costs once the facts are kept: `SessionGuard::decide` on a
//! signed-in cookie session whose facts were fetched by an earlier request (the usual request),
//! against the session lookup the login layer makes anyway (`cargo bench -p feide-tower --bench
//! authorization`).

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use feide_tower::Provider;
use feide_tower::authorization::{Rule, SessionGuard};
use feide_tower::login::FeideLogin;
use feide_tower_testkit::{FakeClient, FakeFeide};
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

fn benches(c: &mut Criterion) {
    let rt = common::runtime();
    let (_fake, login) = rt.block_on(async {
        let fake = FakeFeide::start().await.expect("FakeFeide");
        fake.register_client(
            FakeClient::new(common::CLIENT_ID, common::CLIENT_SECRET)
                .redirect_uri(common::REDIRECT_URI),
        );
        let provider = Provider::builder(fake.issuer())
            .client(common::CLIENT_ID, common::CLIENT_SECRET)
            .extended_userinfo_url(fake.extended_userinfo_url())
            .groups_url(fake.groups_url())
            .build()
            .await
            .expect("provider");
        let login = FeideLogin::builder(&provider)
            .redirect_uri(common::REDIRECT_URI)
            .secret_keys(common::SESSION_KEY)
            .scopes("openid userid-feide")
            .build()
            .expect("login");
        (fake, login)
    });
    let cookie = rt.block_on(common::sign_in(&login));
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&format!("{}={cookie}", login.cookie_name())).expect("cookie"),
    );
    let guard = SessionGuard::builder(
        &login,
        Rule::affiliation(["member", "student", "employee"]).or(Rule::group_type("fc:fs:*")),
    )
    .build()
    .expect("guard");
    let session = login.session(&headers).session.expect("signed in");
    // The first decision fetches the facts from FakeFeide; every one after finds them kept.
    let first = rt.block_on(guard.decide(Some(&session), false, "/", &headers));
    assert!(first.is_allowed(), "{first:?}");

    let mut g = c.benchmark_group("authorization");
    g.bench_function("session_lookup", |b| {
        b.iter(|| {
            login
                .session(black_box(&headers))
                .session
                .expect("signed in")
        })
    });
    g.bench_function("session_guard_kept_facts", |b| {
        b.iter(|| {
            let verdict =
                rt.block_on(guard.decide(Some(black_box(&session)), false, "/", &headers));
            assert!(verdict.is_allowed());
        })
    });
    g.bench_function("block_on_floor", |b| {
        b.iter(|| rt.block_on(async { black_box(1) }))
    });
    g.finish();
}

criterion_group! {
    name = authorization;
    config = common::criterion();
    targets = benches
}
criterion_main!(authorization);
