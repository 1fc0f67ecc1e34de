//! The axum-login example as a library, so tests can start it on `127.0.0.1:0`.
//!
//! Routes (as in Feide's reference `feide_login_full`): `/`, `/login`, `/callback`, `/logout`
//! (GET allowed, since the page links to it), `/post-logout`, `/me` (needs a user), `/exchange`
//! and `/datasource` (token exchange), `/staff` (employees only: Feide affiliation `employee`;
//! in the demo bob is one, alice is not), and the probes `/healthz` (liveness) and `/readyz`
//! (readiness: the provider's keys loaded, the session store answering; 503 otherwise).
//!
//! `METRICS_ADDR` (e.g. `127.0.0.1:9464`; unset: no metrics): feide-tower's metrics as
//! Prometheus text at `GET /metrics` on a listener of its own at that address (see the
//! `metrics-listener` crate), bound by [`configure`] and reported in [`Started::metrics_addr`].
//! It is not a provider setting: the demo still runs with only `METRICS_ADDR` and `BIND_ADDR` set.

mod pages;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use feide_tower::Provider;
use feide_tower::authorization::{AuthorizationConfigError, FeideFacts, Rule, SessionGuard};
use feide_tower::exchange::{ExchangeError, ExchangePattern, TokenExchange, TokenExchangeBuilder};
use feide_tower::health::Health;
use feide_tower::login::{FEIDE_MFA_ACR, FeideLogin, RequireAuthLevelLayer};
use feide_tower::provider::require_secure_url;
use feide_tower::session::FeideSession;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, DemoLogin, ExampleEnv, FakeFeide};
use serde_json::{Value, json};

/// Boxed error for start-up.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every variable this example reads (but `BIND_ADDR`, `METRICS_ADDR` and `RUST_LOG`): any one set means
/// "configured", and then the login's four are required; the demo runs only with none of them
/// set, on loopback.
pub const ENV: ExampleEnv<'static> = ExampleEnv {
    app: "axum-login",
    settings: &[
        "FEIDE_ISSUER",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REDIRECT_URI",
        "OIDC_SCOPES",
        "OIDC_CLIENT_AUTH_METHOD",
        "OIDC_CLIENT_PRIVATE_JWK",
        "OIDC_CLIENT_PRIVATE_KEY_FILE",
        "OIDC_CLIENT_KEY_ID",
        "OIDC_USE_PAR",
        "APP_SECRET_KEY",
        "POST_LOGOUT_REDIRECT_URI",
        "FEIDE_EXTENDED_USERINFO_URL",
        "FEIDE_GROUPINFO_URL",
        "FEIDE_TOKEN_EXCHANGE_AUDIENCE",
        "FEIDE_TOKEN_EXCHANGE_SCOPE",
        "DATASOURCE_API_URL",
    ],
    required: &[
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REDIRECT_URI",
        "APP_SECRET_KEY",
    ],
    together: &[
        ("DATASOURCE_API_URL", "FEIDE_TOKEN_EXCHANGE_AUDIENCE"),
        (
            "FEIDE_TOKEN_EXCHANGE_SCOPE",
            "FEIDE_TOKEN_EXCHANGE_AUDIENCE",
        ),
    ],
};

/// A configured app, ready to serve.
pub struct Started {
    /// The router.
    pub app: Router,
    /// The in-process fake Feide, when no real provider was configured (keep it alive).
    pub fake: Option<FakeFeide>,
    /// A line saying the fake is in use, to print.
    pub note: Option<String>,
    /// In demo mode: the warning to print (to stderr) before serving.
    pub banner: Option<String>,
    /// Where a browser should go.
    pub public_url: String,
    /// Where `GET /metrics` is served (`METRICS_ADDR`, bound), or `None` when it is unset.
    pub metrics_addr: Option<SocketAddr>,
}

#[derive(Clone)]
struct App {
    login: FeideLogin,
    provider: Provider,
    /// Exchanges the session's access token for the data source (`FEIDE_TOKEN_EXCHANGE_*`).
    exchange: Option<TokenExchange>,
    /// `DATASOURCE_API_URL`.
    datasource: Option<String>,
    /// `/mfa`'s guard: the levels in `OIDC_STEP_UP_ACR_VALUES` (Feide's MFA by default).
    step_up: RequireAuthLevelLayer,
    /// `/staff`'s guard: affiliation `employee` (`None` when the provider has no groups API or
    /// extended userinfo URL to ask).
    staff: Option<SessionGuard>,
}

/// Configures the app from `env` (a variable lookup). `addr` is where it listens.
///
/// With none of the variables in [`ENV`] set and a loopback `addr`, starts FakeFeide in
/// interactive mode and configures against it (the demo). Any one of them set: the login's four
/// are required, and a partial configuration is an error naming every missing variable.
/// `DATASOURCE_API_URL` receives exchanged tokens: https, or http on a loopback host.
/// `METRICS_ADDR`, when set, is bound last (a value that is not an address, or cannot be bound,
/// is an error naming it).
pub async fn configure(
    env: impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
) -> Result<Started, Error> {
    let metrics = metrics_listener::from_env(&env)?;
    let mut settings = ENV.settings_or_demo(env, addr, DEMO).await?;
    if let Some(fake) = settings.fake().cloned() {
        settings.set_demo_value("FEIDE_EXTENDED_USERINFO_URL", fake.extended_userinfo_url());
        settings.set_demo_value("FEIDE_GROUPINFO_URL", fake.groups_url());
        settings.set_demo_value("DATASOURCE_API_URL", start_datasource(fake).await?);
    }
    let lookup = settings.lookup();
    let datasource = lookup("DATASOURCE_API_URL")
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty());
    if let Some(url) = &datasource {
        require_secure_url("DATASOURCE_API_URL", url)?;
    }
    let provider = Provider::from_env_with(lookup).await?;
    let scopes = lookup("OIDC_SCOPES").unwrap_or_else(|| "openid".into());
    let login = FeideLogin::builder(&provider)
        .env_with(lookup)
        .scopes(scopes)
        .allow_get_logout(true)
        .build()?;
    let levels = lookup("OIDC_STEP_UP_ACR_VALUES").unwrap_or_else(|| FEIDE_MFA_ACR.to_owned());
    let step_up = login.require_acr(levels.split_whitespace().map(str::to_owned))?;
    let staff = match SessionGuard::builder(&login, Rule::affiliation(["employee"])).build() {
        Ok(guard) => Some(guard),
        Err(AuthorizationConfigError::NoFactSource) => None,
        Err(e) => return Err(e.into()),
    };
    let exchange = match lookup("FEIDE_TOKEN_EXCHANGE_AUDIENCE") {
        Some(_) => Some(
            TokenExchangeBuilder::from_env_with(&provider, ExchangePattern::LoginClient, lookup)?
                .build()?,
        ),
        None => None,
    };
    // `/healthz` and `/readyz`: the provider's keys loaded, the session store (if any) answering.
    let health = Health::builder().login(&login).build()?;
    let app = router(App {
        login,
        provider,
        exchange,
        datasource: datasource.clone(),
        step_up,
        staff,
    })
    .layer(health.layer());
    let note = settings.demo_note().map(|note| {
        format!(
            "{note} (test users: alice, bob, carol) and the data-source example at {}.",
            datasource.as_deref().unwrap_or("?")
        )
    });
    let metrics_addr = metrics_listener::start(metrics).await?;
    Ok(Started {
        app,
        note,
        banner: settings.banner(),
        public_url: settings.public_url().to_owned(),
        fake: settings.into_fake(),
        metrics_addr,
    })
}

/// Demo mode (nothing configured): the fake's client for this app, and the data-source example
/// run in-process against the same fake as the token-exchange target.
const DEMO: DemoLogin<'static> = DemoLogin {
    client_id: "axum-login",
    post_logout_path: "/post-logout",
    scopes: "openid profile email userid-feide",
    settings: &[
        ("FEIDE_TOKEN_EXCHANGE_AUDIENCE", DEFAULT_DATASOURCE_AUDIENCE),
        ("FEIDE_TOKEN_EXCHANGE_SCOPE", axum_datasource::DEMO_SCOPE),
    ],
};

/// Runs the data-source example in-process on 127.0.0.1:0 against the same fake; returns its URL.
async fn start_datasource(fake: FakeFeide) -> Result<String, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let started = axum_datasource::demo_with(fake, addr).await?;
    tokio::spawn(async move { axum::serve(listener, started.app).await });
    Ok(format!("http://{addr}"))
}

fn router(app: App) -> Router {
    let login = app.login.clone();
    Router::new()
        .route("/", get(home))
        .route("/me", get(me).route_layer(login.require_login()))
        // Stepped up: a plain session is sent through login again with `acr_values`, and
        // comes back here.
        .route("/mfa", get(mfa).route_layer(app.step_up.clone()))
        .route("/post-logout", get(|| async { Html(pages::signed_out()) }))
        // Employees only: the session's Feide affiliations, fetched and kept for 5 minutes.
        .route("/staff", staff_route(&app))
        .route(
            "/exchange",
            get(exchange).route_layer(login.require_login()),
        )
        .route(
            "/datasource",
            get(datasource).route_layer(login.require_login()),
        )
        .with_state(app)
        .layer(login.layer())
}

fn staff_route(app: &App) -> axum::routing::MethodRouter<App> {
    match &app.staff {
        Some(guard) => get(staff).route_layer(guard.layer()),
        None => {
            get(|| async { not_configured("FEIDE_GROUPINFO_URL or FEIDE_EXTENDED_USERINFO_URL") })
        }
    }
}

async fn staff(session: FeideSession, facts: FeideFacts) -> Html<String> {
    Html(pages::staff(&session, &facts))
}

async fn mfa(session: FeideSession) -> Html<String> {
    let level = session
        .claim("acr")
        .and_then(|v| v.as_str())
        .unwrap_or("none")
        .to_owned();
    Html(pages::mfa(&session, &level))
}

async fn home(State(app): State<App>, session: Option<FeideSession>) -> Html<String> {
    let Some(session) = session else {
        return Html(pages::signed_out_home());
    };
    let extended = match app.provider.extended_userinfo_url() {
        Some(_) => {
            match feide_tower::apis::extended_userinfo(&app.provider, session.access_token()).await
            {
                Ok(info) => Ok(serde_json::Value::Object(info)),
                Err(e) => Err(e.to_string()),
            }
        }
        None => Err("FEIDE_EXTENDED_USERINFO_URL is not set".to_owned()),
    };
    Html(pages::signed_in_home(&session, &extended))
}

async fn me(session: FeideSession, headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        return Html(pages::me(&session)).into_response();
    }
    axum::Json(serde_json::json!({
        "sub": session.sub(),
        "id_token_claims": session.id_token_claims(),
        "userinfo": session.userinfo(),
    }))
    .into_response()
}

fn not_configured(what: &str) -> Response {
    let body = json!({"error": "not_configured", "error_description": format!("set {what}")});
    (StatusCode::NOT_IMPLEMENTED, axum::Json(body)).into_response()
}

/// Exchanges the session's access token for the data source and shows the new token's metadata
/// and claims (decoded for display only; the data source validates it). Never the token itself.
async fn exchange(
    State(app): State<App>,
    session: FeideSession,
) -> Result<Response, ExchangeError> {
    let Some(exchange) = &app.exchange else {
        return Ok(not_configured("FEIDE_TOKEN_EXCHANGE_AUDIENCE"));
    };
    let issued = exchange.exchange(session.access_token()).await?;
    let claims = issued
        .expose()
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    Ok(axum::Json(json!({
        "audience": exchange.audience(),
        "scope": issued.scope(),
        "issued_token_type": issued.issued_token_type(),
        "expires_in": issued.expires_at().map(|at| at.saturating_duration_since(std::time::Instant::now()).as_secs()),
        "claims": claims,
    }))
    .into_response())
}

/// Calls `DATASOURCE_API_URL/me` with the exchanged token; a failure answers 502 (or the API's
/// 401/403/404), never with a token in the body.
async fn datasource(
    State(app): State<App>,
    session: FeideSession,
) -> Result<Response, ExchangeError> {
    let (Some(exchange), Some(url)) = (&app.exchange, &app.datasource) else {
        return Ok(not_configured(
            "FEIDE_TOKEN_EXCHANGE_AUDIENCE and DATASOURCE_API_URL",
        ));
    };
    let answer: Value = exchange
        .get_json(&format!("{url}/me"), session.access_token())
        .await?;
    Ok(axum::Json(answer).into_response())
}
