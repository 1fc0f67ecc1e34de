//! The tower contract: the service polled ready is the one called, readiness comes from the
//! inner service, and the types are what servers need (Clone, Send, Sync, 'static).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use feide_tower::bearer::{BearerJwt, BearerJwtLayer, Principal, RequireScope};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use integration_tests::fake_and_provider;
use tower::{Service, ServiceBuilder, ServiceExt};

use crate::common::AUD;

fn assert_server_ready<T: Clone + Send + Sync + 'static>() {}

#[test]
fn layer_and_services_are_clone_send_sync() {
    assert_server_ready::<BearerJwtLayer>();
    assert_server_ready::<BearerJwt<axum::routing::Route>>();
    assert_server_ready::<RequireScope<axum::routing::Route>>();
    assert_server_ready::<Principal>();
}

fn request(token: Option<&str>) -> Request<Full<Bytes>> {
    let mut builder = Request::builder().uri("/");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Full::new(Bytes::new())).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ready_service_is_the_one_called() {
    let (fake, provider) = fake_and_provider().await;
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    // ConcurrencyLimit panics if called without its own poll_ready: a wrong swap would show.
    let mut service = ServiceBuilder::new()
        .layer(bearer)
        .concurrency_limit(1)
        .service_fn(move |req: Request<Full<Bytes>>| {
            counter.fetch_add(1, Ordering::SeqCst);
            let sub = req
                .extensions()
                .get::<Principal>()
                .and_then(|p| p.subject().map(str::to_owned))
                .unwrap_or_default();
            async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(sub)))) }
        });
    let token = fake.mint().sign();
    // First a miss (verified asynchronously), then a hit (decided in `call`), then a refusal.
    for expected in [200, 200, 401] {
        let token = (expected == 200).then_some(token.as_str());
        let response = service
            .ready()
            .await
            .unwrap()
            .call(request(token))
            .await
            .unwrap();
        assert_eq!(response.status(), expected);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        if expected == 200 {
            assert_eq!(body, fake.users()[0].sub.as_bytes());
        }
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "refused requests never reach the inner service"
    );
}
