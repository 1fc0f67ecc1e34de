//! The app under test (axum or plain hyper, behind FeideLoginLayer) and a cookie-keeping browser
//! that follows redirects one hop at a time so each step can be checked.

use std::convert::Infallible;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::login::{FeideLogin, FeideLoginBuilder};
use feide_tower::session::FeideSession;
use feide_tower::testkit::{FakeClient, FakeFeide};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use integration_tests::{bind, serve_axum, serve_hyper};
use serde_json::json;
use tower::ServiceBuilder;

pub const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";
pub const CLIENT_ID: &str = "login-app";
pub const CLIENT_SECRET: &str = "login-app-secret";

#[derive(Clone, Copy, Debug)]
pub enum Stack {
    Axum,
    Hyper,
}

pub struct TestApp {
    pub fake: FakeFeide,
    pub base: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Starts FakeFeide and the app on `stack`, with the login configured by `configure`.
pub async fn start(
    stack: Stack,
    configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder,
) -> TestApp {
    capture_logs();
    let fake = FakeFeide::start().await.unwrap();
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
    let builder = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .post_logout_redirect_uri(format!("{base}/post-logout"))
        .scopes("openid profile email userid-feide");
    let login = configure(builder).build().unwrap();
    match stack {
        Stack::Axum => serve_axum(listener, router(&login)),
        Stack::Hyper => serve_hyper(
            listener,
            ServiceBuilder::new()
                .layer(login.layer())
                .layer(login.require_login())
                .service_fn(hyper_app),
        ),
    }
    TestApp { fake, base }
}

fn describe(session: &FeideSession) -> serde_json::Value {
    json!({"sub": session.sub(), "name": session.name(), "feide_id": session.feide_id(), "acr": session.acr()})
}

fn router(login: &FeideLogin) -> Router {
    Router::new()
        .route(
            "/me",
            get(|s: FeideSession| async move { axum::Json(describe(&s)) }).route_layer(login.require_login()),
        )
        .route(
            "/",
            get(|s: Option<FeideSession>| async move {
                s.map_or_else(|| "anonymous".to_owned(), |s| format!("hello {}", s.sub()))
            }),
        )
        .route("/post-logout", get(|| async { "signed out" }))
        .route("/{*rest}", get(|s: Option<FeideSession>| async move { format!("page; signed in: {}", s.is_some()) }))
        .layer(login.layer())
}

/// The plain-hyper app: everything behind RequireLogin; answers with the session as JSON.
async fn hyper_app(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = match request.extensions().get::<FeideSession>() {
        Some(session) => describe(session).to_string(),
        None => "no session".to_owned(), // unreachable behind RequireLogin
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

pub use integration_tests::browser::{Browser, location, set_cookies};

/// A full login starting at `/login?{query}`, every redirect followed; the final response.
pub async fn log_in(
    browser: &Browser,
    app: &TestApp,
    query: &str,
) -> (Vec<String>, reqwest::Response) {
    browser.visit(&app.url(&format!("/login?{query}"))).await
}

pub use integration_tests::logs::{capture_logs, logs};
