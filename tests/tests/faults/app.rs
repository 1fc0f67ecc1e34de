//! The apps the faults are injected under: a login app and the axum-datasource example, each
//! with its own FakeFeide and a Provider whose timeout and JWKS cooldown are short, so timeouts
//! and recovery are observable in a test's time.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::bearer::{BearerJwtLayer, Principal};
use feide_tower::login::FeideLogin;
use feide_tower::session::FeideSession;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide};
use integration_tests::{bind, serve_axum};
use reqwest::header::{ACCEPT, SET_COOKIE};

pub const CLIENT_ID: &str = "faults-login";
pub const CLIENT_SECRET: &str = "faults-login-secret-0123456789";
pub const KEY: &str = "+DK1elEqwHidYWdqGCktLmQ8NTt/EoW7H3BmaHaPS14=";
/// Every call to the provider gives up after this long.
pub const TIMEOUT: Duration = Duration::from_millis(800);

/// A provider for `fake` with the short timeout and no JWKS cooldown.
pub async fn provider(fake: &FakeFeide) -> Result<Provider, feide_tower::provider::ProviderError> {
    Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .timeout(TIMEOUT)
        .jwks_cooldown(Duration::ZERO)
        .build()
        .await
}

pub struct LoginApp {
    pub fake: FakeFeide,
    pub base: String,
}

impl LoginApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// FakeFeide (auto-approve) and a login app in front of it: `/` says who is signed in, `/me`
/// needs a user.
pub async fn login_app() -> LoginApp {
    login_app_with(|login| {
        Router::new()
            .route(
                "/me",
                get(|s: FeideSession| async move { s.sub().to_owned() })
                    .route_layer(login.require_login()),
            )
            .route(
                "/",
                get(|s: Option<FeideSession>| async move {
                    s.map_or_else(|| "anonymous".to_owned(), |s| format!("hello {}", s.sub()))
                }),
            )
    })
    .await
}

/// FakeFeide (auto-approve) and the routes `routes` builds for the login, behind its layer.
pub async fn login_app_with(routes: impl FnOnce(&FeideLogin) -> Router) -> LoginApp {
    let fake = FakeFeide::start().await.expect("FakeFeide starts");
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = provider(&fake).await.expect("discovery");
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile email userid-feide")
        .build()
        .expect("login configuration");
    serve_axum(listener, routes(&login).layer(login.layer()));
    LoginApp { fake, base }
}

/// FakeFeide and the data source's bearer protection behind a provider for it.
pub async fn datasource_app() -> (FakeFeide, Provider, String) {
    let fake = FakeFeide::start().await.expect("FakeFeide starts");
    let provider = provider(&fake).await.expect("discovery");
    let base = serve_datasource(&provider).await;
    (fake, provider, base)
}

/// Serves the data source's bearer protection for `provider` on 127.0.0.1:0: the same
/// `BearerJwtLayer` configuration as axum-datasource (its audience, scope `readUser`), in front
/// of a handler that answers with the principal's subject, without the example's token exchange,
/// so every status is the bearer layer's.
pub async fn serve_datasource(provider: &Provider) -> String {
    let (listener, base) = bind().await;
    serve_axum(listener, bearer_router(provider));
    base
}

pub fn bearer_router(provider: &Provider) -> Router {
    let bearer = BearerJwtLayer::builder(provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .require_scope("readUser")
        .build()
        .expect("bearer layer");
    Router::new()
        .route(
            "/me",
            get(|p: Principal| async move { axum::Json(serde_json::json!({"subject": p.subject()})) }),
        )
        .layer(bearer)
}

pub use integration_tests::browser::{Browser, location};

/// `/login` and the provider's approval: the callback URL, not yet visited.
pub async fn approved_callback(browser: &Browser, app: &LoginApp) -> String {
    let login = browser.get(&app.url("/login")).await;
    assert_eq!(login.status(), 302);
    let approved = browser.get(&location(&login)).await;
    assert_eq!(approved.status(), 302);
    location(&approved)
}

/// A whole login; returns the callback's answer.
pub async fn log_in(browser: &Browser, app: &LoginApp) -> reqwest::Response {
    let callback = approved_callback(browser, app).await;
    browser.get(&callback).await
}

/// `/me` as an API client: 200 and the subject, or 401.
pub async fn me(browser: &Browser, app: &LoginApp) -> (u16, String) {
    let r = browser
        .client
        .get(app.url("/me"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .expect("the server answers");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Whether the answer sets a (non-empty) session cookie.
pub fn sets_session(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("feide_session") && !c.contains("Max-Age=0") && !c.contains("=;"))
}
