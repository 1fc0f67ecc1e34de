//! [`Tenants`]: one deployment serving several institutions, each with its own provider and
//! client, chosen per request by host name.
//!
//! A supplier that serves `uia.example.no` and `uit.example.no` from one process configures one
//! [`FeideLogin`] per institution (its provider or client, its redirect URI on its own host, its
//! own [name](super::FeideLoginBuilder::name)) and puts them together here. The login layer
//! then picks, for every request, the login whose redirect URI is on the request's host (the
//! `Host` header, or the URI's authority for HTTP/2), and does everything with that one: its
//! login and callback paths, its cookie, its store, its provider logout. A host that is not
//! configured gets `421 Misdirected Request` and nothing else: no session is opened and no
//! login starts for it.
//!
//! Sessions never cross: each login seals its cookies with keys of its own name, and browsers
//! keep cookies per host.

use std::sync::Arc;

use http::header::HOST;
use http::{Request, StatusCode};

use super::FeideLogin;
use crate::answer::Answer;

/// The logins a layer serves: one, or one per host.
#[derive(Clone, Debug)]
pub(crate) enum Logins {
    /// Every request uses this login.
    One(FeideLogin),
    /// The login of the request's host.
    ByHost(Tenants),
}

impl Logins {
    /// The login for `request`; `None`: its host is not configured.
    pub(crate) fn for_request<B>(&self, request: &Request<B>) -> Option<&FeideLogin> {
        match self {
            Self::One(login) => Some(login),
            Self::ByHost(tenants) => tenants.for_host(request_host(request)?),
        }
    }
}

/// Several logins, one per host name. Cheap to clone.
///
/// ```no_run
/// # async fn run(uia: feide_tower::Provider, uit: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
/// use feide_tower::login::{FeideLogin, Tenants};
///
/// let key = std::env::var("APP_SECRET_KEY")?;
/// let tenants = Tenants::by_host([
///     FeideLogin::builder(&uia)
///         .name("uia")
///         .redirect_uri("https://uia.example.no/callback")
///         .secret_keys(&key)
///         .build()?,
///     FeideLogin::builder(&uit)
///         .name("uit")
///         .redirect_uri("https://uit.example.no/callback")
///         .secret_keys(&key)
///         .build()?,
/// ])?;
/// let app: Router = Router::new()
///     .route("/me", get(|| async { "secret" }).route_layer(tenants.require_login()))
///     .layer(tenants.layer());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Tenants {
    inner: Arc<Table>,
}

#[derive(Debug)]
struct Table {
    /// Lowercase host name (no port) → its login, in the order given.
    logins: Vec<(String, FeideLogin)>,
}

/// Why [`Tenants::by_host`] refused its logins.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantConfigError {
    /// No login was given.
    #[error("tenants need at least one login")]
    Empty,
    /// Two logins' redirect URIs are on the same host.
    #[error("two tenants' redirect URIs are on the host {host:?}")]
    DuplicateHost {
        /// The host.
        host: String,
    },
    /// Two logins have the same name: their cookies would have the same name too.
    #[error(
        "two tenants have the login name {name:?}: give each its own (FeideLoginBuilder::name)"
    )]
    DuplicateName {
        /// The name.
        name: String,
    },
    /// The logins do not share their login, logout and callback paths.
    #[error("tenants must share the login, logout and callback paths (the login {name:?} differs)")]
    PathsDiffer {
        /// The login that differs from the first.
        name: String,
    },
}

impl Tenants {
    /// One tenant per login, chosen by the host of its redirect URI. Each login needs its own
    /// [name](super::FeideLoginBuilder::name); all share the login, logout and callback paths
    /// (only the host differs).
    ///
    /// # Errors
    /// A [`TenantConfigError`] naming what is wrong.
    pub fn by_host(
        logins: impl IntoIterator<Item = FeideLogin>,
    ) -> Result<Self, TenantConfigError> {
        let mut table: Vec<(String, FeideLogin)> = Vec::new();
        for login in logins {
            let host = redirect_host(&login);
            if table.iter().any(|(h, _)| *h == host) {
                return Err(TenantConfigError::DuplicateHost { host });
            }
            if table.iter().any(|(_, l)| l.name() == login.name()) {
                return Err(TenantConfigError::DuplicateName {
                    name: login.name().to_owned(),
                });
            }
            if let Some((_, first)) = table.first()
                && (first.login_path() != login.login_path()
                    || first.logout_path() != login.logout_path()
                    || first.callback_path() != login.callback_path())
            {
                return Err(TenantConfigError::PathsDiffer {
                    name: login.name().to_owned(),
                });
            }
            table.push((host, login));
        }
        if table.is_empty() {
            return Err(TenantConfigError::Empty);
        }
        Ok(Self {
            inner: Arc::new(Table { logins: table }),
        })
    }

    /// The login of `host` (a host name, with or without `:port`; any case), if configured.
    pub fn for_host(&self, host: &str) -> Option<&FeideLogin> {
        let host = strip_port(host);
        self.inner
            .logins
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, login)| login)
    }

    /// The hosts served, in the order given.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.inner.logins.iter().map(|(h, _)| h.as_str())
    }

    /// The login layer for all tenants: each request is handled by its host's login.
    pub fn layer(&self) -> super::FeideLoginLayer {
        super::FeideLoginLayer::from_logins(Logins::ByHost(self.clone()))
    }

    /// A layer for routes that need a signed-in user of the request's tenant.
    pub fn require_login(&self) -> super::RequireLoginLayer {
        super::RequireLoginLayer::from_logins(Logins::ByHost(self.clone()))
    }
}

/// `421 Misdirected Request`: this deployment does not serve the request's host.
pub(crate) fn unknown_host() -> Answer {
    Answer::page(
        StatusCode::MISDIRECTED_REQUEST,
        "<!doctype html><title>Unknown host</title><p>This service is not configured for this host name.</p>"
            .to_owned(),
    )
}

/// The lowercase host name of `login`'s redirect URI.
fn redirect_host(login: &FeideLogin) -> String {
    url::Url::parse(&login.config.paths.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// The host a request is for: the URI's authority (HTTP/2, absolute form), else `Host`.
fn request_host<B>(request: &Request<B>) -> Option<&str> {
    match request.uri().host() {
        Some(host) => Some(host),
        None => request.headers().get(HOST)?.to_str().ok(),
    }
}

/// `host` without a `:port` (`[::1]:8080` → `[::1]`).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_not_part_of_the_host() {
        assert_eq!(strip_port("uia.example.no:8443"), "uia.example.no");
        assert_eq!(strip_port("uia.example.no"), "uia.example.no");
        assert_eq!(strip_port("[::1]:3000"), "[::1]");
        assert_eq!(strip_port("[::1]"), "[::1]");
    }
}
