//! Feide login for any tower service: authorization code + PKCE (S256) + `state` + `nonce`,
//! ID-token validation, userinfo, encrypted cookie sessions and RP-initiated logout.
//!
//! [`FeideLogin`] holds the configuration and exposes the flow as plain functions
//! ([`start_login`](FeideLogin::start_login), [`complete_login`](FeideLogin::complete_login),
//! [`logout`](FeideLogin::logout), [`session`](FeideLogin::session),
//! [`session_refreshed`](FeideLogin::session_refreshed)) returning plain data, so any
//! framework can drive it. [`FeideLoginLayer`] is the thin tower wrapper; [`RequireLoginLayer`]
//! guards routes that need a user.
//!
//! Security behaviour (DESIGN §3): state, nonce and PKCE verifier live in a per-flow encrypted
//! cookie named after the state, `__Host-` prefixed so that only the browser that started the
//! login can complete it (no prefix on plain `http://localhost`), alive 10 minutes and deleted on
//! first use whatever the outcome; `return_to` must be a same-origin path; the post-logout URL
//! comes from configuration only; provider errors are shown as escaped, generic pages.
//!
//! # Example
//!
//! The layer in front of a tower service, against an in-process fake Feide
//! ([`feide-tower-testkit`](https://docs.rs/feide-tower-testkit), also `feide_tower::testkit`
//! with the `testkit` feature): `GET /login` sends the browser to the provider, and a request
//! without a session passes through without one; [`require_login`](FeideLogin::require_login)
//! turns such a request away.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::convert::Infallible;
//!
//! use feide_tower::Provider;
//! use feide_tower::login::FeideLogin;
//! use feide_tower::session::FeideSession;
//! use feide_tower_testkit::{FakeClient, FakeFeide};
//! use http::{Request, Response, StatusCode, header};
//! use tower::{ServiceBuilder, ServiceExt as _, service_fn};
//!
//! // The provider: FakeFeide here; in production `Provider::from_env()` (FEIDE_ISSUER, ...).
//! let feide = FakeFeide::start().await?;
//! let redirect_uri = "http://127.0.0.1:8000/callback";
//! feide.register_client(FakeClient::new("my-app", "my-secret").redirect_uri(redirect_uri));
//! let provider = Provider::builder(feide.issuer())
//!     .client("my-app", "my-secret")
//!     .build()
//!     .await?;
//!
//! let login = FeideLogin::builder(&provider)
//!     .redirect_uri(redirect_uri)
//!     .secret_keys("v7+rpONHTSlzZ6Q/mdSuQSbMSi5egNukDpGGHrxXYaQ=") // `openssl rand -base64 32`
//!     .scopes("openid profile")
//!     .build()?;
//!
//! // Your service: says who is signed in, from the session the layer put in the extensions.
//! let hello = service_fn(|request: Request<String>| async move {
//!     let who = match request.extensions().get::<FeideSession>() {
//!         Some(session) => format!("hello, {}", session.sub()),
//!         None => "not signed in".to_owned(),
//!     };
//!     Ok::<_, Infallible>(Response::new(who))
//! });
//! let app = ServiceBuilder::new().layer(login.layer()).service(hello);
//!
//! // `/login` redirects to the provider's authorization endpoint (with state, nonce and PKCE).
//! let request = Request::get("/login").body(String::new())?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::FOUND);
//! let location = response.headers()[header::LOCATION].to_str()?;
//! assert!(location.starts_with(&feide.url("/oauth/authorization?")));
//! assert!(location.contains("code_challenge_method=S256"));
//!
//! // Anything else without a session reaches the service, with no session.
//! let response = app.clone().oneshot(Request::get("/").body(String::new())?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! // Behind `require_login`, it does not: a browser is sent to `/login`, an API caller gets 401.
//! let protected = ServiceBuilder::new()
//!     .layer(login.layer())
//!     .layer(login.require_login())
//!     .service(service_fn(|_: Request<String>| async {
//!         Ok::<_, Infallible>(Response::new("secret".to_owned()))
//!     }));
//! let browser = Request::get("/me").header(header::ACCEPT, "text/html").body(String::new())?;
//! let response = protected.clone().oneshot(browser).await?;
//! assert_eq!(response.status(), StatusCode::FOUND);
//! assert!(response.headers()[header::LOCATION].to_str()?.starts_with("/login"));
//! let api = Request::get("/me").body(String::new())?;
//! assert_eq!(protected.oneshot(api).await?.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

mod backchannel;
mod callback;
mod config;
mod controls;
mod decision_span;
mod failure;
mod flow;
mod flow_cookies;
mod frontchannel;
mod id_token_rules;
mod layer;
mod logout;
mod logout_token;
mod pages;
mod paths;
mod provider_logout;
mod pushed_start;
mod query;
mod refresh;
mod refresh_policy;
mod require_login;
mod return_to;
mod revocations;
mod session_admin;
mod session_cookies;
mod session_lookup;
mod session_span;
mod side_records;
mod silent;
mod start;
mod step_up;
mod stored;
mod stored_refresh;
mod tenants;
mod values;

use std::sync::Arc;

pub use config::{DEFAULT_LOGIN_NAME, FEIDE_MFA_ACR, FeideLoginBuilder, LoginConfigError};
pub use failure::LoginFailure;
pub use layer::{FeideLoginLayer, FeideLoginService, ResponseFuture};
pub use require_login::{RequireLogin, RequireLoginFuture, RequireLoginLayer};
/// What the login flow answers: an [`Answer`](crate::Answer) (status, headers, body as plain data).
pub type LoginResponse = crate::Answer;
pub use return_to::ReturnTo;
pub use session_admin::{SessionAdminError, StoredSessionInfo};
pub use session_lookup::SessionLookup;
pub(crate) use side_records::{SideRecord, SideRecords, is_browser};
pub use silent::{SilentLoginError, SilentLoginFailed};
pub use step_up::{RequireAuthLevel, RequireAuthLevelFuture, RequireAuthLevelLayer};
pub use tenants::{TenantConfigError, Tenants};

use crate::Provider;

/// Feide login, configured: the plain functions of the flow and the layers built on them.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct FeideLogin {
    config: Arc<config::LoginConfig>,
}

/// Which part of the flow a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRoute {
    /// The login path: start a login.
    Login,
    /// The callback path: complete a login.
    Callback,
    /// The logout path.
    Logout,
    /// The back-channel logout path: the provider posts a logout token.
    BackchannelLogout,
    /// The front-channel logout path: the provider frames it when the user signs out there.
    FrontchannelLogout,
    /// Anything else: pass through with the session.
    Other,
}

impl FeideLogin {
    /// Starts configuring login against `provider` (which needs client credentials).
    pub fn builder(provider: &Provider) -> FeideLoginBuilder {
        FeideLoginBuilder::new(provider)
    }

    /// Configures login from the environment names of Feide's reference examples:
    /// `OIDC_REDIRECT_URI`, `APP_SECRET_KEY`, `POST_LOGOUT_REDIRECT_URI`, `OIDC_SCOPES`.
    ///
    /// # Errors
    ///
    /// A [`LoginConfigError`] naming the variable that is missing or unusable.
    pub fn from_env(provider: &Provider) -> Result<Self, LoginConfigError> {
        Self::from_env_with(provider, |name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env), reading the variables through `lookup` (tests, secrets
    /// managers, a prefix of your own). For more settings, use
    /// [`builder`](Self::builder)`.`[`env_with`](FeideLoginBuilder::env_with).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use feide_tower::Provider;
    /// use feide_tower::login::FeideLogin;
    ///
    /// // Usually `Provider::from_env_with(env)`; configured by hand here, nothing is fetched.
    /// let provider = Provider::builder("http://127.0.0.1:9")
    ///     .discovery(false)
    ///     .jwks_uri("http://127.0.0.1:9/jwks")
    ///     .authorization_endpoint("http://127.0.0.1:9/authorize")
    ///     .token_endpoint("http://127.0.0.1:9/token")
    ///     .client("client", "secret")
    ///     .build()
    ///     .await?;
    /// let env = |name: &str| match name {
    ///     "OIDC_REDIRECT_URI" => Some("http://localhost:3000/callback".to_owned()),
    ///     "APP_SECRET_KEY" => Some("TbwzrgYhup/Tm3FgJayZJNQKJUaG+QN0WwLuOvXbcJo=".to_owned()),
    ///     _ => None,
    /// };
    /// let login = FeideLogin::from_env_with(&provider, env)?;
    /// assert_eq!(login.callback_path(), "/callback");
    /// # Ok(()) }
    /// ```
    pub fn from_env_with(
        provider: &Provider,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, LoginConfigError> {
        Self::builder(provider).env_with(lookup).build()
    }

    /// The tower layer.
    pub fn layer(&self) -> FeideLoginLayer {
        FeideLoginLayer::new(self.clone())
    }

    /// A layer for routes that need a signed-in user.
    pub fn require_login(&self) -> RequireLoginLayer {
        RequireLoginLayer::new(self.clone())
    }

    /// Which part of the flow `path` is.
    pub fn route(&self, path: &str) -> LoginRoute {
        self.config.paths.route(path)
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &str {
        &self.config.session.name
    }

    /// This login's name ([`FeideLoginBuilder::name`]; [`DEFAULT_LOGIN_NAME`] unless set), as
    /// its sessions record it ([`FeideSession::provider`](crate::session::FeideSession::provider)).
    pub fn name(&self) -> &str {
        self.config.login_name()
    }

    /// The path that starts a login.
    pub fn login_path(&self) -> &str {
        &self.config.paths.login
    }

    /// The callback path: the path of the redirect URI (it is not set separately, so that the
    /// path the layer answers is always the one the provider redirects to).
    pub fn callback_path(&self) -> &str {
        &self.config.paths.callback
    }

    /// The logout path.
    pub fn logout_path(&self) -> &str {
        &self.config.paths.logout
    }

    /// The back-channel logout path (`None` when
    /// [`provider_logout`](FeideLoginBuilder::provider_logout) is off): register
    /// `<origin><path>` at the provider as the `backchannel_logout_uri`.
    pub fn backchannel_logout_path(&self) -> Option<&str> {
        self.config.paths.backchannel.as_deref()
    }

    /// The front-channel logout path (`None` when
    /// [`provider_logout`](FeideLoginBuilder::provider_logout) is off): register
    /// `<origin><path>` at the provider as the `frontchannel_logout_uri`.
    pub fn frontchannel_logout_path(&self) -> Option<&str> {
        self.config.paths.frontchannel.as_deref()
    }

    /// The provider this login uses.
    pub fn provider(&self) -> &Provider {
        &self.config.provider
    }

    /// The session store, when sessions live on the server
    /// ([`session_store`](FeideLoginBuilder::session_store)); `None` for cookie sessions. For
    /// readiness checks ([`crate::health`]).
    pub fn session_store(&self) -> Option<&Arc<dyn crate::store::SessionStore>> {
        self.config.stored.as_ref().map(|stored| &stored.store)
    }
}
