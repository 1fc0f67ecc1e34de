//! Scopes (layer-wide, any-of, per route) and tokens without a user.

use axum::Router;
use axum::routing::get;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::token::ScopeRule;
use integration_tests::fake_and_provider;
use serde_json::json;
use tower::ServiceBuilder;

use crate::common::{
    AUD, REALM, Stack, challenge, get_bearer, get_with, hyper_me, protected, serve_axum,
    serve_hyper,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_token_without_the_scope_gets_403_naming_it() {
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .require_scope("readUser")
        .build()
        .unwrap();
    for stack in [Stack::Axum, Stack::Hyper] {
        let url = format!("{}/me", protected(stack, layer.clone()).await);
        let with = |scope: &str| fake.access_token_for("alice", AUD, scope);

        assert_eq!(get_bearer(&url, &with("openid readUser")).await.status, 200);
        for scope in [
            "openid",
            "readUserX",
            "READUSER",
            "readuser",
            "readUser:x",
            "",
        ] {
            let token = with(scope);
            let reply = get_bearer(&url, &token).await;
            reply.assert_refusal(403, &challenge::insufficient_scope("readUser"), &[&token]);
            assert_eq!(
                reply.body["error"], "insufficient_scope",
                "{stack:?} {scope:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scopes_all_of_by_default_any_of_on_request() {
    let (fake, provider) = fake_and_provider().await;
    let builder = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .require_scope("readUser")
        .require_scope("writeUser");
    let all = format!(
        "{}/me",
        protected(Stack::Axum, builder.clone().build().unwrap()).await
    );
    let any = format!(
        "{}/me",
        protected(Stack::Axum, builder.any_scope().build().unwrap()).await
    );
    let read = fake.access_token_for("alice", AUD, "readUser");
    let both = fake.access_token_for("alice", AUD, "writeUser readUser");
    let neither = fake.access_token_for("alice", AUD, "openid");

    assert_eq!(get_bearer(&all, &both).await.status, 200);
    get_bearer(&all, &read).await.assert_refusal(
        403,
        &challenge::insufficient_scope("readUser writeUser"),
        &[],
    );
    assert_eq!(get_bearer(&any, &read).await.status, 200);
    let reply = get_bearer(&any, &neither).await;
    assert_eq!(reply.status, 403);
    assert!(
        reply
            .www_authenticate
            .unwrap()
            .ends_with(r#", scope="readUser writeUser""#)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn per_route_scopes_on_one_shared_layer() {
    let (fake, provider) = fake_and_provider().await;
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/read",
            get(|| async { "read" }).route_layer(bearer.require_scope("readUser").unwrap()),
        )
        .route(
            "/write",
            get(|| async { "written" }).route_layer(bearer.require_scope("writeUser").unwrap()),
        )
        .route(
            "/either",
            get(|| async { "either" }).route_layer(
                bearer
                    .require_scopes(["readUser", "writeUser"], ScopeRule::AnyOf)
                    .unwrap(),
            ),
        )
        .route("/open", get(|| async { "any valid token" }))
        .layer(bearer);
    let base = serve_axum(app).await;
    let reader = fake.access_token_for("alice", AUD, "openid readUser");
    let writer = fake.access_token_for("alice", AUD, "writeUser");
    let nobody = fake.access_token_for("alice", AUD, "openid");

    let status = |path: &'static str, token: String| {
        let url = format!("{base}{path}");
        async move { get_bearer(&url, &token).await.status }
    };
    assert_eq!(status("/read", reader.clone()).await, 200);
    assert_eq!(status("/either", reader.clone()).await, 200);
    assert_eq!(status("/open", nobody.clone()).await, 200);
    assert_eq!(status("/write", writer.clone()).await, 200);
    assert_eq!(status("/either", writer.clone()).await, 200);
    assert_eq!(status("/either", nobody.clone()).await, 403);

    let reply = get_bearer(&format!("{base}/write"), &reader).await;
    reply.assert_refusal(403, &challenge::insufficient_scope("writeUser"), &[&reader]);
    // The shared layer still runs first: no token is 401, not 403.
    get_with(&format!("{base}/write"), &[])
        .await
        .assert_refusal(401, &challenge::missing(), &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn per_route_scope_composes_on_plain_tower_too() {
    let (fake, provider) = fake_and_provider().await;
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .build()
        .unwrap();
    let service = ServiceBuilder::new()
        .layer(bearer.clone())
        .layer(bearer.require_scope("writeUser").unwrap())
        .service_fn(hyper_me);
    let url = format!("{}/anything", serve_hyper(service).await);
    let writer = fake.access_token_for("bob", AUD, "writeUser");
    let reply = get_bearer(&url, &writer).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["subject"], json!(fake.users()[1].sub));
    get_bearer(&url, &fake.access_token_for("bob", AUD, "readUser"))
        .await
        .assert_refusal(403, &challenge::insufficient_scope("writeUser"), &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn route_scope_without_the_bearer_layer_refuses_rather_than_allows() {
    let (fake, provider) = fake_and_provider().await;
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .build()
        .unwrap();
    // Wiring mistake: the route layer alone, without the bearer layer in front.
    let app = Router::new().route(
        "/write",
        get(|| async { "written" }).route_layer(bearer.require_scope("writeUser").unwrap()),
    );
    let base = serve_axum(app).await;
    let token = fake.access_token_for("alice", AUD, "writeUser");
    get_bearer(&format!("{base}/write"), &token)
        .await
        .assert_refusal(401, &challenge::missing(), &[&token]);
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_without_a_user_are_refused_unless_clients_are_allowed() {
    let (fake, provider) = fake_and_provider().await;
    let builder = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM);
    let users_only = format!(
        "{}/me",
        protected(Stack::Hyper, builder.clone().build().unwrap()).await
    );
    let clients_too = format!(
        "{}/me",
        protected(Stack::Axum, builder.allow_clients(true).build().unwrap()).await
    );
    // What Feide gives a client that authenticated as itself: sub = client_id, no user claims.
    let client_token = fake
        .mint()
        .claim("sub", "fake-datasource")
        .claim("client_id", "fake-datasource")
        .claim("scope", "gk_something")
        .remove("name")
        .remove("https://n.feide.no/claims/eduPersonPrincipalName")
        .sign();
    let no_sub = fake.mint().remove("sub").sign();

    get_bearer(&users_only, &client_token).await.assert_refusal(
        403,
        &challenge::user_required(),
        &[&client_token],
    );
    // Without `sub` a token says nothing about whom it speaks for: invalid (issue 13, finding 7),
    // with clients allowed or not.
    for url in [&users_only, &clients_too] {
        get_bearer(url, &no_sub)
            .await
            .assert_refusal(401, &challenge::invalid_token(), &[&no_sub]);
    }
    let reply = get_bearer(&clients_too, &client_token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["user"], json!(false));
    assert_eq!(reply.body["client_id"], json!("fake-datasource"));
    // A user token is still a user with clients allowed.
    let user = get_bearer(&clients_too, &fake.mint().sign()).await;
    assert_eq!(user.body["user"], json!(true));
}
