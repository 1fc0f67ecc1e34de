//! [`LoginPaths`]: where the login flow lives in the app (login, callback, logout,
//! after-logout) and the redirect URI it is registered under.

use super::LoginRoute;
use super::config::LoginConfigError;

/// The paths of the login flow and the redirect URI, checked together: each path starts with
/// `/`, login, callback and logout differ, and the redirect URI is absolute and https (plain
/// http only on a loopback host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoginPaths {
    /// The registered redirect URI, as configured.
    pub(crate) redirect_uri: String,
    /// Scheme + host + port of the redirect URI: the app's own origin.
    pub(crate) origin: String,
    /// Whether cookies can be `Secure` (an https redirect URI).
    pub(crate) secure: bool,
    /// The path that starts a login.
    pub(crate) login: String,
    /// The path of the redirect URI.
    pub(crate) callback: String,
    /// The path that logs out.
    pub(crate) logout: String,
    /// Where logout lands when the provider has no end-session endpoint.
    pub(crate) after_logout: String,
    /// Where the provider posts logout tokens (`None`: not served).
    pub(crate) backchannel: Option<String>,
    /// Where the provider frames its front-channel logout (`None`: not served).
    pub(crate) frontchannel: Option<String>,
}

impl LoginPaths {
    /// Checks the paths and the redirect URI (`None`: not configured).
    pub(crate) fn new(
        redirect_uri: Option<String>,
        login: String,
        logout: String,
        after_logout: String,
    ) -> Result<Self, LoginConfigError> {
        let redirect_uri = redirect_uri.ok_or(LoginConfigError::MissingRedirectUri)?;
        let Ok(url) = url::Url::parse(&redirect_uri) else {
            return Err(LoginConfigError::RedirectUriNotAbsolute { uri: redirect_uri });
        };
        let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        let secure = match url.scheme() {
            "https" => true,
            "http" if local => false,
            _ => return Err(LoginConfigError::RedirectUriNotHttps { uri: redirect_uri }),
        };
        let callback = url.path().to_owned();
        for (setting, path) in [
            ("login path", &login),
            ("logout path", &logout),
            ("after-logout path", &after_logout),
        ] {
            if !path.starts_with('/') {
                return Err(LoginConfigError::NotAPath {
                    setting,
                    path: path.clone(),
                });
            }
        }
        if [&login, &logout].contains(&&callback) || login == logout {
            return Err(LoginConfigError::PathsNotDistinct);
        }
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            redirect_uri,
            secure,
            login,
            callback,
            logout,
            after_logout,
            backchannel: None,
            frontchannel: None,
        })
    }

    /// Adds the provider-initiated logout paths (`None`: that one is not served), checked like
    /// the others: each starts with `/` and differs from every other path of the flow.
    pub(crate) fn with_provider_logout(
        mut self,
        backchannel: Option<String>,
        frontchannel: Option<String>,
    ) -> Result<Self, LoginConfigError> {
        for (setting, path) in [
            ("back-channel logout path", &backchannel),
            ("front-channel logout path", &frontchannel),
        ] {
            let Some(path) = path else { continue };
            if !path.starts_with('/') {
                return Err(LoginConfigError::NotAPath {
                    setting,
                    path: path.clone(),
                });
            }
            if [&self.login, &self.callback, &self.logout].contains(&path) {
                return Err(LoginConfigError::PathsNotDistinct);
            }
        }
        if backchannel.is_some() && backchannel == frontchannel {
            return Err(LoginConfigError::PathsNotDistinct);
        }
        self.backchannel = backchannel;
        self.frontchannel = frontchannel;
        Ok(self)
    }

    /// Which part of the flow `path` is.
    pub(crate) fn route(&self, path: &str) -> LoginRoute {
        if path == self.login {
            LoginRoute::Login
        } else if path == self.callback {
            LoginRoute::Callback
        } else if path == self.logout {
            LoginRoute::Logout
        } else if self.backchannel.as_deref() == Some(path) {
            LoginRoute::BackchannelLogout
        } else if self.frontchannel.as_deref() == Some(path) {
            LoginRoute::FrontchannelLogout
        } else {
            LoginRoute::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(
        redirect_uri: &str,
        login: &str,
        logout: &str,
    ) -> Result<LoginPaths, LoginConfigError> {
        LoginPaths::new(
            Some(redirect_uri.to_owned()),
            login.to_owned(),
            logout.to_owned(),
            "/".to_owned(),
        )
    }

    #[test]
    fn the_redirect_uri_gives_the_callback_path_origin_and_security() {
        let p = paths(
            "https://app.example.no:8443/auth/cb?x=1",
            "/login",
            "/logout",
        )
        .unwrap();
        assert_eq!(p.callback, "/auth/cb");
        assert_eq!(p.origin, "https://app.example.no:8443");
        assert!(p.secure);
        assert_eq!(p.route("/auth/cb"), LoginRoute::Callback);
        assert_eq!(p.route("/login"), LoginRoute::Login);
        assert_eq!(p.route("/logout"), LoginRoute::Logout);
        assert_eq!(p.route("/other"), LoginRoute::Other);
        assert_eq!(p.route("/backchannel-logout"), LoginRoute::Other);
        let p = p
            .with_provider_logout(Some("/bc".into()), Some("/fc".into()))
            .unwrap();
        assert_eq!(p.route("/bc"), LoginRoute::BackchannelLogout);
        assert_eq!(p.route("/fc"), LoginRoute::FrontchannelLogout);
        assert_eq!(p.route("/logout"), LoginRoute::Logout);
        let local = paths("http://localhost:3000/callback", "/login", "/logout").unwrap();
        assert!(!local.secure);
    }

    #[test]
    fn each_reason_has_its_own_error_naming_the_setting() {
        let missing = LoginPaths::new(None, "/login".into(), "/logout".into(), "/".into());
        assert!(matches!(missing, Err(LoginConfigError::MissingRedirectUri)));
        let e = paths("/callback", "/login", "/logout").unwrap_err();
        assert!(matches!(e, LoginConfigError::RedirectUriNotAbsolute { .. }));
        assert!(e.to_string().contains("OIDC_REDIRECT_URI"), "{e}");
        let e = paths("http://app.example.no/callback", "/login", "/logout").unwrap_err();
        assert!(matches!(e, LoginConfigError::RedirectUriNotHttps { .. }));
        assert!(e.to_string().contains("OIDC_REDIRECT_URI"), "{e}");
        let e = paths("https://a.example/cb", "login", "/logout").unwrap_err();
        assert!(matches!(
            e,
            LoginConfigError::NotAPath {
                setting: "login path",
                ..
            }
        ));
        let e = paths("https://a.example/cb", "/cb", "/logout").unwrap_err();
        assert!(matches!(e, LoginConfigError::PathsNotDistinct));
        let e = paths("https://a.example/cb", "/x", "/x").unwrap_err();
        assert!(matches!(e, LoginConfigError::PathsNotDistinct));
        let p = || paths("https://a.example/cb", "/login", "/logout").unwrap();
        for (back, front) in [
            (Some("/logout"), None),
            (None, Some("/cb")),
            (Some("/x"), Some("/x")),
        ] {
            let e = p()
                .with_provider_logout(back.map(Into::into), front.map(Into::into))
                .unwrap_err();
            assert!(
                matches!(e, LoginConfigError::PathsNotDistinct),
                "{back:?} {front:?}"
            );
        }
        let e = p()
            .with_provider_logout(Some("bc".into()), None)
            .unwrap_err();
        assert!(matches!(
            e,
            LoginConfigError::NotAPath {
                setting: "back-channel logout path",
                ..
            }
        ));
    }
}
