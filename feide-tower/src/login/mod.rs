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

mod callback;
mod config;
mod failure;
mod flow;
mod layer;
mod logout;
mod pages;
mod query;
mod refresh;
mod require_login;
mod response;
mod return_to;
mod session_lookup;
mod start;
mod values;

use std::sync::Arc;

pub use config::{DEFAULT_LOGIN_NAME, FEIDE_MFA_ACR, FeideLoginBuilder, LoginConfigError};
pub use failure::LoginFailure;
pub use layer::{FeideLoginLayer, FeideLoginService, ResponseFuture};
pub use require_login::{RequireLogin, RequireLoginFuture, RequireLoginLayer};
pub use response::LoginResponse;
pub use return_to::ReturnTo;
pub use session_lookup::SessionLookup;
pub use values::{CsrfState, Nonce, PkceVerifier};

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
    pub fn from_env(provider: &Provider) -> Result<Self, LoginConfigError> {
        Self::builder(provider)
            .env_with(|name| std::env::var(name).ok())
            .build()
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
        let cfg = &*self.config;
        if path == cfg.login_path {
            LoginRoute::Login
        } else if path == cfg.callback_path {
            LoginRoute::Callback
        } else if path == cfg.logout_path {
            LoginRoute::Logout
        } else {
            LoginRoute::Other
        }
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &str {
        &self.config.session_cookie
    }

    /// This login's name ([`FeideLoginBuilder::name`]; [`DEFAULT_LOGIN_NAME`] unless set), as
    /// its sessions record it ([`FeideSession::provider`](crate::session::FeideSession::provider)).
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The path that starts a login.
    pub fn login_path(&self) -> &str {
        &self.config.login_path
    }

    /// The callback path: the path of the redirect URI (it is not set separately, so that the
    /// path the layer answers is always the one the provider redirects to).
    pub fn callback_path(&self) -> &str {
        &self.config.callback_path
    }

    /// The logout path.
    pub fn logout_path(&self) -> &str {
        &self.config.logout_path
    }

    /// The provider this login uses.
    pub fn provider(&self) -> &Provider {
        &self.config.provider
    }
}
