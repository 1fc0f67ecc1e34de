//! IntrospectionLayer: opaque tokens checked by RFC 7662 introspection, without a login, on axum
//! and on plain hyper, against FakeFeide's introspection endpoint.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::bearer::Principal;
use feide_tower::introspection::{IntrospectionLayer, Introspector};
use feide_tower::testkit::{Endpoint, Failure, FakeClient, FakeFeide};
use serde_json::Value;
use tower::ServiceBuilder;

use crate::common::{
    REALM, Stack, challenge, describe, get_bearer, get_with, hyper_me, serve_axum, serve_hyper,
};

const CLIENT_ID: &str = "resource-server";
const CLIENT_SECRET: &str = "resource-server-secret";
const API_AUD: &str = "https://api.example.org";
const OTHER_CLIENT: &str = "some-client";

/// FakeFeide with introspection on, and an introspector for [`API_AUD`] requiring `read`.
async fn fake_and_introspector() -> (FakeFeide, Introspector) {
    let fake = FakeFeide::start().await.unwrap();
    fake.enable_introspection(true);
    fake.set_introspection_audience(Some(API_AUD.to_owned()));
    fake.register_client(FakeClient::new(CLIENT_ID, CLIENT_SECRET));
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let introspector = Introspector::builder(&provider)
        .audience(API_AUD)
        .require_scope("read")
        .realm(REALM)
        .build()
        .unwrap();
    (fake, introspector)
}

/// `GET /me` behind `layer` on `stack`; returns its URL.
async fn protected(stack: Stack, layer: IntrospectionLayer) -> String {
    let base = match stack {
        Stack::Axum => {
            let me = |principal: Principal| async move { axum::Json(describe(Some(&principal))) };
            serve_axum(Router::new().route("/me", get(me)).layer(layer)).await
        }
        Stack::Hyper => serve_hyper(ServiceBuilder::new().layer(layer).service_fn(hyper_me)).await,
    };
    format!("{base}/me")
}

fn opaque(fake: &FakeFeide, scope: &str) -> String {
    let user = fake.users()[0].id.clone();
    fake.issue_opaque_token_with_scope(Some(&user), OTHER_CLIENT, scope)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_active_token_gets_in_with_the_principal_of_the_bearer_layer() {
    let (fake, introspector) = fake_and_introspector().await;
    for stack in [Stack::Axum, Stack::Hyper] {
        let url = protected(stack, introspector.layer()).await;
        let token = opaque(&fake, "openid read");
        let reply = get_bearer(&url, &token).await;
        assert_eq!(reply.status, 200, "{stack:?}: {}", reply.raw_body);
        assert_eq!(reply.body["subject"], fake.users()[0].sub, "{stack:?}");
        assert_eq!(reply.body["user"], Value::Bool(true), "{stack:?}");
        assert_eq!(reply.body["scope"], "openid read", "{stack:?}");
        assert_eq!(reply.body["claims"]["aud"], API_AUD, "{stack:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_malformed_inactive_or_unknown_tokens_get_401_without_reaching_the_service() {
    let (fake, introspector) = fake_and_introspector().await;
    for stack in [Stack::Axum, Stack::Hyper] {
        let url = protected(stack, introspector.layer()).await;
        let before = fake.requests(Endpoint::Introspection);

        get_with(&url, &[])
            .await
            .assert_refusal(401, &challenge::missing(), &[]);
        // Malformed: 401 invalid_request, as from the bearer layer.
        get_with(&url, &["Bearer a b"]).await.assert_refusal(
            401,
            &challenge::invalid_request(),
            &[],
        );
        // Refused from the header alone: the provider is not asked.
        assert_eq!(fake.requests(Endpoint::Introspection), before, "{stack:?}");

        // New to this introspector on each stack (refusals are remembered).
        for i in 0..2 {
            let token = format!("unknown-opaque-token-{stack:?}-{i}");
            get_bearer(&url, &token).await.assert_refusal(
                401,
                &challenge::invalid_token(),
                &[&token],
            );
        }
        assert_eq!(
            fake.requests(Endpoint::Introspection),
            before + 2,
            "{stack:?}: each unknown token asked once"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_the_scope_gets_403_naming_it() {
    let (fake, introspector) = fake_and_introspector().await;
    for stack in [Stack::Axum, Stack::Hyper] {
        let url = protected(stack, introspector.layer()).await;
        let token = opaque(&fake, "openid write");
        get_bearer(&url, &token).await.assert_refusal(
            403,
            &challenge::insufficient_scope("read"),
            &[&token],
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_introspection_endpoint_that_is_down_gets_503_and_is_not_remembered() {
    let (fake, introspector) = fake_and_introspector().await;
    for stack in [Stack::Axum, Stack::Hyper] {
        let url = protected(stack, introspector.layer()).await;
        let token = opaque(&fake, "read");
        fake.fail(Endpoint::Introspection, Failure::Status(500));
        let reply = get_bearer(&url, &token).await;
        assert_eq!(reply.status, 503, "{stack:?}: {reply:?}");
        assert!(reply.retry_after.is_some(), "{stack:?}");
        reply.assert_error_body();
        assert!(!reply.raw_body.contains(&token) && !reply.raw_headers.contains(&token));
        // Back up: the same token gets in.
        fake.clear_failure(Endpoint::Introspection);
        assert_eq!(get_bearer(&url, &token).await.status, 200, "{stack:?}");
    }

    // Nothing listens at the endpoint at all.
    let provider = Provider::builder("http://127.0.0.1:9")
        .discovery(false)
        .jwks_uri("http://127.0.0.1:9/jwks")
        .introspection_endpoint("http://127.0.0.1:9/introspect")
        .client(CLIENT_ID, CLIENT_SECRET)
        .timeout(Duration::from_millis(500))
        .build()
        .await
        .unwrap();
    let unreachable = Introspector::builder(&provider)
        .audience(API_AUD)
        .realm(REALM)
        .build()
        .unwrap();
    let url = protected(Stack::Axum, unreachable.layer()).await;
    let reply = get_bearer(&url, "some-opaque-token").await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(reply.retry_after.is_some());
}
