//! Two FakeFeides, and an app with two stacked login layers (`feide` outside, `other` inside),
//! on axum or plain hyper; a browser that keeps cookies and follows redirects by hand.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::access::{AccessGuard, AccessLayer, Identity};
use feide_tower::bearer::BearerAuthorizer;
use feide_tower::login::FeideLogin;
use feide_tower::session::FeideSession;
use feide_tower::testkit::{FakeClient, FakeFeide};
use http::{Extensions, Request, Response};
use http_body_util::Full;
use integration_tests::{bind, serve_axum, serve_hyper};
use serde_json::{Value, json};
use tower::ServiceBuilder;

pub const KEY: &str = "AxTRKMfWJFIUHYSiTq4z9PcMOkUK9+fSsxLt0H3klvM=";

#[derive(Clone, Copy, Debug)]
pub enum Stack {
    Axum,
    Hyper,
}

pub struct TwoLogins {
    /// The provider of the login named `feide`.
    pub feide: FakeFeide,
    /// The provider of the login named `other`.
    pub other: FakeFeide,
    pub base: String,
}

impl TwoLogins {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A provider with a client `<name>-app` whose redirect URI is `<base>/<name>/callback`.
async fn provider(fake: &FakeFeide, base: &str, name: &str) -> Provider {
    let client = format!("{name}-app");
    fake.register_client(
        FakeClient::new(&client, "secret")
            .redirect_uri(format!("{base}/{name}/callback"))
            .post_logout_redirect_uri(format!("{base}/signed-out")),
    );
    Provider::builder(fake.issuer())
        .client(client, "secret")
        .build()
        .await
        .unwrap()
}

/// The login named `name` at `/<name>/login`, `/<name>/callback`, `/<name>/logout`; its
/// cookie is the default for the name unless `cookie` is given.
fn login(provider: &Provider, base: &str, name: &str, cookie: Option<&str>) -> FeideLogin {
    let mut builder = FeideLogin::builder(provider)
        .name(name)
        .redirect_uri(format!("{base}/{name}/callback"))
        .login_path(format!("/{name}/login"))
        .logout_path(format!("/{name}/logout"))
        .post_logout_redirect_uri(format!("{base}/signed-out"))
        .secret_keys(KEY)
        .scopes("openid profile");
    if let Some(cookie) = cookie {
        builder = builder.cookie_name(cookie);
    }
    builder.build().unwrap()
}

/// Starts both fakes and the app. With `shared_cookie`, the `other` login is misconfigured to
/// use the `feide` login's cookie name (and the same keys).
pub async fn start(stack: Stack, shared_cookie: bool) -> TwoLogins {
    let feide = FakeFeide::start().await.unwrap();
    let other = FakeFeide::start().await.unwrap();
    // Each provider signs with its own key.
    other.rotate_keys();
    let (listener, base) = bind().await;
    let feide_provider = provider(&feide, &base, "feide").await;
    let feide_login = login(&feide_provider, &base, "feide", None);
    let cookie = shared_cookie.then(|| feide_login.cookie_name().to_owned());
    let other_login = login(
        &provider(&other, &base, "other").await,
        &base,
        "other",
        cookie.as_deref(),
    );
    match stack {
        Stack::Axum => {
            // Bearer or `feide` session: the session must be `feide`'s, not the inner layer's.
            let bearer = BearerAuthorizer::builder(&feide_provider)
                .audience("https://api.example.no")
                .build_authorizer()
                .unwrap();
            let access = AccessGuard::builder(bearer, feide_login.clone()).layer();
            serve_axum(listener, router(&feide_login, &other_login, access));
        }
        Stack::Hyper => serve_hyper(
            listener,
            ServiceBuilder::new()
                .layer(feide_login.layer())
                .layer(other_login.layer())
                .service(hyper_app(&feide_login, &other_login)),
        ),
    }
    TwoLogins { feide, other, base }
}

/// What `/me` answers: the session handlers see, and each provider's by name.
pub fn describe(extensions: &Extensions) -> Value {
    let one = |s: Option<&FeideSession>| {
        s.map_or(
            Value::Null,
            |s| json!({"provider": s.provider(), "issuer": s.issuer(), "sub": s.sub()}),
        )
    };
    json!({
        "seen": one(extensions.get::<FeideSession>()),
        "feide": one(FeideSession::for_provider(extensions, "feide")),
        "other": one(FeideSession::for_provider(extensions, "other")),
        "count": FeideSession::all(extensions).count(),
    })
}

fn router(feide: &FeideLogin, other: &FeideLogin, access: AccessLayer) -> Router {
    let chooser = feide
        .require_login()
        .any_provider()
        .redirect_to("/choose")
        .unwrap();
    Router::new()
        .route(
            "/me",
            get(|e: Extensions| async move { axum::Json(describe(&e)) }),
        )
        .route(
            "/feide-only",
            get(|s: FeideSession| async move { s.provider().to_owned() })
                .route_layer(feide.require_login()),
        )
        .route(
            "/other-only",
            get(|e: Extensions| async move {
                FeideSession::for_provider(&e, "other")
                    .map_or_else(String::new, |s| s.sub().to_owned())
            })
            .route_layer(other.require_login()),
        )
        .route(
            "/any",
            get(|s: FeideSession| async move { s.provider().to_owned() }).route_layer(chooser),
        )
        .route(
            "/access",
            get(|i: Identity| async move {
                i.session()
                    .map_or_else(String::new, |s| s.provider().to_owned())
            })
            .layer(access),
        )
        .route("/", get(|| async { "home" }))
        .route("/signed-out", get(|| async { "signed out" }))
        .layer(other.layer())
        .layer(feide.layer())
}

type HyperResponse = Response<Full<Bytes>>;

/// The plain-hyper app: `/me` as on axum, and the guarded paths with the login guards.
fn hyper_app(
    feide: &FeideLogin,
    other: &FeideLogin,
) -> impl tower::Service<
    Request<hyper::body::Incoming>,
    Response = Response<feide_tower::body::ResponseBody<Full<Bytes>>>,
    Error = Infallible,
    Future: Send,
> + Clone
+ Send
+ 'static {
    use tower::ServiceExt as _;
    let me = tower::service_fn(|request: Request<hyper::body::Incoming>| async move {
        let body = match request.uri().path() {
            "/me" => describe(request.extensions()).to_string(),
            "/signed-out" => "signed out".to_owned(),
            _ => FeideSession::all(request.extensions())
                .next()
                .map_or_else(String::new, |s| s.provider().to_owned()),
        };
        Ok::<_, Infallible>(HyperResponse::new(Full::new(Bytes::from(body))))
    });
    let feide_only = ServiceBuilder::new()
        .layer(feide.require_login())
        .service(me);
    let other_only = ServiceBuilder::new()
        .layer(other.require_login())
        .service(me);
    let open = me.map_response(|r| r.map(http_body_util::Either::Left));
    let routes = Arc::new((feide_only, other_only, open));
    tower::service_fn(move |request: Request<hyper::body::Incoming>| {
        let routes = Arc::clone(&routes);
        async move {
            let (feide_only, other_only, open) = &*routes;
            match request.uri().path() {
                "/feide-only" => feide_only.clone().oneshot(request).await,
                "/other-only" => other_only.clone().oneshot(request).await,
                _ => open.clone().oneshot(request).await,
            }
        }
    })
}

pub use integration_tests::browser::{Browser, cookie_value, location, set_cookies};

/// A full login at `/<name>/login`; returns the `Set-Cookie` headers of the callback.
pub async fn log_in(browser: &Browser, app: &TwoLogins, name: &str) -> Vec<String> {
    let mut response = browser.get(&app.url(&format!("/{name}/login"))).await;
    let mut cookies = Vec::new();
    for _ in 0..10 {
        if response.url().path() == format!("/{name}/callback") {
            cookies = set_cookies(&response);
        }
        if !response.status().is_redirection() {
            break;
        }
        let next = location(&response);
        response = browser.get(&next).await;
    }
    assert!(
        response.status().is_success(),
        "{name}: {}",
        response.status()
    );
    cookies
}

/// `GET /me` as JSON.
pub async fn whoami(browser: &Browser, app: &TwoLogins) -> Value {
    browser.get(&app.url("/me")).await.json().await.unwrap()
}
