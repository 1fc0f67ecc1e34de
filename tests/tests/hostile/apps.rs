//! The examples under attack, started in-process on 127.0.0.1:0 through their own `configure`
//! functions, with an environment that points them at a FakeFeide this binary controls.

use std::collections::HashMap;
use std::net::SocketAddr;

use feide_tower::testkit::{
    DEFAULT_DATASOURCE_AUDIENCE, DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET,
    FakeClient, FakeFeide,
};
use tokio::net::TcpListener;

use crate::wire::{self, Request};

pub const CLIENT_ID: &str = "hostile-login";
pub const CLIENT_SECRET: &str = "hostile-login-secret-0123456789";
pub const SESSION_KEY: &str = "YW7mFPqVK1Ax0E+vejT9anVS6RwGvdI5pjxRbYw8yE0=";
/// The codec axum-login seals its session cookies with.
pub fn session_codec() -> feide_tower::session::cookie::CookieCodec {
    use feide_tower::login::DEFAULT_LOGIN_NAME;
    use feide_tower::session::KeyRing;
    use feide_tower::session::cookie::CookieCodec;
    CookieCodec::login_session(
        KeyRing::from_secrets(&[SESSION_KEY]).expect("key"),
        DEFAULT_LOGIN_NAME,
    )
}

pub const SCOPE: &str = "readUser";
pub const AUDIENCE: &str = DEFAULT_DATASOURCE_AUDIENCE;

/// Everything the corpus talks to.
pub struct Apps {
    pub fake: FakeFeide,
    /// axum-login.
    pub login: SocketAddr,
    /// A second axum-login instance with the same configuration (another server of the same
    /// deployment behind a load balancer).
    pub login_twin: SocketAddr,
    /// axum-datasource, configured against `fake` like a real deployment (not its demo mode).
    pub datasource: SocketAddr,
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    (listener, addr)
}

/// The environment a deployment of axum-login at `base` against `fake` has.
pub fn login_env(fake: &FakeFeide, base: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("FEIDE_ISSUER", fake.issuer()),
        ("OIDC_CLIENT_ID", CLIENT_ID.to_owned()),
        ("OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("OIDC_REDIRECT_URI", format!("{base}/callback")),
        ("POST_LOGOUT_REDIRECT_URI", format!("{base}/post-logout")),
        ("APP_SECRET_KEY", SESSION_KEY.to_owned()),
        (
            "OIDC_SCOPES",
            "openid profile email userid-feide".to_owned(),
        ),
        ("FEIDE_EXTENDED_USERINFO_URL", fake.extended_userinfo_url()),
    ])
}

async fn serve_login(env: &HashMap<&'static str, String>, listener: TcpListener) {
    let addr = listener.local_addr().expect("bound address");
    let started = axum_login::configure(|name| env.get(name).cloned(), addr)
        .await
        .expect("axum-login configures against FakeFeide");
    assert!(started.fake.is_none(), "configured for our FakeFeide");
    tokio::spawn(async move { axum::serve(listener, started.app).await });
}

/// Starts FakeFeide (auto-approve; RFC 9207 `iss` on callbacks), both examples, and a twin of
/// axum-login.
pub async fn start() -> Apps {
    let fake = FakeFeide::builder()
        .callback_iss(true)
        .start()
        .await
        .expect("FakeFeide starts");
    let (login_listener, login) = listener().await;
    let (twin_listener, login_twin) = listener().await;
    // Both instances share the public address of the first, as behind a load balancer.
    let base = format!("http://{login}");
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET)
            .redirect_uri(format!("{base}/callback"))
            .post_logout_redirect_uri(format!("{base}/post-logout")),
    );
    let env = login_env(&fake, &base);
    serve_login(&env, login_listener).await;
    serve_login(&env, twin_listener).await;

    let (ds_listener, datasource) = listener().await;
    let ds_env = HashMap::from([
        ("FEIDE_ISSUER", fake.issuer()),
        ("DATASOURCE_AUDIENCE", AUDIENCE.to_owned()),
        ("DATASOURCE_REQUIRED_SCOPE", SCOPE.to_owned()),
        (
            "DATASOURCE_CLIENT_ID",
            DEFAULT_DATASOURCE_CLIENT_ID.to_owned(),
        ),
        (
            "DATASOURCE_CLIENT_SECRET",
            DEFAULT_DATASOURCE_CLIENT_SECRET.to_owned(),
        ),
        ("FEIDE_EXTENDED_USERINFO_URL", fake.extended_userinfo_url()),
        ("FEIDE_GROUPINFO_URL", fake.groups_url()),
    ]);
    let started = axum_datasource::configure(|name| ds_env.get(name).cloned(), datasource)
        .await
        .expect("axum-datasource configures against FakeFeide");
    assert!(started.fake.is_none(), "configured for our FakeFeide");
    tokio::spawn(async move { axum::serve(ds_listener, started.app).await });

    Apps {
        fake,
        login,
        login_twin,
        datasource,
    }
}

/// A login started at `/login?{query}` and approved by the provider, not yet completed.
pub struct Approved {
    /// The flow cookie `/login` set.
    pub flow_cookie: (String, String),
    /// The callback query the provider sent the browser back with (`code`, `state`, `iss`).
    pub params: Vec<(String, String)>,
    /// The `/login` answer's status.
    pub login_status: u16,
}

impl Approved {
    pub fn param(&self, name: &str) -> String {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The callback query with `(name, value)` pairs encoded as given (values form-encoded).
    pub fn query(pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", form(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The untouched callback query.
    pub fn original_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Approved::query(&pairs)
    }

    /// A callback request with `query`, carrying the flow cookie.
    pub fn callback(&self, query: &str) -> Request {
        Request::get(format!("/callback?{query}"))
            .header("Accept", "text/html")
            .cookie(std::slice::from_ref(&self.flow_cookie))
    }
}

pub fn form(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Starts a login with the raw `/login` query and lets FakeFeide approve it.
pub async fn approve(apps: &Apps, raw_query: &[u8]) -> Result<Approved, String> {
    let mut target = b"/login".to_vec();
    if !raw_query.is_empty() {
        target.push(b'?');
        target.extend_from_slice(raw_query);
    }
    let login = wire::send(
        apps.login,
        &Request::get(target).header("Accept", "text/html"),
    )
    .await
    .map_err(|e| format!("/login: {e}"))?;
    let location = login
        .header("location")
        .ok_or_else(|| format!("/login answered {} without Location", login.status))?
        .to_owned();
    let flow_cookie = login
        .cookies_set()
        .into_iter()
        .find(|(n, _)| n.starts_with("feide_flow") || n.contains("flow"))
        .ok_or_else(|| format!("/login set no flow cookie: {:?}", login.all("set-cookie")))?;
    let authorize = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?
        .get(&location)
        .send()
        .await
        .map_err(|e| format!("authorize: {e}"))?;
    let callback = authorize
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("authorize answered {}", authorize.status()))?;
    let url = url::Url::parse(callback).map_err(|e| e.to_string())?;
    Ok(Approved {
        flow_cookie,
        params: url.query_pairs().into_owned().collect(),
        login_status: login.status,
    })
}

/// Completes a full login for `login_hint` (a FakeFeide user) at `apps.login`; returns the
/// session cookies.
pub async fn log_in(apps: &Apps, login_hint: &str) -> Vec<(String, String)> {
    let approved = approve(apps, format!("login_hint={login_hint}").as_bytes())
        .await
        .expect("login is approved");
    let reply = wire::send(apps.login, &approved.callback(&approved.original_query()))
        .await
        .expect("callback answers");
    assert_eq!(reply.status, 302, "callback completes: {}", reply.text());
    let cookies: Vec<(String, String)> = reply
        .cookies_set()
        .into_iter()
        .filter(|(n, _)| n.starts_with("feide_session"))
        .collect();
    assert!(!cookies.is_empty(), "a session cookie is set");
    cookies
}
