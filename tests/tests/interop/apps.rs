//! The apps under test, configured against the certified provider exactly as a user would: the
//! axum-login example through its environment names, the axum-datasource example's router with
//! its own [`Provider`], and the sign-in/sign-out dances at the provider's own pages.

use std::collections::HashMap;

use axum::Router;
use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::session::FeideSession;
use tokio::net::TcpListener;
use url::Url;

use crate::op::Op;
use crate::web::{Page, Web};

pub const LOGIN_CLIENT_ID: &str = "feide-tower-login";
/// Characters that RFC 6749 §2.3.1 form-encoding changes before Basic authentication: a secret
/// like this only works if both sides encode and decode the same way.
pub const LOGIN_CLIENT_SECRET: &str = "s3cret:with+plus/slash&amp%25 and space";
pub const DS_CLIENT_ID: &str = "feide-tower-datasource";
pub const DS_CLIENT_SECRET: &str = "datasource-secret-0123456789";
pub const DS_AUDIENCE: &str = "https://n.feide.no/datasources/5b9bd2a0-7c4e-4a51-9d0e-3f1c2b7a8e61";
pub const DS_SCOPES: [&str; 2] = ["readUser", "writeUser"];
pub const SESSION_KEY: &str = "097ITaT3vJ9v9ylouwlrtFQG6U+Lp3+4PiC4DEHMgsQ=";
pub const SCOPES: &str = "openid profile email userid-feide";

/// A user of op.mjs: login name (= `sub`) and display name.
pub const ALICE: (&str, &str) = ("alice", "Alice Andersen");
pub const BOB: (&str, &str) = ("bob", "Bob Berg");

/// Binds `127.0.0.1:0` for an app. Its public URL uses `localhost`, as axum-login's does.
pub async fn bind_app() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("bound").port();
    (listener, format!("http://localhost:{port}"))
}

/// The axum-login example, running against `op`.
pub struct LoginApp {
    pub base: String,
    /// A twin of the app's login configuration (same key and cookie name), to open sessions.
    twin: FeideLogin,
}

impl LoginApp {
    /// Configures axum-login through its environment names and serves it on `listener`.
    pub async fn start(listener: TcpListener, op: &Op) -> LoginApp {
        Self::start_with(listener, op, &[], |app| app).await
    }

    /// [`start`](Self::start) with `extra` environment variables (e.g. `SESSION_STORE_URL`),
    /// serving `wrap(app)`: a test can put a layer around the whole app.
    pub async fn start_with(
        listener: TcpListener,
        op: &Op,
        extra: &[(&'static str, String)],
        wrap: impl FnOnce(Router) -> Router,
    ) -> LoginApp {
        let addr = listener.local_addr().expect("bound");
        let mut env = env_for(op, &format!("http://localhost:{}", addr.port()));
        env.extend(extra.iter().cloned());
        let lookup = |name: &str| env.get(name).cloned();
        let started = axum_login::configure(lookup, addr)
            .await
            .unwrap_or_else(|e| panic!("axum-login against {}: {e}", op.issuer()));
        assert!(
            started.fake.is_none(),
            "configured for the real provider, not FakeFeide"
        );
        let base = started.public_url.clone();
        let app = wrap(started.app);
        tokio::spawn(async move { axum::serve(listener, app).await });
        let provider = Provider::builder(op.issuer())
            .client(LOGIN_CLIENT_ID, LOGIN_CLIENT_SECRET)
            .build()
            .await
            .expect("discovery");
        let twin = FeideLogin::builder(&provider)
            .redirect_uri(format!("{base}/callback"))
            .secret_keys(SESSION_KEY)
            .build()
            .expect("twin login configuration");
        LoginApp { base, twin }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The session `web` holds at this app, opened with the app's key.
    pub fn session(&self, web: &Web) -> Option<FeideSession> {
        self.twin.session(&web.cookie_headers(&self.base)).session
    }
}

/// The environment a deployment of axum-login against `op` would have.
pub fn env_for(op: &Op, base: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("FEIDE_ISSUER", op.issuer().to_owned()),
        ("OIDC_CLIENT_ID", LOGIN_CLIENT_ID.to_owned()),
        ("OIDC_CLIENT_SECRET", LOGIN_CLIENT_SECRET.to_owned()),
        ("OIDC_REDIRECT_URI", format!("{base}/callback")),
        ("POST_LOGOUT_REDIRECT_URI", format!("{base}/post-logout")),
        ("APP_SECRET_KEY", SESSION_KEY.to_owned()),
        ("OIDC_SCOPES", SCOPES.to_owned()),
    ])
}

/// The axum-datasource example's router behind its own provider, on `127.0.0.1:0`.
pub async fn start_datasource(provider: &Provider) -> String {
    let (listener, base) = bind_app().await;
    let app = axum_datasource::app(provider, DS_AUDIENCE, &["readUser".to_owned()], None)
        .expect("data-source app");
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The axum-datasource example configured through its environment names (`FEIDE_ISSUER`,
/// `DATASOURCE_AUDIENCE`, `DATASOURCE_REQUIRED_SCOPE=readUser`), on `127.0.0.1:0`.
pub async fn start_datasource_from_env(op: &Op) -> String {
    let (listener, base) = bind_app().await;
    let env = HashMap::from([
        ("FEIDE_ISSUER", op.issuer().to_owned()),
        ("DATASOURCE_AUDIENCE", DS_AUDIENCE.to_owned()),
        ("DATASOURCE_REQUIRED_SCOPE", "readUser".to_owned()),
    ]);
    let addr = listener.local_addr().expect("bound");
    let started = axum_datasource::configure(|name| env.get(name).cloned(), addr)
        .await
        .unwrap_or_else(|e| panic!("axum-datasource against {}: {e}", op.issuer()));
    assert!(started.fake.is_none(), "configured for the real provider");
    tokio::spawn(async move { axum::serve(listener, started.app).await });
    base
}

/// A provider for `op` with the login client's credentials (token exchange, userinfo).
pub async fn login_client_provider(op: &Op) -> Provider {
    Provider::builder(op.issuer())
        .client(LOGIN_CLIENT_ID, LOGIN_CLIENT_SECRET)
        .build()
        .await
        .expect("discovery")
}

/// What a sign-in went through.
pub struct SignIn {
    /// The authorization request the app sent the browser to.
    pub authorize: Url,
    /// The callback the provider sent the browser back to.
    pub callback: Url,
    /// The page the browser landed on.
    pub landed: Page,
}

/// From the app's `/login` through the provider's login form and consent page, back to the app.
pub async fn sign_in(web: &Web, app: &LoginApp, op: &Op, user: &str) -> SignIn {
    let login = web.get(&app.url("/login")).await;
    let authorize = login.redirect("GET /login");
    assert!(
        authorize.as_str().starts_with(&op.url("/auth?")),
        "the app sends the browser to the provider's authorization endpoint: {authorize}"
    );
    let (_, login_page) = web.follow(login).await;
    login_page.expect("the provider's login form", 200, "Sign-in");
    let form = login_page.form("the provider's login form", "/interaction/");
    let submitted = web
        .submit(&form, &[("login", user), ("password", "any password")])
        .await;
    let (_, consent_page) = web.follow(submitted).await;
    consent_page.expect("the provider's consent page", 200, "Continue");
    let form = consent_page.form("the provider's consent page", "/interaction/");
    let consented = web.submit(&form, &[]).await;
    let (visited, landed) = web.follow(consented).await;
    let callback = visited
        .iter()
        .find(|u| u.as_str().starts_with(&app.url("/callback?")))
        .unwrap_or_else(|| {
            panic!("the provider never sent the browser to the callback: {visited:?}")
        })
        .clone();
    SignIn {
        authorize,
        callback,
        landed,
    }
}

/// The query of `url` as a map (single values).
pub fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// The JSON of a JWT's header or payload (`part` 0 or 1), unverified.
pub fn jwt_part(token: &str, part: usize) -> serde_json::Value {
    use base64::Engine as _;
    let segment = token.split('.').nth(part).expect("a compact JWS");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}
