//! The axum extractors and rejection, and the framework-agnostic authorizer used from a handler.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use feide_tower::axum::BearerRejection;
use feide_tower::bearer::{BearerAuthorizer, BearerClaims, BearerJwtLayer, Principal};
use http::HeaderMap;
use integration_tests::fake_and_provider;

use crate::common::{AUD, REALM, challenge, get_bearer, get_with, serve_axum};

async fn name(claims: BearerClaims) -> String {
    claims.extra_str("name").unwrap_or("?").to_owned()
}

async fn maybe(principal: Option<Principal>) -> String {
    match principal {
        Some(p) => format!("hello {}", p.subject().unwrap_or("?")),
        None => "anonymous".to_owned(),
    }
}

async fn strict(principal: Principal) -> String {
    format!("hello {}", principal.subject().unwrap_or("?"))
}

#[tokio::test(flavor = "multi_thread")]
async fn extractors_read_what_the_layer_inserted() {
    let (fake, provider) = fake_and_provider().await;
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/name", get(name))
        .route("/maybe", get(maybe))
        .layer(bearer)
        .route("/public/maybe", get(maybe))
        .route("/public/strict", get(strict))
        .route("/public/claims", get(name));
    let base = serve_axum(app).await;
    let token = fake.mint().sign();
    let alice = &fake.users()[0];

    let reply = get_bearer(&format!("{base}/name"), &token).await;
    assert_eq!(
        (reply.status, reply.raw_body.as_str()),
        (200, alice.name.as_str())
    );
    let reply = get_bearer(&format!("{base}/maybe"), &token).await;
    assert_eq!(reply.raw_body, format!("hello {}", alice.sub));

    // Outside the layer: Option gives None, the plain extractors refuse (never allow).
    let reply = get_bearer(&format!("{base}/public/maybe"), &token).await;
    assert_eq!((reply.status, reply.raw_body.as_str()), (200, "anonymous"));
    for path in ["/public/strict", "/public/claims"] {
        get_bearer(&format!("{base}{path}"), &token)
            .await
            .assert_refusal(401, r#"Bearer realm="api""#, &[&token]);
    }
}

async fn by_hand(
    State(authorizer): State<BearerAuthorizer>,
    headers: HeaderMap,
) -> Result<String, BearerRejection> {
    let principal = authorizer
        .authorize(&headers)
        .await
        .map_err(|e| BearerRejection::from(authorizer.challenge(&e)))?;
    Ok(format!("hello {}", principal.subject().unwrap_or("?")))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_framework_agnostic_authorizer_gives_the_same_answers() {
    let (fake, provider) = fake_and_provider().await;
    let authorizer = BearerAuthorizer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .require_scope("readUser")
        .build_authorizer()
        .unwrap();
    let app = Router::new()
        .route("/by-hand", get(by_hand))
        .with_state(authorizer);
    let url = format!("{}/by-hand", serve_axum(app).await);

    let good = fake.access_token_for("alice", AUD, "readUser");
    let reply = get_bearer(&url, &good).await;
    assert_eq!(reply.raw_body, format!("hello {}", fake.users()[0].sub));
    get_with(&url, &[])
        .await
        .assert_refusal(401, &challenge::missing(), &[]);
    let no_scope = fake.access_token_for("alice", AUD, "openid");
    get_bearer(&url, &no_scope).await.assert_refusal(
        403,
        &challenge::insufficient_scope("readUser"),
        &[&no_scope],
    );
    get_bearer(&url, "a.b.c")
        .await
        .assert_refusal(401, &challenge::invalid_token(), &[]);
}
