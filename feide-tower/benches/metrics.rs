//! What the metrics cost on the hottest path: the bearer layer answering from its verified-token
//! cache (`cargo bench -p feide-tower --features metrics --bench metrics`).
//!
//! One process, in this order: the layer before any recorder is installed (the feature compiled
//! in, nothing recorded: the cost of asking whether a recorder exists), then with the Prometheus
//! exporter's recorder installed (each request counted in
//! `feide_tower_bearer_requests_total{result="allowed",cache="hit"}`), with the bare inner
//! service as the floor. The budget: ≤ 0.2 µs more with metrics than without.

mod common;

use std::convert::Infallible;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower_testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeFeide};
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request, Response};
use tower::{Layer as _, Service as _};

use common::now_or_never;

fn benches(c: &mut Criterion) {
    let rt = common::runtime();
    let (_fake, provider, token) = rt.block_on(async {
        let fake = FakeFeide::start().await.expect("FakeFeide");
        let provider = Provider::builder(fake.issuer())
            .build()
            .await
            .expect("provider");
        let token = fake.mint().sign();
        (fake, provider, token)
    });
    let authorizer = BearerJwtLayer::builder(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .build_authorizer()
        .expect("authorizer");
    let inner =
        tower::service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) });
    let mut layered = BearerJwtLayer::new(authorizer).layer(inner);
    let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
    let request = || {
        let mut request = Request::new(());
        request.headers_mut().insert(AUTHORIZATION, value.clone());
        request
    };
    let mut hit = move || {
        let response = now_or_never(layered.call(black_box(request()))).expect("ok");
        assert_eq!(response.status(), 200);
    };
    hit(); // the first call verifies and caches

    let mut g = c.benchmark_group("metrics");
    g.bench_function("bearer_layer_cache_hit/no_recorder", |b| b.iter(&mut hit));
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("the only recorder of this bench");
    feide_tower::telemetry::describe_metrics();
    g.bench_function("bearer_layer_cache_hit/prometheus", |b| b.iter(&mut hit));
    g.finish();
    // The requests were counted (and the rendering works).
    let text = prometheus.render();
    assert!(
        text.lines().any(|l| l
            .starts_with("feide_tower_bearer_requests_total{result=\"allowed\",cache=\"hit\"}")
            && !l.ends_with(" 0")),
        "{text}"
    );
}

criterion_group! {
    name = metrics;
    config = common::criterion();
    targets = benches
}
criterion_main!(metrics);
