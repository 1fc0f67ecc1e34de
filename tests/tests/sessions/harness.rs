//! Three instances of one app (FakeFeide login, one shared store) and a cookie-keeping browser.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::session::FeideSession;
use feide_tower::store::SessionStore;
use feide_tower::testkit::{FakeClient, FakeFeide};
use integration_tests::{bind, serve_axum};
use serde_json::json;

pub use integration_tests::browser::{Browser, location, set_cookies};

pub const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";
pub const CLIENT_ID: &str = "replicated-app";
pub const CLIENT_SECRET: &str = "replicated-app-secret";
pub const COOKIE: &str = "feide_session";
/// The revocation bound the instances are configured with (the default).
pub const BOUND: Duration = Duration::from_secs(1);

/// FakeFeide and three instances of the app sharing `store`.
pub struct Replicas {
    pub fake: FakeFeide,
    pub bases: Vec<String>,
    pub logins: Vec<FeideLogin>,
}

impl Replicas {
    /// Whether the instances share a session store (else: one instance, cookie sessions).
    pub fn shares_store(&self) -> bool {
        self.logins[0].stores_sessions()
    }

    pub fn url(&self, instance: usize, path: &str) -> String {
        format!("{}{path}", self.bases[instance])
    }
}

/// Options of a scenario.
#[derive(Clone, Copy, Default)]
pub struct Options {
    /// FakeFeide issues refresh tokens, access tokens live 30 s and the layer refreshes 120 s
    /// before expiry (so every session is due at once).
    pub refresh: bool,
    /// FakeFeide sends back- and front-channel logout to the last instance (and puts `sid` in
    /// ID tokens).
    pub provider_logout: bool,
}

pub async fn start(store: Arc<dyn SessionStore>, options: Options) -> Replicas {
    start_with(Some(store), options).await
}

/// FakeFeide and three instances of the app sharing `store`; without a store, one instance
/// keeping sessions in cookies.
pub async fn start_with(store: Option<Arc<dyn SessionStore>>, options: Options) -> Replicas {
    let fake = FakeFeide::builder()
        .refresh_tokens(options.refresh)
        .backchannel_logout(options.provider_logout)
        .frontchannel_logout(options.provider_logout)
        .access_token_lifetime(Duration::from_secs(if options.refresh { 30 } else { 3600 }))
        .start()
        .await
        .unwrap();
    let mut listeners = Vec::new();
    let mut bases = Vec::new();
    let instances = if store.is_some() { 3 } else { 1 };
    for _ in 0..instances {
        let (listener, base) = bind().await;
        listeners.push(listener);
        bases.push(base);
    }
    // One client: the load balancer's address would be the redirect URI; here instance 0's.
    // The provider's logout notifications reach one instance (the last), as a load balancer
    // sends them to one.
    let last = bases.len() - 1;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET)
            .redirect_uri(format!("{}/callback", bases[0]))
            .post_logout_redirect_uri(format!("{}/post-logout", bases[0]))
            .backchannel_logout_uri(format!("{}/backchannel-logout", bases[last]))
            .frontchannel_logout_uri(format!("{}/frontchannel-logout", bases[last])),
    );
    let mut logins = Vec::new();
    for listener in listeners {
        let provider = Provider::builder(fake.issuer())
            .client(CLIENT_ID, CLIENT_SECRET)
            .build()
            .await
            .unwrap();
        let mut builder = FeideLogin::builder(&provider)
            .redirect_uri(format!("{}/callback", bases[0]))
            .post_logout_redirect_uri(format!("{}/post-logout", bases[0]))
            .secret_keys(KEY)
            .scopes("openid profile");
        if let Some(store) = &store {
            builder = builder.session_store(Arc::clone(store));
        }
        if options.refresh {
            builder = builder.refresh_before(Duration::from_secs(120));
        }
        let login = builder.build().unwrap();
        serve_axum(listener, router(&login));
        logins.push(login);
    }
    Replicas {
        fake,
        bases,
        logins,
    }
}

fn router(login: &FeideLogin) -> Router {
    Router::new()
        .route(
            "/me",
            get(|s: FeideSession| async move {
                axum::Json(json!({
                    "sub": s.sub(),
                    "access_token": s.access_token().expose(),
                }))
            })
            .route_layer(login.require_login()),
        )
        .route("/public", get(|| async { "public" }))
        .route("/post-logout", get(|| async { "signed out" }))
        .route(
            "/",
            get(|s: Option<FeideSession>| async move {
                s.map_or_else(|| "anonymous".to_owned(), |s| format!("hello {}", s.sub()))
            }),
        )
        .layer(login.layer())
}

/// Signs `browser` in as `user` through instance 0; the session cookie's `Set-Cookie` header.
pub async fn sign_in(replicas: &Replicas, browser: &Browser, user: &str) -> String {
    replicas.fake.set_next_user(Some(user));
    let mut response = browser.get(&replicas.url(0, "/login")).await;
    let mut session_cookie = None;
    for _ in 0..10 {
        if let Some(cookie) = set_cookies(&response)
            .into_iter()
            .find(|c| c.starts_with(&format!("{COOKIE}=")))
        {
            session_cookie = Some(cookie);
        }
        if !response.status().is_redirection() {
            break;
        }
        response = browser.get(&location(&response)).await;
    }
    assert_eq!(response.status(), 200, "signed in as {user}");
    session_cookie.expect("the callback set the session cookie")
}

/// `GET /me` on `instance`: the status and the body.
pub async fn me(replicas: &Replicas, browser: &Browser, instance: usize) -> (u16, String) {
    // An API call (JSON, not a page): refused with 401 rather than redirected to the login.
    let response = browser
        .client
        .get(replicas.url(instance, "/me"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("the instance answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}
