//! The app under test: FakeFeide (short access tokens), FeideLoginLayer with a refresh margin
//! larger than the token lifetime, and a handler that shows the session's access token.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::login::{DEFAULT_LOGIN_NAME, FeideLogin, FeideLoginBuilder};
use feide_tower::session::cookie::{CookieCodec, Envelope};
use feide_tower::session::{FeideSession, KeyRing};
use feide_tower::testkit::{FakeClient, FakeFeide};
use http::header::SET_COOKIE;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::Full;
use integration_tests::{bind, serve_axum, serve_hyper};
use serde_json::{Value, json};
use tower::ServiceBuilder;

use crate::harness::{Browser, location};

pub use crate::harness::{CLIENT_ID, CLIENT_SECRET, KEY, Stack};

/// The session cookie's name (plain http on 127.0.0.1: no `__Host-` prefix).
pub const COOKIE: &str = "feide_session";
/// Lifetime of the access tokens issued at login: inside the refresh margin from the start.
pub const LOGIN_TOKEN_LIFETIME: Duration = Duration::from_secs(30);
/// The login layer's refresh margin.
pub const MARGIN: Duration = Duration::from_secs(120);
/// Lifetime of access tokens issued by refreshes, once a test sets it: outside the margin.
pub const LONG: Duration = Duration::from_secs(3600);

pub struct App {
    pub fake: FakeFeide,
    pub base: String,
    pub login: FeideLogin,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// FakeFeide with refresh tokens `on` and access tokens of `lifetime`, and the app on `stack`.
pub async fn start(
    stack: Stack,
    on: bool,
    lifetime: Duration,
    configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder,
) -> App {
    crate::harness::capture_logs();
    let fake = FakeFeide::builder()
        .refresh_tokens(on)
        .access_token_lifetime(lifetime)
        .start()
        .await
        .unwrap();
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .timeout(Duration::from_millis(800))
        .build()
        .await
        .unwrap();
    let builder = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile")
        .refresh_before(MARGIN);
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
    App { fake, base, login }
}

fn describe(session: &FeideSession) -> Value {
    json!({
        "sub": session.sub(),
        "access_token": session.access_token().expose(),
        "expires_at": session.access_token_expires_at(),
        "refresh": session.has_refresh_token(),
    })
}

fn router(login: &FeideLogin) -> Router {
    Router::new()
        .route(
            "/token",
            get(|s: FeideSession| async move { axum::Json(describe(&s)) })
                .route_layer(login.require_login()),
        )
        .route(
            "/",
            get(|s: Option<FeideSession>| async move { format!("signed in: {}", s.is_some()) }),
        )
        .layer(login.layer())
}

/// Everything behind RequireLogin; answers with the session as JSON.
async fn hyper_app(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = match request.extensions().get::<FeideSession>() {
        Some(session) => describe(session).to_string(),
        None => "no session".to_owned(),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

/// Logs in, stopping at the callback's answer (which sets the session cookie) so no request
/// has used the session yet. Returns the session cookie's value.
pub async fn log_in(browser: &Browser, app: &App) -> String {
    let mut response = browser.get(&app.url("/login?return_to=/token")).await;
    for _ in 0..5 {
        assert!(response.status().is_redirection(), "{}", response.status());
        if response.url().path() == "/callback" {
            assert!(location(&response).ends_with("/token"));
            return session_cookie(response.headers()).expect("the callback sets the session");
        }
        response = browser.get(&location(&response)).await;
    }
    panic!("no callback");
}

/// The session cookie value a response sets (`Some("")` for a deletion).
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    set_cookies(headers).iter().find_map(|c| {
        let pair = c.split(';').next()?;
        pair.strip_prefix(&format!("{COOKIE}=")).map(str::to_owned)
    })
}

/// Whether the response deletes the session cookie.
pub fn deletes_session(headers: &HeaderMap) -> bool {
    set_cookies(headers)
        .iter()
        .any(|c| c.starts_with(&format!("{COOKIE}=")) && c.contains("Max-Age=0"))
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The sealed session: the envelope with its data as JSON.
pub fn open(value: &str) -> Envelope<Value> {
    let codec =
        CookieCodec::login_session(KeyRing::from_secrets(&[KEY]).unwrap(), DEFAULT_LOGIN_NAME);
    codec
        .open_envelope(COOKIE, value, integration_tests::now() as u64, None)
        .unwrap()
}

/// A response, read.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Answer {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            json,
        }
    }

    /// The access token the handler saw.
    pub fn token(&self) -> &str {
        self.json["access_token"].as_str().unwrap_or_default()
    }
}

/// GET `path` with the browser.
pub async fn browse(browser: &Browser, app: &App, path: &str) -> Answer {
    Answer::read(browser.get(&app.url(path)).await).await
}

/// A request carrying exactly the session cookie `value` (no cookie jar), as an API caller.
pub async fn with_cookie(app: &App, path: &str, value: &str) -> Answer {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .header(http::header::COOKIE, format!("{COOKIE}={value}"))
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}
