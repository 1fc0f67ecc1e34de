//! Feide login and bearer protection in actix-web, through feide-tower's framework-agnostic core.
//!
//! The only actix-specific code is [`bridge`] (http 0.2 ↔ http 1) and the two middlewares here;
//! every decision is made by the same `FeideLogin` and `BearerAuthorizer` functions the tower
//! layers wrap, so the session cookie format is shared with the axum examples. `/healthz` and
//! `/readyz` answer with `Health`'s plain functions, outside both middlewares.
//!
//! `METRICS_ADDR` (e.g. `127.0.0.1:9464`; unset: no metrics): feide-tower's metrics as
//! Prometheus text at `GET /metrics` on a listener of its own (axum on the tokio runtime under
//! actix's system, see the `metrics-listener` crate), bound by [`configure`] and reported in
//! [`Configured::metrics_addr`]. It does not count as configuring a provider: the demo still runs
//! with only `METRICS_ADDR` and `BIND_ADDR` set.

pub mod bridge;

use std::net::SocketAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use feide_tower::Provider;
use feide_tower::bearer::{BearerAuthorizer, Principal};
use feide_tower::health::Health;
use feide_tower::login::FeideLogin;
use feide_tower::session::FeideSession;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, DemoLogin, ExampleEnv, FakeFeide};

/// Boxed error for start-up.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every variable this example reads (but `BIND_ADDR`, `METRICS_ADDR` and `RUST_LOG`): any one set means
/// "configured", and then the login's four and `DATASOURCE_AUDIENCE` are required; the demo runs
/// only with none of them set, on loopback.
pub const ENV: ExampleEnv<'static> = ExampleEnv {
    app: "actix-bridge",
    settings: &[
        "FEIDE_ISSUER",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REDIRECT_URI",
        "OIDC_SCOPES",
        "APP_SECRET_KEY",
        "POST_LOGOUT_REDIRECT_URI",
        "DATASOURCE_AUDIENCE",
        "DATASOURCE_REQUIRED_SCOPE",
        "FEIDE_EXTENDED_USERINFO_URL",
        "FEIDE_GROUPINFO_URL",
    ],
    required: &[
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REDIRECT_URI",
        "APP_SECRET_KEY",
        "DATASOURCE_AUDIENCE",
    ],
    together: &[],
};

/// What the app needs, built once.
#[derive(Clone)]
pub struct State {
    /// Feide login.
    pub login: FeideLogin,
    /// Bearer protection for `/api`.
    pub bearer: BearerAuthorizer,
    /// `/healthz` and `/readyz`: the provider's keys, the session store.
    pub health: Health,
}

/// A configured app and, without configuration, the fake Feide it runs against.
pub struct Configured {
    /// The shared state.
    pub state: State,
    /// The in-process fake, when no real provider was configured (keep it alive).
    pub fake: Option<FakeFeide>,
    /// Lines to print at start-up.
    pub notes: Vec<String>,
    /// In demo mode: the warning to print (to stderr) before serving.
    pub banner: Option<String>,
    /// Where `GET /metrics` is served (`METRICS_ADDR`, bound), or `None` when it is unset.
    pub metrics_addr: Option<SocketAddr>,
}

/// Configures from `env` (the reference names: FEIDE_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
/// OIDC_REDIRECT_URI, APP_SECRET_KEY, POST_LOGOUT_REDIRECT_URI, OIDC_SCOPES, DATASOURCE_AUDIENCE,
/// DATASOURCE_REQUIRED_SCOPE; see [`ENV`]), and SESSION_STORE_URL / SESSION_STORE_CA_FILE for
/// sessions on the server (read by the login's `env_with`; unset: cookie sessions). With none of them set and a loopback `addr` it starts
/// FakeFeide and uses it (the demo); a partial configuration is an error naming every missing
/// variable. `METRICS_ADDR`, when set, is bound last on the current tokio runtime (a value that is
/// not an address, or cannot be bound, is an error naming it).
pub async fn configure(
    env: impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
) -> Result<Configured, Error> {
    let metrics = metrics_listener::from_env(&env)?;
    let settings = ENV.settings_or_demo(env, addr, DEMO).await?;
    let lookup = settings.lookup();
    let provider: Provider = Provider::from_env_with(lookup).await?;
    let login = FeideLogin::builder(&provider)
        .env_with(lookup)
        .allow_get_logout(true)
        .build()?;
    let audience = lookup("DATASOURCE_AUDIENCE").ok_or("DATASOURCE_AUDIENCE is required")?;
    let mut bearer = BearerAuthorizer::builder(&provider).audience(audience);
    if let Some(scope) = lookup("DATASOURCE_REQUIRED_SCOPE") {
        bearer = bearer.require_scope(scope);
    }
    let bearer = bearer.build_authorizer()?;
    let notes = match (settings.demo_note(), settings.fake()) {
        (Some(note), Some(fake)) => {
            let token = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
            let public = settings.public_url();
            vec![
                format!("{note}."),
                format!("curl -H 'Authorization: Bearer {token}' {public}/api/me"),
            ]
        }
        _ => Vec::new(),
    };
    let metrics_addr = metrics_listener::start(metrics).await?;
    Ok(Configured {
        state: State {
            health: Health::builder().login(&login).build()?,
            login,
            bearer,
        },
        notes,
        banner: settings.banner(),
        fake: settings.into_fake(),
        metrics_addr,
    })
}

/// Demo mode (nothing configured): the fake's client for this app, and `/api` accepting the
/// fake's data-source tokens with scope `readUser`.
const DEMO: DemoLogin<'static> = DemoLogin {
    client_id: "actix-bridge",
    post_logout_path: "/",
    scopes: "openid profile",
    settings: &[
        ("DATASOURCE_AUDIENCE", DEFAULT_DATASOURCE_AUDIENCE),
        ("DATASOURCE_REQUIRED_SCOPE", "readUser"),
    ],
};

/// Registers the routes on an actix `App` (use inside `HttpServer::new`).
pub fn routes(state: State) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            // Outside both middlewares: probes carry no cookie or token.
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .service(
                web::scope("/api")
                    .wrap(from_fn(bearer_middleware))
                    .route("/me", web::get().to(api_me)),
            )
            .service(
                web::scope("")
                    .wrap(from_fn(session_middleware))
                    .route("/login", web::get().to(login))
                    .route("/callback", web::get().to(callback))
                    .route("/logout", web::route().to(logout))
                    .route("/backchannel-logout", web::post().to(backchannel_logout))
                    .route("/frontchannel-logout", web::get().to(frontchannel_logout))
                    .route("/me", web::get().to(me))
                    .route("/", web::get().to(home)),
            );
    }
}

fn state(req: &HttpRequest) -> web::Data<State> {
    // Registered by `routes` for every route that reaches a handler or middleware here.
    req.app_data::<web::Data<State>>()
        .cloned()
        .expect("State is registered by routes()")
}

/// Bearer protection: the same decision and the same RFC 6750 answers as `BearerJwtLayer`.
async fn bearer_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let state = state(req.request());
    let headers = bridge::request_headers(req.headers());
    match state.bearer.authorize(&headers).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(error) => {
            let response = bridge::answer(state.bearer.challenge(&error).answer());
            Ok(req.into_response(response))
        }
    }
}

/// The session: opened from the cookies (its access token refreshed first when the provider
/// issues refresh tokens and it is about to expire), handed to handlers, refreshed or cleared on
/// the way out.
async fn session_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let state = state(req.request());
    let headers = bridge::request_headers(req.headers());
    let lookup = match state.login.session_refreshed(&headers).await {
        Ok(lookup) => lookup,
        // The provider cannot refresh an expired access token right now: 503, cookie kept.
        Err(answer) => {
            let response = bridge::answer(answer);
            return Ok(req.into_response(response));
        }
    };
    if let Some(session) = lookup.session {
        req.extensions_mut().insert(session);
    }
    // With a session store (SESSION_STORE_URL) that cannot answer: whether the request is
    // signed in is unknown. Routes that need a session answer 503; the cookie is kept.
    if lookup.store_error.is_some() {
        req.extensions_mut().insert(SessionUnknown);
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    let cookies: http::HeaderMap = lookup
        .set_cookies
        .into_iter()
        .map(|v| (http::header::SET_COOKIE, v))
        .collect();
    bridge::append_headers(response.headers_mut(), &cookies);
    Ok(response)
}

async fn login(req: HttpRequest) -> HttpResponse {
    // The async start works with and without pushed authorization requests (OIDC_USE_PAR).
    bridge::answer(
        state(&req)
            .login
            .start_login_async(Some(req.query_string()))
            .await,
    )
}

async fn callback(req: HttpRequest) -> HttpResponse {
    let headers = bridge::request_headers(req.headers());
    bridge::answer(
        state(&req)
            .login
            .complete_login(Some(req.query_string()), &headers)
            .await,
    )
}

async fn logout(req: HttpRequest) -> HttpResponse {
    let method =
        http::Method::from_bytes(req.method().as_str().as_bytes()).unwrap_or(http::Method::GET);
    // `sign_out` (not `logout`): with a session store it deletes the stored session too.
    bridge::answer(
        state(&req)
            .login
            .sign_out(&method, &bridge::request_headers(req.headers()))
            .await,
    )
}

/// The provider's back-channel logout: it posts a logout token (form-encoded, at most 64 KiB).
/// Liveness: the same answer as `HealthLayer`'s `/healthz`.
async fn healthz(req: HttpRequest) -> HttpResponse {
    bridge::answer(state(&req).health.liveness())
}

/// Readiness: the provider's keys loaded and the session store answering, else 503.
async fn readyz(req: HttpRequest) -> HttpResponse {
    bridge::answer(state(&req).health.readiness().await)
}

async fn backchannel_logout(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let headers = bridge::request_headers(req.headers());
    bridge::answer(state(&req).login.backchannel_logout(&headers, &body).await)
}

/// The provider's front-channel logout: its sign-out page frames this with `iss` and `sid`.
async fn frontchannel_logout(req: HttpRequest) -> HttpResponse {
    let headers = bridge::request_headers(req.headers());
    bridge::answer(
        state(&req)
            .login
            .frontchannel_logout(Some(req.query_string()), &headers)
            .await,
    )
}

/// In a request's extensions when the session store could not say whether it is signed in.
#[derive(Clone, Copy)]
struct SessionUnknown;

/// The signed-in user, or the login layer's answer for a request without one (browser: redirect
/// to login; API: 401).
pub struct SignedIn(pub FeideSession);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let result = match req.extensions().get::<FeideSession>() {
            Some(session) => Ok(SignedIn(session.clone())),
            None if req.extensions().get::<SessionUnknown>().is_some() => {
                let answer = state(req)
                    .login
                    .store_unavailable(&bridge::request_headers(req.headers()));
                Err(actix_web::error::InternalError::from_response(
                    "session store unavailable",
                    bridge::answer(answer),
                )
                .into())
            }
            None => {
                let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
                let answer = state(req)
                    .login
                    .login_required(target, &bridge::request_headers(req.headers()));
                Err(actix_web::error::InternalError::from_response(
                    "login required",
                    bridge::answer(answer),
                )
                .into())
            }
        };
        std::future::ready(result)
    }
}

async fn me(SignedIn(session): SignedIn) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "sub": session.sub(),
        "name": session.name(),
        "id_token_claims": session.id_token_claims(),
    }))
}

async fn home(req: HttpRequest) -> HttpResponse {
    let body = match req.extensions().get::<FeideSession>() {
        Some(s) => format!(
            "<!doctype html><title>actix-bridge</title><h1>Signed in as {}</h1><form method=post action=/logout><button>Sign out</button></form>",
            escape(s.name().unwrap_or(s.sub()))
        ),
        None => "<!doctype html><title>actix-bridge</title><h1>actix-bridge</h1><a href=/login>Sign in with Feide</a>".to_owned(),
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

async fn api_me(req: HttpRequest) -> HttpResponse {
    match req.extensions().get::<Principal>() {
        Some(p) => HttpResponse::Ok()
            .json(serde_json::json!({"subject": p.subject(), "claims": **p.claims()})),
        // Unreachable behind bearer_middleware; never an allow.
        None => HttpResponse::Unauthorized().finish(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
