//! Bearer-token costs: a cold validation (signature checked), a verified-token cache hit, the
//! JWKS lookup by `kid`, and for scale the bare RSA verification and `jsonwebtoken::decode`.

mod common;

use std::hint::black_box;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::token::{Algorithm, Validator};
use feide_tower_testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeFeide};
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, Request, Response};
use std::convert::Infallible;
use tower::{Layer as _, Service as _};

use common::now_or_never;

fn benches(c: &mut Criterion) {
    let rt = common::runtime();
    let (_fake, provider, token, jwks) = rt.block_on(async {
        let fake = FakeFeide::start().await.expect("FakeFeide");
        let provider = Provider::builder(fake.issuer())
            .build()
            .await
            .expect("provider");
        let jwks = reqwest::get(fake.url("/openid/jwks"))
            .await
            .expect("jwks")
            .text()
            .await
            .expect("jwks");
        (fake.clone(), provider, fake.mint().sign(), jwks)
    });
    let kid = provider.jwks().kids().first().cloned().expect("a key");
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    let authorizer = |cache: bool| {
        BearerJwtLayer::builder(&provider)
            .audience(DEFAULT_DATASOURCE_AUDIENCE)
            .cache(cache)
            .build_authorizer()
            .expect("authorizer")
    };
    let validator = Validator::for_provider(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .expect("validator");

    let mut g = c.benchmark_group("token");
    g.bench_function("validate_cold", |b| {
        b.iter(|| now_or_never(validator.validate(black_box(&token))).expect("valid"))
    });
    let cold = authorizer(false);
    g.bench_function("bearer_cache_off", |b| {
        b.iter(|| now_or_never(cold.authorize(black_box(&headers))).expect("allowed"))
    });
    let cached = authorizer(true);
    now_or_never(cached.authorize(&headers)).expect("allowed");
    g.bench_function("bearer_cache_hit", |b| {
        b.iter(|| now_or_never(cached.authorize(black_box(&headers))).expect("allowed"))
    });
    // The whole layer on a cache hit, against the bare inner service it wraps: what a request
    // pays for the layer (the header parse, the cache, the extension insert, the response body
    // wrapper), building the request included in both.
    let inner =
        tower::service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) });
    let mut layered = BearerJwtLayer::new(cached.clone()).layer(inner);
    let mut bare = inner;
    let value = headers[AUTHORIZATION].clone();
    let request = || {
        let mut request = Request::new(());
        request.headers_mut().insert(AUTHORIZATION, value.clone());
        request
    };
    g.bench_function("inner_service_alone", |b| {
        b.iter(|| now_or_never(bare.call(black_box(request()))).expect("ok"))
    });
    g.bench_function("bearer_layer_cache_hit", |b| {
        b.iter(|| {
            let response = now_or_never(layered.call(black_box(request()))).expect("ok");
            assert_eq!(response.status(), 200);
        })
    });
    g.bench_function("jwks_lookup_by_kid", |b| {
        b.iter(|| {
            now_or_never(
                provider
                    .jwks()
                    .key_for(Algorithm::RS256, Some(black_box(&kid))),
            )
            .expect("key")
        })
    });

    // For scale: the RSA verification alone with a pre-parsed key (the floor), and
    // jsonwebtoken 11 (aws-lc-rs backend) doing the whole decode.
    let doc: serde_json::Value = serde_json::from_str(&jwks).expect("jwks json");
    let jwk = &doc["keys"][0];
    let component = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(jwk[name].as_str().expect("jwk"))
            .expect("b64")
    };
    let (n, e) = (component("n"), component("e"));
    let (signing_input, signature) = token.rsplit_once('.').expect("jws");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("signature");
    let floor = RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .expect("key");
    g.bench_function("rs256_verify_floor", |b| {
        b.iter(|| {
            floor
                .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                .expect("verifies")
        })
    });
    let key =
        jsonwebtoken::DecodingKey::from_jwk(&serde_json::from_value(jwk.clone()).expect("jwk"))
            .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[DEFAULT_DATASOURCE_AUDIENCE]);
    validation.set_issuer(&[provider.issuer()]);
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    g.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &key, &validation)
                .expect("valid")
        })
    });
    g.finish();
}

criterion_group! {
    name = token;
    config = common::criterion();
    targets = benches
}
criterion_main!(token);
