//! Token-exchange cache hits: what an outgoing request pays for its exchanged token once it is
//! cached, through `TokenExchange::exchange` and through `TokenExchangeLayer` (the difference
//! between an outgoing stack with the layer and the same stack without it).

mod common;

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use feide_tower::Provider;
use feide_tower::exchange::{SubjectToken, TokenExchange};
use feide_tower::provider::Secret;
use feide_tower_testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE, FakeFeide,
};
use http_body_util::Empty;
use tower::{Service, ServiceBuilder, ServiceExt as _};

use common::now_or_never;

type Request = http::Request<Empty<Bytes>>;

fn request(subject: Option<&Secret>) -> Request {
    let mut request = http::Request::get("http://127.0.0.1:9/api/me")
        .body(Empty::new())
        .expect("request");
    if let Some(subject) = subject {
        request
            .extensions_mut()
            .insert(SubjectToken::new(subject.clone()));
    }
    request
}

fn benches(c: &mut Criterion) {
    let rt = common::runtime();
    let (_fake, exchange, subject) = rt.block_on(async {
        let fake = FakeFeide::start().await.expect("FakeFeide");
        let provider = Provider::builder(fake.issuer())
            .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
            .build()
            .await
            .expect("provider");
        let exchange = TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE)
            .build()
            .expect("exchange");
        let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
        exchange.exchange(&subject).await.expect("first exchange");
        (fake, exchange, subject)
    });

    let mut g = c.benchmark_group("exchange");
    g.bench_function("cache_hit", |b| {
        b.iter(|| now_or_never(exchange.exchange(black_box(&subject))).expect("cached"))
    });

    // An outgoing "HTTP client" that answers at once, so only the layer is measured.
    let client = tower::service_fn(|request: Request| async move {
        black_box(request.headers().len());
        Ok::<_, Infallible>(http::Response::new(Empty::<Bytes>::new()))
    });
    let mut plain = client;
    g.bench_function("outgoing_without_layer", |b| {
        b.iter(|| {
            let request = request(Some(black_box(&subject)));
            now_or_never(plain.ready()).expect("ready");
            now_or_never(plain.call(request)).expect("sent")
        })
    });
    let mut layered = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(client);
    g.bench_function("outgoing_with_layer_hit", |b| {
        b.iter(|| {
            let request = request(Some(black_box(&subject)));
            now_or_never(layered.ready()).expect("ready");
            now_or_never(layered.call(request)).expect("sent")
        })
    });
    g.finish();
}

criterion_group! {
    name = exchange;
    config = common::criterion();
    targets = benches
}
criterion_main!(exchange);
