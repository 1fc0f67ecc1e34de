//! The data-source API of Feide's reference examples (`feide_data_source_api`), in Rust.
//!
//! `GET /healthz` and `GET /readyz` are the liveness and readiness probes (`/readyz` answers 503
//! while the provider's signing keys have never loaded).
//!
//! `GET /me` is protected by a Feide JWT access token for this data source's audience and
//! required scope, and answers `{"subject": ..., "claims": {...}}`. When the data source has its
//! own client (`DATASOURCE_CLIENT_ID`; always in demo mode) it also exchanges the token (RFC 8693,
//! the data-source pattern) for a token for Feide's APIs and adds `"extended_userinfo": {...}` and
//! `"groupinfo": [...]`, as the reference example does. `GET /staff` (with the data source's own
//! client) admits only callers whose user has the Feide affiliation `employee` (403 otherwise;
//! in the demo bob is one, alice is not).
//!
//! Environment (the names the reference examples use):
//! - `DATASOURCE_AUDIENCE`: the data source's audience, `https://n.feide.no/datasources/<uuid>`;
//! - `DATASOURCE_REQUIRED_SCOPE`: the scope(s) a token must carry (space-separated: all of them);
//! - `DATASOURCE_CLIENT_ID`, `DATASOURCE_CLIENT_SECRET`: the data source's own client, for the
//!   exchange; `DATASOURCE_TOKEN_EXCHANGE_AUDIENCE` (default: the issuer) and
//!   `DATASOURCE_TOKEN_EXCHANGE_SCOPE` (Feide attribute groups, may be empty);
//! - `FEIDE_ISSUER` (default `https://auth.dataporten.no`), `FEIDE_EXTENDED_USERINFO_URL`,
//!   `FEIDE_GROUPINFO_URL` (default: Feide's);
//! - `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`: read by the provider (the exchange's client when
//!   the data source has none of its own);
//! - `BIND_ADDR` (read by `main`): default `127.0.0.1:8001`;
//! - `METRICS_ADDR` (e.g. `127.0.0.1:9464`; unset: no metrics): feide-tower's metrics as
//!   Prometheus text at `GET /metrics` on a listener of its own, bound by [`configure`] and
//!   reported in [`Started::metrics_addr`]. Like `BIND_ADDR` it does not count as configuring a
//!   provider: the demo still runs with only these two set.
//!
//! With *none* of these set (see [`ENV`]) and a loopback `BIND_ADDR`, the app runs its demo
//! against an in-process fake Feide, prints a loud banner, and [`Started::curl`] is a
//! ready-to-paste `curl` line with a freshly minted valid token. The fake's signing keys are
//! public, so the demo never runs otherwise: any one variable set makes `DATASOURCE_AUDIENCE`
//! and `DATASOURCE_REQUIRED_SCOPE` required, and a partial configuration is a start-up error
//! naming everything missing.

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::authorization::{AuthorizationConfigError, DataSourceGuard, FeideFacts, Rule};
use feide_tower::bearer::{BearerJwtLayer, Principal};
use feide_tower::exchange::{
    ExchangeError, ExchangePattern, SubjectToken, TokenExchange, TokenExchangeBuilder,
};
use feide_tower::health::Health;
use feide_tower::testkit::{
    DEFAULT_DATASOURCE_AUDIENCE, DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET,
    ExampleEnv, ExampleMode, FakeFeide, demo_banner,
};
use serde_json::{Value, json};

/// Any error at start-up.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The scope the demo mode requires and puts in its token.
pub const DEMO_SCOPE: &str = "readUser";
/// The user the demo token speaks for.
pub const DEMO_USER: &str = "alice";

/// Every variable this example reads (but `BIND_ADDR`, `METRICS_ADDR` and `RUST_LOG`): any one set means
/// "configured"; the demo runs only with none of them set, on loopback.
pub const ENV: ExampleEnv<'static> = ExampleEnv {
    app: "axum-datasource",
    settings: &[
        "FEIDE_ISSUER",
        "DATASOURCE_AUDIENCE",
        "DATASOURCE_REQUIRED_SCOPE",
        "DATASOURCE_CLIENT_ID",
        "DATASOURCE_CLIENT_SECRET",
        "DATASOURCE_TOKEN_EXCHANGE_AUDIENCE",
        "DATASOURCE_TOKEN_EXCHANGE_SCOPE",
        "FEIDE_EXTENDED_USERINFO_URL",
        "FEIDE_GROUPINFO_URL",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
    ],
    required: &["DATASOURCE_AUDIENCE", "DATASOURCE_REQUIRED_SCOPE"],
    together: &[
        ("DATASOURCE_CLIENT_ID", "DATASOURCE_CLIENT_SECRET"),
        ("DATASOURCE_CLIENT_SECRET", "DATASOURCE_CLIENT_ID"),
        ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"),
        ("OIDC_CLIENT_SECRET", "OIDC_CLIENT_ID"),
    ],
};

/// What to run, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settings {
    /// A real provider (Feide unless `FEIDE_ISSUER` says otherwise).
    Provider {
        /// The data source's audience.
        audience: String,
        /// Scopes a token must carry (all of them).
        scopes: Vec<String>,
    },
    /// Nothing configured: an in-process fake Feide.
    Demo,
}

impl Settings {
    /// Decides from the variables in [`ENV`] (through `lookup`) and the address the app listens
    /// on: the demo only with none set and a loopback `addr`; otherwise `DATASOURCE_AUDIENCE`
    /// and `DATASOURCE_REQUIRED_SCOPE` are required (the issuer itself is read by
    /// [`Provider::from_env_with`]).
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
        addr: SocketAddr,
    ) -> Result<Settings, Error> {
        if ENV.mode(&lookup, addr)? == ExampleMode::Demo {
            return Ok(Settings::Demo);
        }
        let var = |name: &str| lookup(name).map(|v| v.trim().to_owned());
        // `mode` checked that both are set and not blank.
        let (Some(audience), Some(scope)) =
            (var("DATASOURCE_AUDIENCE"), var("DATASOURCE_REQUIRED_SCOPE"))
        else {
            return Err("DATASOURCE_AUDIENCE and DATASOURCE_REQUIRED_SCOPE are required".into());
        };
        Ok(Settings::Provider {
            audience,
            scopes: scope.split_whitespace().map(str::to_owned).collect(),
        })
    }
}

/// The app, ready to serve.
pub struct Started {
    /// The router: `GET /me` behind the bearer layer.
    pub app: Router,
    /// The fake Feide in demo mode; keep it alive while serving.
    pub fake: Option<FakeFeide>,
    /// In demo mode: `curl -H 'Authorization: Bearer <token>' http://<addr>/me`.
    pub curl: Option<String>,
    /// In demo mode: the warning to print (to stderr) before serving.
    pub banner: Option<String>,
    /// Where `GET /metrics` is served (`METRICS_ADDR`, bound), or `None` when it is unset.
    pub metrics_addr: Option<SocketAddr>,
}

/// Builds the app from the environment (`lookup`), for a server listening on `addr`, and serves
/// the metrics on `METRICS_ADDR` when it is set (a value that is not an address, or cannot be
/// bound, is an error naming it).
pub async fn configure(
    lookup: impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
) -> Result<Started, Error> {
    let metrics = metrics_listener::from_env(&lookup)?;
    let mut started = configure_app(&lookup, addr).await?;
    started.metrics_addr = metrics_listener::start(metrics).await?;
    Ok(started)
}

/// [`configure`] but the metrics listener.
async fn configure_app(
    lookup: impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
) -> Result<Started, Error> {
    match Settings::from_env_with(&lookup, addr)? {
        Settings::Provider { audience, scopes } => {
            let provider = Provider::from_env_with(&lookup).await?;
            // Without its own client the data source only validates (any OIDC provider); with one
            // it also asks Feide's APIs about the user.
            let exchange = match lookup("DATASOURCE_CLIENT_ID") {
                Some(_) => Some(
                    TokenExchangeBuilder::from_env_with(
                        &provider,
                        ExchangePattern::DataSource,
                        &lookup,
                    )?
                    .build()?,
                ),
                None => None,
            };
            let app = app(&provider, &audience, &scopes, exchange)?;
            Ok(Started {
                app,
                fake: None,
                curl: None,
                banner: None,
                metrics_addr: None,
            })
        }
        Settings::Demo => demo_with(FakeFeide::start().await?, addr).await,
    }
}

/// Demo mode against `fake`: FakeFeide's default data source (audience, client, scope
/// `readUser`), and a curl line with a fresh token. The login example uses this to run the data
/// source in-process against its own fake. No metrics listener: [`configure`] starts that.
pub async fn demo_with(fake: FakeFeide, addr: SocketAddr) -> Result<Started, Error> {
    let provider = Provider::builder(fake.issuer())
        .extended_userinfo_url(fake.extended_userinfo_url())
        .groups_url(fake.groups_url())
        .build()
        .await?;
    let exchange = TokenExchange::data_source(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .build()?;
    let app = app(
        &provider,
        DEFAULT_DATASOURCE_AUDIENCE,
        &[DEMO_SCOPE.to_owned()],
        Some(exchange),
    )?;
    let token = fake.access_token_for(DEMO_USER, DEFAULT_DATASOURCE_AUDIENCE, DEMO_SCOPE);
    Ok(Started {
        app,
        banner: Some(demo_banner("axum-datasource", &fake.issuer())),
        fake: Some(fake),
        curl: Some(format!(
            "curl -H 'Authorization: Bearer {token}' http://{addr}/me"
        )),
        metrics_addr: None,
    })
}

/// `GET /me` for tokens with `audience` and all of `scopes`; `exchange`, when given, gets tokens
/// for Feide's APIs. `GET /healthz` and `GET /readyz` (the provider's keys loaded) need no token.
pub fn app(
    provider: &Provider,
    audience: &str,
    scopes: &[String],
    exchange: Option<TokenExchange>,
) -> Result<Router, Error> {
    let bearer = scopes
        .iter()
        .fold(
            BearerJwtLayer::builder(provider).audience(audience),
            |builder, scope| builder.require_scope(scope),
        )
        .build()?;
    // `/healthz` and `/readyz` outside the bearer check: probes carry no token.
    let health = Health::builder().provider(provider).build()?;
    // Employees only: the caller's token exchanged once per subject, the facts kept 5 minutes.
    let staff = match &exchange {
        Some(exchange) => {
            match DataSourceGuard::builder(exchange, Rule::affiliation(["employee"])).build() {
                Ok(guard) => get(staff).route_layer(guard.layer()),
                Err(AuthorizationConfigError::NoFactSource) => get(staff_not_configured),
                Err(e) => return Err(e.into()),
            }
        }
        None => get(staff_not_configured),
    };
    Ok(Router::new()
        .route("/me", get(me))
        .route("/staff", staff)
        .with_state(exchange)
        .layer(bearer)
        .layer(health.layer()))
}

/// `GET /staff`: the caller is an employee.
async fn staff(principal: Principal, facts: FeideFacts) -> Json<Value> {
    Json(json!({
        "subject": principal.subject(),
        "affiliations": facts.affiliations(),
        "primary_affiliation": facts.primary_affiliation(),
    }))
}

async fn staff_not_configured() -> (axum::http::StatusCode, Json<Value>) {
    (
        axum::http::StatusCode::NOT_IMPLEMENTED,
        Json(json!({
            "error": "not_configured",
            "error_description": "set DATASOURCE_CLIENT_ID and FEIDE_GROUPINFO_URL or FEIDE_EXTENDED_USERINFO_URL"
        })),
    )
}

/// The caller, their token's claims, and (with an exchange client) what Feide's APIs say about
/// them, fetched with an exchanged token.
///
/// The subject token is the incoming JWT, available only because the bearer layer validated it.
/// An exchange or API failure answers 502 (401/403/404 where the API said so), never with a token.
async fn me(
    State(exchange): State<Option<TokenExchange>>,
    principal: Principal,
    request: Parts,
) -> Result<Json<Value>, ExchangeError> {
    let mut body = json!({
        "subject": principal.subject(),
        "claims": **principal.claims(),
    });
    if let Some(exchange) = exchange {
        let subject = SubjectToken::from_bearer_header(&request.headers)
            .ok_or(ExchangeError::MissingSubject)?;
        let (extended, groups) = tokio::join!(
            exchange.extended_userinfo(subject.secret()),
            exchange.groups(subject.secret())
        );
        body["extended_userinfo"] = json!(extended?);
        body["groupinfo"] = json!(groups?);
    }
    Ok(Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_at(vars: &[(&str, &str)], addr: &str) -> Result<Settings, Error> {
        Settings::from_env_with(
            |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            },
            addr.parse().unwrap(),
        )
    }

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, Error> {
        settings_at(vars, "127.0.0.1:8001")
    }

    #[test]
    fn nothing_configured_on_loopback_is_the_demo() {
        assert_eq!(settings(&[]).unwrap(), Settings::Demo);
        assert_eq!(
            settings(&[("BIND_ADDR", "127.0.0.1:1")]).unwrap(),
            Settings::Demo
        );
        assert!(settings_at(&[], "0.0.0.0:1").is_err());
    }

    #[test]
    fn audience_and_scope_configure_a_real_provider() {
        let s = settings(&[
            ("DATASOURCE_AUDIENCE", "https://n.feide.no/datasources/x"),
            ("DATASOURCE_REQUIRED_SCOPE", "readUser writeUser"),
        ])
        .unwrap();
        assert_eq!(
            s,
            Settings::Provider {
                audience: "https://n.feide.no/datasources/x".into(),
                scopes: vec!["readUser".into(), "writeUser".into()],
            }
        );
    }

    #[test]
    fn half_a_configuration_is_an_error_not_the_demo() {
        assert!(settings(&[("FEIDE_ISSUER", "https://auth.dataporten.no")]).is_err());
        assert!(settings(&[("DATASOURCE_REQUIRED_SCOPE", "readUser")]).is_err());
        assert!(settings(&[("DATASOURCE_AUDIENCE", "https://n.feide.no/datasources/x")]).is_err());
        assert!(settings(&[("DATASOURCE_CLIENT_ID", "ds")]).is_err());
        assert!(settings(&[("FEIDE_GROUPINFO_URL", "https://g.example.org")]).is_err());
    }
}
