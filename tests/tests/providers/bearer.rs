//! One bearer layer trusting two issuers, each verified with its own keys only; a third issuer
//! is refused without a single fetch of its keys.

use std::convert::Infallible;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::access::{AccessGuard, Identity};
use feide_tower::bearer::{BearerAuthorizer, BearerJwtLayer, Principal};
use feide_tower::login::FeideLogin;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, Endpoint, FakeFeide};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{Request, Response};
use http_body_util::Full;
use integration_tests::{bind, serve_axum, serve_hyper};
use serde_json::{Value, json};
use tower::ServiceBuilder;

use crate::harness::KEY;

const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;

#[derive(Clone, Copy, Debug)]
enum Stack {
    Axum,
    Hyper,
}

/// Issuers `a` and `b` trusted (each signing with its own key: `a` with `fake-rsa-1`, `b` with
/// `fake-rsa-2`, each publishing only its own), `c` not; the app's base URL.
struct Trust {
    a: FakeFeide,
    b: FakeFeide,
    c: FakeFeide,
    base: String,
}

fn describe(principal: Option<&Principal>) -> Value {
    principal.map_or(
        Value::Null,
        |p| json!({"issuer": p.issuer(), "subject": p.subject()}),
    )
}

async fn hyper_me(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = describe(request.extensions().get::<Principal>()).to_string();
    Ok(Response::new(Full::new(Bytes::from(body))))
}

async fn start(stack: Stack) -> Trust {
    let a = FakeFeide::start().await.unwrap();
    let b = FakeFeide::start().await.unwrap();
    let c = FakeFeide::start().await.unwrap();
    b.rotate_keys();
    let pa = Provider::builder(a.issuer())
        .client("fake-client", "fake-client-secret")
        .build()
        .await
        .unwrap();
    let pb = Provider::builder(b.issuer()).build().await.unwrap();
    let builder = || BearerJwtLayer::builder(&pa).trust(&pb).audience(AUD);
    let (listener, base) = bind().await;
    match stack {
        Stack::Axum => {
            let login = FeideLogin::builder(&pa)
                .redirect_uri(format!("{base}/callback"))
                .secret_keys(KEY)
                .build()
                .unwrap();
            let access = AccessGuard::builder(builder().build_authorizer().unwrap(), login).layer();
            let router = Router::new()
                .route(
                    "/me",
                    get(|p: Principal| async move { axum::Json(describe(Some(&p))) })
                        .layer(builder().build().unwrap()),
                )
                .route(
                    "/access",
                    get(|i: Identity| async move { axum::Json(describe(i.principal())) })
                        .layer(access),
                );
            serve_axum(listener, router);
        }
        Stack::Hyper => serve_hyper(
            listener,
            ServiceBuilder::new()
                .layer(builder().build().unwrap())
                .service_fn(hyper_me),
        ),
    }
    for fake in [&a, &b, &c] {
        fake.reset_counts();
    }
    Trust { a, b, c, base }
}

/// `GET path` with the token; status, `WWW-Authenticate` and the JSON body (if any).
async fn call(base: &str, path: &str, token: &str) -> (u16, String, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map_or(String::new(), |v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, challenge, body)
}

fn jwks_fetches(fake: &FakeFeide) -> usize {
    fake.requests(Endpoint::Jwks)
}

#[tokio::test]
async fn tokens_of_both_trusted_issuers_are_accepted_with_their_issuer() {
    for stack in [Stack::Axum, Stack::Hyper] {
        let t = start(stack).await;
        for (fake, user) in [(&t.a, "alice"), (&t.b, "bob")] {
            let token = fake.access_token_for(user, AUD, "openid");
            let (status, _, body) = call(&t.base, "/me", &token).await;
            assert_eq!(status, 200, "{stack:?} {}", fake.issuer());
            assert_eq!(body["issuer"], fake.issuer().as_str());
            // Twice: the second answer comes from the verified-token cache, still right.
            let (status, _, again) = call(&t.base, "/me", &token).await;
            assert_eq!((status, again), (200, body));
        }
        assert_eq!(
            t.b.signing_kid(),
            "fake-rsa-2",
            "b signs with a key a does not publish"
        );
        assert_eq!(jwks_fetches(&t.c), 0);
    }
}

#[tokio::test]
async fn a_token_of_an_untrusted_issuer_is_refused_without_fetching_any_keys() {
    for stack in [Stack::Axum, Stack::Hyper] {
        let t = start(stack).await;
        // Signed with a key `a` publishes, but issued by `c`.
        let token = t.c.access_token_for("alice", AUD, "openid");
        for _ in 0..3 {
            let (status, challenge, _) = call(&t.base, "/me", &token).await;
            assert_eq!(status, 401, "{stack:?}");
            assert!(
                challenge.contains(r#"error="invalid_token""#),
                "{challenge}"
            );
        }
        let fetches: Vec<usize> = [&t.a, &t.b, &t.c].into_iter().map(jwks_fetches).collect();
        assert_eq!(
            fetches,
            [0, 0, 0],
            "no JWKS fetched for an untrusted issuer"
        );
    }
}

#[tokio::test]
async fn a_token_is_verified_only_with_the_keys_of_the_issuer_it_names() {
    for stack in [Stack::Axum, Stack::Hyper] {
        let t = start(stack).await;
        // Claims issuer `a`, signed with `b`'s key and naming `b`'s kid: only `b` publishes it.
        let b_key_as_a = t.a.mint().key("fake-rsa-2").sign();
        for _ in 0..3 {
            let (status, challenge, _) = call(&t.base, "/me", &b_key_as_a).await;
            assert_eq!(status, 401, "{stack:?}");
            assert!(challenge.contains(r#"error="invalid_token""#));
        }
        assert!(
            jwks_fetches(&t.a) <= 1,
            "a's keys refresh at most once (cooldown)"
        );
        assert_eq!(
            jwks_fetches(&t.b),
            0,
            "b's keys are never consulted for a's token"
        );

        // Signed by `a` (its kid), claiming issuer `b`: `b` does not publish that key.
        t.a.reset_counts();
        let a_key_as_b = t.a.mint().claim("iss", t.b.issuer()).sign();
        let (status, _, _) = call(&t.base, "/me", &a_key_as_b).await;
        assert_eq!(status, 401, "{stack:?}");
        assert_eq!(
            jwks_fetches(&t.a),
            0,
            "a's keys are never consulted for b's token"
        );
        assert!(jwks_fetches(&t.b) <= 1);

        // The honest tokens still pass after all that.
        let good = t.b.access_token_for("bob", AUD, "openid");
        assert_eq!(call(&t.base, "/me", &good).await.0, 200);
    }
}

#[tokio::test]
async fn the_access_layer_trusts_the_same_issuers() {
    let t = start(Stack::Axum).await;
    for fake in [&t.a, &t.b] {
        let token = fake.access_token_for("alice", AUD, "openid");
        let (status, _, body) = call(&t.base, "/access", &token).await;
        assert_eq!(
            (status, body["issuer"].clone()),
            (200, fake.issuer().into())
        );
    }
    let untrusted = t.c.access_token_for("alice", AUD, "openid");
    assert_eq!(call(&t.base, "/access", &untrusted).await.0, 401);
    assert_eq!(jwks_fetches(&t.c), 0);
}

#[tokio::test]
async fn the_authorizer_alone_decides_the_same() {
    let a = FakeFeide::start().await.unwrap();
    let b = FakeFeide::start().await.unwrap();
    b.rotate_keys();
    let pa = Provider::builder(a.issuer()).build().await.unwrap();
    let pb = Provider::builder(b.issuer()).build().await.unwrap();
    let authorizer = BearerAuthorizer::builder(&pa)
        .trust(&pb)
        .audience(AUD)
        .build_authorizer()
        .unwrap();
    assert_eq!(authorizer.validator().issuers(), [a.issuer(), b.issuer()]);
    let principal = authorizer
        .authorize_token(&b.access_token_for("bob", AUD, "openid"))
        .await
        .unwrap();
    assert_eq!(principal.issuer(), b.issuer());
    // Trusting one issuer twice is a configuration error.
    let twice = BearerAuthorizer::builder(&pa)
        .trust(&pa)
        .audience(AUD)
        .build_authorizer();
    assert!(twice.is_err());
}
