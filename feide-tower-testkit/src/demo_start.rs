//! [`ExampleSettings`]: the variables an example runs with, either its environment or, in demo
//! mode, values pointing at a [`FakeFeide`] started for it; one start-up for every example.

use std::fmt;
use std::net::SocketAddr;

use base64::Engine as _;

use super::demo::{ExampleEnv, ExampleEnvError, ExampleMode, demo_banner};
use super::{FakeClient, FakeFeide};

/// What the fake registers for an example's login in demo mode, and the settings the example
/// reads instead of its environment.
///
/// The fake gets a client `client_id` with a fresh random secret, redirect URI
/// `{public_url}/callback` and post-logout redirect URI `{public_url}{post_logout_path}`, and
/// runs interactive (the login page lists the test users). The settings are the reference
/// examples' names: `FEIDE_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`, `OIDC_REDIRECT_URI`,
/// `POST_LOGOUT_REDIRECT_URI`, `APP_SECRET_KEY` (fresh random), `OIDC_SCOPES` (`scopes`), then
/// each of `settings`.
#[derive(Debug, Clone, Copy)]
pub struct DemoLogin<'a> {
    /// The client id, usually the example's name.
    pub client_id: &'a str,
    /// Where the provider sends the browser after logout, a path of the app (e.g. `/`).
    pub post_logout_path: &'a str,
    /// `OIDC_SCOPES`.
    pub scopes: &'a str,
    /// Further fixed settings of the demo: `(name, value)`.
    pub settings: &'a [(&'a str, &'a str)],
}

/// An example's settings: its environment when configured, or the demo's values when nothing is
/// configured (see [`ExampleEnv::mode`]), with the [`FakeFeide`] they point at.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower_testkit::{DemoLogin, ExampleEnv};
///
/// const ENV: ExampleEnv = ExampleEnv {
///     app: "my-app",
///     settings: &["FEIDE_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"],
///     required: &["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"],
///     together: &[],
/// };
/// const DEMO: DemoLogin = DemoLogin {
///     client_id: "my-app",
///     post_logout_path: "/",
///     scopes: "openid profile",
///     settings: &[("MY_API_SCOPE", "readUser")],
/// };
/// let addr = "127.0.0.1:8000".parse()?;
///
/// // Nothing set, on loopback: the demo, against a fake started for it.
/// let settings = ENV.settings_or_demo(|_: &str| None, addr, DEMO).await?;
/// let fake = settings.fake().expect("demo mode");
/// assert_eq!(settings.get("FEIDE_ISSUER"), Some(fake.issuer()));
/// assert_eq!(settings.get("OIDC_REDIRECT_URI").as_deref(), Some("http://localhost:8000/callback"));
/// assert_eq!(settings.get("MY_API_SCOPE").as_deref(), Some("readUser"));
/// assert!(settings.banner().is_some_and(|b| b.contains("DEMO MODE")));
///
/// // Configured: the environment as it is, and no fake.
/// let env = |name: &str| (name.starts_with("OIDC_")).then(|| "set".to_owned());
/// let settings = ENV.settings_or_demo(env, addr, DEMO).await?;
/// assert!(settings.fake().is_none() && settings.banner().is_none());
/// assert_eq!(settings.get("OIDC_CLIENT_ID").as_deref(), Some("set"));
/// # Ok(())
/// # }
/// ```
pub struct ExampleSettings<F> {
    env: F,
    app: String,
    public_url: String,
    demo: Option<Demo>,
}

/// Demo mode: the fake and the values that replace the environment.
struct Demo {
    fake: FakeFeide,
    values: Vec<(String, String)>,
}

/// An example could not start: its configuration is partial (or the demo would listen beyond
/// loopback), or the fake Feide could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExampleStartError {
    /// See [`ExampleEnvError`].
    #[error(transparent)]
    Env(#[from] ExampleEnvError),
    /// The fake Feide of the demo did not start.
    #[error("cannot start the built-in fake Feide: {0}")]
    Fake(#[from] std::io::Error),
}

impl<F> fmt::Debug for ExampleSettings<F> {
    /// Names only: the demo's values include a client secret and a session key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let demo = self.demo.as_ref().map(|demo| {
            (
                &demo.fake,
                demo.values.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
        });
        f.debug_struct("ExampleSettings")
            .field("app", &self.app)
            .field("public_url", &self.public_url)
            .field("demo", &demo)
            .finish_non_exhaustive()
    }
}

impl ExampleEnv<'_> {
    /// The settings of an example with a login that listens on `addr`: `env` as it is when
    /// configured; with nothing configured (on loopback only, see [`mode`](Self::mode)) a
    /// [`FakeFeide`] started for it and the values of `demo` pointing at it. A partial
    /// configuration is an error, never the demo.
    pub async fn settings_or_demo<F>(
        &self,
        env: F,
        addr: SocketAddr,
        demo: DemoLogin<'_>,
    ) -> Result<ExampleSettings<F>, ExampleStartError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let mode = self.mode(&env, addr)?;
        let public_url = public_url(addr);
        let demo = match mode {
            ExampleMode::Configured => None,
            ExampleMode::Demo => Some(Demo::start(&public_url, demo).await?),
        };
        Ok(ExampleSettings {
            env,
            app: self.app.to_owned(),
            public_url,
            demo,
        })
    }
}

impl Demo {
    async fn start(public_url: &str, login: DemoLogin<'_>) -> std::io::Result<Demo> {
        let secret = random_secret();
        let redirect_uri = format!("{public_url}/callback");
        let post_logout = format!("{public_url}{}", login.post_logout_path);
        let fake = FakeFeide::builder()
            .interactive(true)
            .client(
                FakeClient::new(login.client_id, secret.clone())
                    .redirect_uri(redirect_uri.clone())
                    .post_logout_redirect_uri(post_logout.clone()),
            )
            .start()
            .await?;
        let mut values = vec![
            ("FEIDE_ISSUER".to_owned(), fake.issuer()),
            ("OIDC_CLIENT_ID".to_owned(), login.client_id.to_owned()),
            ("OIDC_CLIENT_SECRET".to_owned(), secret),
            ("OIDC_REDIRECT_URI".to_owned(), redirect_uri),
            ("POST_LOGOUT_REDIRECT_URI".to_owned(), post_logout),
            ("APP_SECRET_KEY".to_owned(), random_secret()),
            ("OIDC_SCOPES".to_owned(), login.scopes.to_owned()),
        ];
        values.extend(
            login
                .settings
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        Ok(Demo { fake, values })
    }
}

impl<F: Fn(&str) -> Option<String>> ExampleSettings<F> {
    /// The value of `name`: the demo's when it sets one, else the environment's.
    pub fn get(&self, name: &str) -> Option<String> {
        let demo = self.demo.as_ref().and_then(|demo| {
            demo.values
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        demo.or_else(|| (self.env)(name))
    }

    /// [`get`](Self::get) as a lookup function, for the library's `from_env_with` and
    /// `env_with`.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + Copy + '_ {
        move |name| self.get(name)
    }
}

impl<F> ExampleSettings<F> {
    /// The fake Feide of demo mode (`None` when configured).
    pub fn fake(&self) -> Option<&FakeFeide> {
        self.demo.as_ref().map(|demo| &demo.fake)
    }

    /// In demo mode, sets `name` to `value` (replacing the demo's value), for values that exist
    /// only once the fake runs; when configured, does nothing: the environment is never changed.
    pub fn set_demo_value(&mut self, name: &str, value: impl Into<String>) {
        if let Some(demo) = &mut self.demo {
            let value = value.into();
            match demo.values.iter_mut().find(|(k, _)| k == name) {
                Some((_, old)) => *old = value,
                None => demo.values.push((name.to_owned(), value)),
            }
        }
    }

    /// Where a browser reaches the app: `http://localhost:PORT` on a loopback address, else
    /// `http://IP:PORT`.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// In demo mode, the [`demo_banner`] to print (to stderr) before serving.
    pub fn banner(&self) -> Option<String> {
        self.fake()
            .map(|fake| demo_banner(&self.app, &fake.issuer()))
    }

    /// In demo mode, the line saying so: `Nothing configured: using the built-in fake Feide at
    /// <issuer>`, without a full stop (examples add what else they started).
    pub fn demo_note(&self) -> Option<String> {
        self.fake().map(|fake| {
            format!(
                "Nothing configured: using the built-in fake Feide at {}",
                fake.issuer()
            )
        })
    }

    /// The fake, to keep alive while serving (`None` when configured).
    pub fn into_fake(self) -> Option<FakeFeide> {
        self.demo.map(|demo| demo.fake)
    }
}

/// `http://localhost:PORT` for a loopback `addr` (what a browser on this machine opens, and
/// what the demo client's redirect URIs name), else `http://IP:PORT`.
fn public_url(addr: SocketAddr) -> String {
    let host = if addr.ip().is_loopback() {
        "localhost".to_owned()
    } else {
        addr.ip().to_string()
    };
    format!("http://{host}:{}", addr.port())
}

/// 32 random bytes, base64url: a client secret or session key for the demo.
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    // Start-up only; without randomness there is nothing safe to run.
    aws_lc_rs::rand::fill(&mut bytes).expect("system random number generator");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: ExampleEnv = ExampleEnv {
        app: "app",
        settings: &["A", "B"],
        required: &["A", "B"],
        together: &[],
    };

    const DEMO: DemoLogin = DemoLogin {
        client_id: "app",
        post_logout_path: "/bye",
        scopes: "openid",
        settings: &[("B", "demo-b")],
    };

    #[tokio::test]
    async fn a_partial_configuration_is_refused_and_starts_no_fake() {
        let only_a = |name: &str| (name == "A").then(|| "a".to_owned());
        let error = ENV
            .settings_or_demo(only_a, "127.0.0.1:1".parse().unwrap(), DEMO)
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ExampleStartError::Env(ExampleEnvError::Incomplete { .. })
        ));
        assert!(error.to_string().contains("B is missing"), "{error}");
    }

    #[tokio::test]
    async fn demo_values_point_at_the_fake_and_configured_values_are_untouched() {
        let mut demo = ENV
            .settings_or_demo(|_: &str| None, "127.0.0.1:8000".parse().unwrap(), DEMO)
            .await
            .unwrap();
        assert_eq!(demo.public_url(), "http://localhost:8000");
        assert_eq!(
            demo.get("POST_LOGOUT_REDIRECT_URI").as_deref(),
            Some("http://localhost:8000/bye")
        );
        assert_eq!(demo.get("B").as_deref(), Some("demo-b"));
        assert_ne!(demo.get("APP_SECRET_KEY"), demo.get("OIDC_CLIENT_SECRET"));
        demo.set_demo_value("B", "later");
        assert_eq!(demo.get("B").as_deref(), Some("later"));
        assert!(demo.demo_note().is_some() && demo.into_fake().is_some());

        let env = |name: &str| Some(format!("env-{name}"));
        let mut configured = ENV
            .settings_or_demo(env, "0.0.0.0:8000".parse().unwrap(), DEMO)
            .await
            .unwrap();
        configured.set_demo_value("B", "ignored");
        assert_eq!(configured.get("B").as_deref(), Some("env-B"));
        assert_eq!(
            configured.get("OIDC_SCOPES").as_deref(),
            Some("env-OIDC_SCOPES")
        );
        assert_eq!(configured.public_url(), "http://0.0.0.0:8000");
        assert!(configured.banner().is_none() && configured.fake().is_none());
    }
}
