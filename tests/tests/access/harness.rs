//! The app under test: `/api` behind an [`AccessLayer`] (axum: without FeideLoginLayer around
//! it, so the layer opens the cookie itself; hyper: inside FeideLoginLayer), plus the login
//! routes, and a cookie-keeping browser.

use std::convert::Infallible;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::access::{AccessGuard, AccessGuardBuilder, BearerJudge, Identity};
use feide_tower::bearer::BearerAuthorizer;
use feide_tower::login::FeideLogin;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide};
use http::{Request, Response};
use http_body_util::Full;
use integration_tests::{bind, serve_axum, serve_hyper};
use reqwest::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use tower::ServiceBuilder;

pub const KEY: &str = "Ol9OcnxIjixAvjOilXaO7zqX7WJMU/Bjjof25TNzw/A=";
pub const CLIENT_ID: &str = "access-app";
pub const CLIENT_SECRET: &str = "access-app-secret";
pub const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;
pub const SCOPE: &str = "readUser";
pub const REALM: &str = "access-test";

#[derive(Clone, Copy, Debug)]
pub enum Stack {
    Axum,
    Hyper,
}

pub const STACKS: [Stack; 2] = [Stack::Axum, Stack::Hyper];

pub struct TestApp {
    pub fake: FakeFeide,
    pub base: String,
    pub cookie_name: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A valid token for the first user with `scope`.
    pub fn token(&self, scope: &str) -> String {
        let user = self.fake.users()[0].id.clone();
        self.fake.access_token_for(&user, AUD, scope)
    }

    /// A browser signed in through the app's `/login`.
    pub async fn signed_in_browser(&self) -> Browser {
        let browser = Browser::new();
        let (_, last) = browser.visit(&self.url("/login?return_to=/api")).await;
        assert_eq!(last.status(), 200, "login ends at /api");
        browser
    }
}

/// Starts FakeFeide and the app on `stack`, `/api` guarded (JWT rules) as `configure` says.
pub async fn start(
    stack: Stack,
    configure: impl FnOnce(AccessGuardBuilder) -> AccessGuardBuilder,
) -> TestApp {
    start_with(
        stack,
        |_| {},
        |provider| {
            BearerAuthorizer::builder(provider)
                .audience(AUD)
                .require_scope(SCOPE)
                .realm(REALM)
                .build_authorizer()
                .unwrap()
                .into()
        },
        configure,
    )
    .await
}

/// Like [`start`], with FakeFeide prepared by `prepare` (before discovery) and the bearer
/// judge made by `judge`.
pub async fn start_with(
    stack: Stack,
    prepare: impl FnOnce(&FakeFeide),
    judge: impl FnOnce(&Provider) -> BearerJudge,
    configure: impl FnOnce(AccessGuardBuilder) -> AccessGuardBuilder,
) -> TestApp {
    let fake = FakeFeide::start().await.unwrap();
    prepare(&fake);
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET)
            .redirect_uri(format!("{base}/callback"))
            .post_logout_redirect_uri(format!("{base}/post-logout")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .post_logout_redirect_uri(format!("{base}/post-logout"))
        .scopes("openid profile")
        .build()
        .unwrap();
    let bearer = judge(&provider);
    let access = configure(AccessGuard::builder(bearer, login.clone())).layer();
    match stack {
        Stack::Axum => {
            let api = Router::new().route("/api", get(axum_api)).layer(access);
            let login_routes = Router::new()
                .route("/login", get(|| async { "unreachable" }))
                .route("/callback", get(|| async { "unreachable" }))
                .layer(login.layer());
            serve_axum(listener, api.merge(login_routes));
        }
        Stack::Hyper => serve_hyper(
            listener,
            ServiceBuilder::new()
                .layer(login.layer())
                .layer(access)
                .service_fn(hyper_api),
        ),
    }
    TestApp {
        fake,
        base,
        cookie_name: login.cookie_name().to_owned(),
    }
}

/// What `/api` answers: how the request got in.
pub fn describe(identity: Option<&Identity>) -> Value {
    match identity {
        None => json!({"kind": "anonymous"}),
        Some(identity) => json!({
            "kind": if identity.is_bearer() { "bearer" } else { "session" },
            "subject": identity.subject(),
        }),
    }
}

async fn axum_api(identity: Option<Identity>) -> axum::Json<Value> {
    axum::Json(describe(identity.as_ref()))
}

async fn hyper_api(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = describe(request.extensions().get::<Identity>()).to_string();
    Ok(Response::new(Full::new(Bytes::from(body))))
}

/// An answer, with what the tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub header: reqwest::header::HeaderMap,
    pub raw_body: String,
    pub body: Value,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let header = response.headers().clone();
        let raw_body = response.text().await.unwrap();
        Self {
            status,
            header,
            body: serde_json::from_str(&raw_body).unwrap_or(Value::Null),
            raw_body,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.header.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.header
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }

    pub fn kind(&self) -> &str {
        self.body["kind"].as_str().unwrap_or("")
    }
}

/// `GET url` as an API client, with optional `Authorization` and `Cookie` values.
pub async fn api_get(url: &str, authorization: Option<&str>, cookie: Option<&str>) -> Reply {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    if let Some(value) = cookie {
        request = request.header(COOKIE, value);
    }
    Reply::from(request.send().await.unwrap()).await
}

pub use integration_tests::browser::Browser;

/// `GET url` as `browser` (its cookies, `Accept: text/html`) with `Authorization: value`.
pub async fn get_with_token(browser: &Browser, url: &str, authorization: &str) -> Reply {
    Reply::from(
        browser
            .get_with(url, &[("authorization", authorization)])
            .await,
    )
    .await
}
