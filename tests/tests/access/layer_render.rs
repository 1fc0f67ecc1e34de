//! Custom error bodies on `BearerJwtLayer` (and its `require_scope` layers) and on
//! `FeideLoginLayer` (error pages, `login_required`) themselves, on axum and on plain hyper:
//! the renderer chooses the body and its type; status, `WWW-Authenticate`, `Location`,
//! `Set-Cookie`, `Retry-After` and `Cache-Control` stay the layer's.

use std::convert::Infallible;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Denial;
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::login::FeideLogin;
use feide_tower::testkit::{Endpoint, Failure, FakeClient, FakeFeide};
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use integration_tests::{bind, serve_axum, serve_hyper};
use tower::ServiceBuilder;

use crate::harness::{
    AUD, Browser, CLIENT_ID, CLIENT_SECRET, KEY, REALM, Reply, SCOPE, STACKS, Stack, api_get,
};

/// A renderer that would like to answer 200 and says which denial it saw, and why.
fn sneaky(denial: &Denial) -> (HeaderValue, Bytes) {
    let reason = match denial {
        Denial::LoginFailed(failure) => failure.reason,
        Denial::Login(_) => "login_required",
        Denial::Bearer(_) => "bearer",
        _ => "other",
    };
    let body = format!(
        r#"{{"status":200,"custom":true,"was":{},"reason":"{reason}"}}"#,
        denial.status().as_u16()
    );
    (
        HeaderValue::from_static("application/problem+json"),
        Bytes::from(body),
    )
}

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

/// `/api` behind `BearerJwtLayer` (rendered), `/api/admin` also behind `require_scope("admin")`.
async fn bearer_app(stack: Stack) -> (FakeFeide, String) {
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer()).build().await.unwrap();
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .require_scope(SCOPE)
        .realm(REALM)
        .render_body(sneaky)
        .build()
        .unwrap();
    let admin = bearer.require_scope("admin").unwrap();
    let (listener, base) = bind().await;
    match stack {
        Stack::Axum => serve_axum(
            listener,
            Router::new()
                .route("/api/admin", get(|| async { "admin" }).layer(admin))
                .route("/api", get(|| async { "hello" }))
                .layer(bearer),
        ),
        Stack::Hyper => serve_hyper(
            listener,
            ServiceBuilder::new()
                .layer(bearer)
                .layer(admin)
                .service_fn(hello),
        ),
    }
    (fake, base)
}

fn assert_rendered(reply: &Reply, status: u16, stack: Stack) {
    assert_eq!(reply.status, status, "{stack:?}: {}", reply.raw_body);
    assert_eq!(reply.body["custom"], true, "{stack:?}: {}", reply.raw_body);
    assert_eq!(reply.body["was"], status);
    assert_eq!(reply.get("content-type"), Some("application/problem+json"));
    assert_eq!(reply.get("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn bearer_layer_renders_bodies_but_keeps_status_and_challenge() {
    for stack in STACKS {
        let (fake, base) = bearer_app(stack).await;
        let url = format!("{base}/api");

        let reply = api_get(&url, None, None).await;
        assert_rendered(&reply, 401, stack);
        assert_eq!(
            reply.get("www-authenticate"),
            Some(format!(r#"Bearer realm="{REALM}""#).as_str())
        );

        let reply = api_get(&url, Some("Bearer not.a.jwt"), None).await;
        assert_rendered(&reply, 401, stack);
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains(r#"error="invalid_token""#)
        );

        let under = fake.access_token_for("alice", AUD, "otherScope");
        let reply = api_get(&url, Some(&format!("Bearer {under}")), None).await;
        assert_rendered(&reply, 403, stack);
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains(r#"scope="readUser""#)
        );

        // The route layer made from the rendered layer renders too.
        let token = fake.access_token_for("alice", AUD, SCOPE);
        let reply = api_get(
            &format!("{base}/api/admin"),
            Some(&format!("Bearer {token}")),
            None,
        )
        .await;
        assert_rendered(&reply, 403, stack);
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains(r#"scope="admin""#)
        );

        // A valid token is untouched by the renderer (on hyper every path needs `admin` too).
        let both = fake.access_token_for("alice", AUD, &format!("{SCOPE} admin"));
        let reply = api_get(&url, Some(&format!("Bearer {both}")), None).await;
        assert_eq!(
            (reply.status, reply.raw_body.as_str()),
            (200, "hello"),
            "{stack:?}"
        );

        // 503 keeps its Retry-After: a token with a kid nobody publishes, the JWKS down.
        fake.fail(Endpoint::Jwks, Failure::Status(503));
        let foreign = fake.mint().kid(Some("never-published")).sign();
        let reply = api_get(&url, Some(&format!("Bearer {foreign}")), None).await;
        assert_rendered(&reply, 503, stack);
        assert_eq!(reply.get("retry-after"), Some("5"));
        assert!(reply.get("www-authenticate").is_none());
    }
}

/// The login layer (rendered) around `/me` (requires login) and `/`.
async fn login_app(stack: Stack) -> (FakeFeide, String, FeideLogin) {
    let fake = FakeFeide::start().await.unwrap();
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .render_body(sneaky)
        .build()
        .unwrap();
    match stack {
        Stack::Axum => serve_axum(
            listener,
            Router::new()
                .route(
                    "/me",
                    get(|| async { "me" }).route_layer(login.require_login()),
                )
                .route("/", get(|| async { "home" }))
                .layer(login.layer()),
        ),
        Stack::Hyper => serve_hyper(
            listener,
            ServiceBuilder::new()
                .layer(login.layer())
                .layer(login.require_login())
                .service_fn(hello),
        ),
    }
    (fake, base, login)
}

#[tokio::test]
async fn login_layer_renders_error_pages_but_keeps_status_and_cookies() {
    for stack in STACKS {
        let (_fake, base, _login) = login_app(stack).await;

        // API callers without a session: 401 login_required, rendered.
        let reply = api_get(&format!("{base}/me"), None, None).await;
        assert_rendered(&reply, 401, stack);
        assert_eq!(reply.body["reason"], "login_required");

        // Browsers are still redirected to our login path.
        let browser = Browser::new();
        let response = browser.get(&format!("{base}/me")).await;
        assert_eq!(response.status(), 302, "{stack:?}");
        assert_eq!(response.headers()["location"], "/login?return_to=%2Fme");

        // A callback with a state nobody issued: 400, rendered, reason named.
        let reply = Reply::from(
            browser
                .get(&format!("{base}/callback?state=AAAA&code=x"))
                .await,
        )
        .await;
        assert_rendered(&reply, 400, stack);
        assert_eq!(reply.body["reason"], "unknown_or_replayed_state");

        // Cancelled at the provider: start a real flow, answer the callback with access_denied.
        let response = browser.get(&format!("{base}/login")).await;
        assert_eq!(response.status(), 302);
        let authorize = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        let state = authorize
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let response = browser
            .get(&format!(
                "{base}/callback?state={state}&error=access_denied"
            ))
            .await;
        let flow_deleted = response.headers().get_all("set-cookie").iter().any(|c| {
            c.to_str().unwrap().contains("feide_flow_") && c.to_str().unwrap().contains("Max-Age=0")
        });
        let reply = Reply::from(response).await;
        assert_rendered(&reply, 403, stack);
        assert_eq!(reply.body["reason"], "access_denied");
        assert!(flow_deleted, "{stack:?}: the flow cookie is still deleted");

        // Cross-origin sign-out: 403, rendered.
        let reply = Reply::from(
            reqwest::Client::new()
                .post(format!("{base}/logout"))
                .header("origin", "https://evil.example")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_rendered(&reply, 403, stack);
        assert_eq!(reply.body["reason"], "cross_origin_logout");
    }
}
