//! [`ExampleEnv`]: when an example may run its demo against an in-process [`FakeFeide`]
//! (whose signing keys are public, in this repository) and when it must be configured.
//!
//! [`FakeFeide`]: super::FakeFeide

use std::net::SocketAddr;

/// The value of `name`, trimmed; blank counts as unset (as `feide_tower`'s `from_env_with` reads
/// its variables, so "set" means the same here and there).
fn setting(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The environment variables an example reads, and which of them a configured app needs.
///
/// The rule is fail-closed: the demo runs only when *none* of [`settings`](Self::settings) is
/// set (blank counts as unset) *and* the app listens on a loopback address. Any one variable
/// set means "configured", and then every required one must be set too; a partial
/// configuration is an error naming all that are missing, never a silent fallback to the demo.
///
/// ```
/// use std::net::SocketAddr;
/// use feide_tower_testkit::{ExampleEnv, ExampleMode};
///
/// const ENV: ExampleEnv = ExampleEnv {
///     app: "my-api",
///     settings: &["FEIDE_ISSUER", "API_AUDIENCE", "API_SCOPE"],
///     required: &["API_AUDIENCE", "API_SCOPE"],
///     together: &[],
/// };
/// let loopback: SocketAddr = "127.0.0.1:8001".parse().unwrap();
/// assert_eq!(ENV.mode(&|_: &str| None, loopback), Ok(ExampleMode::Demo));
/// let partial = |name: &str| (name == "API_SCOPE").then(|| "read".to_owned());
/// let error = ENV.mode(&partial, loopback).unwrap_err();
/// assert!(error.to_string().contains("API_AUDIENCE"));
/// let everywhere: SocketAddr = "0.0.0.0:8001".parse().unwrap();
/// assert!(ENV.mode(&|_: &str| None, everywhere).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ExampleEnv<'a> {
    /// The example's name, for messages.
    pub app: &'a str,
    /// Every variable that configures the provider or the app; any one set means "configured".
    pub settings: &'a [&'a str],
    /// The variables a configured app cannot start without.
    pub required: &'a [&'a str],
    /// `(a, b)`: when `a` is set, `b` is required too (a client id and its secret).
    pub together: &'a [(&'a str, &'a str)],
}

/// How an example runs, decided by [`ExampleEnv::mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleMode {
    /// Nothing configured, on loopback: the in-process fake Feide.
    Demo,
    /// Every required variable is set: the real provider.
    Configured,
}

/// The environment is neither empty nor complete, or the demo would listen beyond loopback.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExampleEnvError {
    /// Some variables are set, but not all that are needed.
    #[error(
        "{app} is partly configured ({set} set) but {missing} {verb} missing. Set {them} too; or, \
         to run the demo against the built-in fake Feide, unset every one of: {all}",
        set = .set.join(", "),
        missing = .missing.join(", "),
        verb = if .missing.len() == 1 { "is" } else { "are" },
        them = if .missing.len() == 1 { "it" } else { "them" },
        all = .settings.join(", ")
    )]
    Incomplete {
        /// The example.
        app: String,
        /// The variables that are set (names only, never values).
        set: Vec<String>,
        /// Every required variable that is not set.
        missing: Vec<String>,
        /// Every variable that counts as configuration.
        settings: Vec<String>,
    },
    /// Nothing is configured, and the app listens on a non-loopback address: the demo's fake
    /// provider signs with keys anyone can read, so it is never exposed.
    #[error(
        "{app}: nothing is configured, and the demo (a fake Feide whose private keys are public) \
         runs only on a loopback address, not on {addr}. Bind to 127.0.0.1, or configure a \
         provider: {required}",
        required = .required.join(", ")
    )]
    DemoNotOnLoopback {
        /// The example.
        app: String,
        /// Where it would listen.
        addr: SocketAddr,
        /// What a configured app needs.
        required: Vec<String>,
    },
}

impl ExampleEnv<'_> {
    /// Decides the mode from `lookup` (the process environment, or a test's map) and the address
    /// the app listens on.
    pub fn mode(
        &self,
        lookup: &impl Fn(&str) -> Option<String>,
        addr: SocketAddr,
    ) -> Result<ExampleMode, ExampleEnvError> {
        let is_set = |name: &str| setting(lookup, name).is_some();
        let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let set: Vec<String> = owned(self.settings)
            .into_iter()
            .filter(|n| is_set(n))
            .collect();
        if set.is_empty() {
            if !addr.ip().is_loopback() {
                return Err(ExampleEnvError::DemoNotOnLoopback {
                    app: self.app.to_owned(),
                    addr,
                    required: owned(self.required),
                });
            }
            return Ok(ExampleMode::Demo);
        }
        let mut missing: Vec<String> = Vec::new();
        let needed = self.required.iter().copied().chain(
            self.together
                .iter()
                .filter(|(a, _)| is_set(a))
                .map(|(_, b)| *b),
        );
        // With `private_key_jwt` a key replaces the client secret (the library's `from_env`
        // then requires the key variables, naming what is missing).
        let key_instead_of_secret =
            setting(lookup, "OIDC_CLIENT_AUTH_METHOD").is_some_and(|m| m == "private_key_jwt");
        for name in needed {
            if key_instead_of_secret && name == "OIDC_CLIENT_SECRET" {
                continue;
            }
            if !is_set(name) && !missing.iter().any(|m| m == name) {
                missing.push(name.to_owned());
            }
        }
        if missing.is_empty() {
            Ok(ExampleMode::Configured)
        } else {
            Err(ExampleEnvError::Incomplete {
                app: self.app.to_owned(),
                set,
                missing,
                settings: owned(self.settings),
            })
        }
    }
}

/// The banner an example prints (to stderr) when it runs its demo: impossible to miss, and
/// saying why the demo must not be exposed.
pub fn demo_banner(app: &str, issuer: &str) -> String {
    let rule = "!".repeat(78);
    format!(
        "{rule}\n\
         !! {app}: DEMO MODE, nothing configured.\n\
         !! Using the built-in FAKE Feide at {issuer}.\n\
         !! Its signing keys are public (in the feide-tower repository): anyone can mint tokens\n\
         !! and sessions it accepts. For trying the example on this machine only; it listens on\n\
         !! loopback. Set the provider's variables (see the README) to use a real provider.\n\
         {rule}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: ExampleEnv = ExampleEnv {
        app: "app",
        settings: &["A", "B", "C", "ID", "SECRET"],
        required: &["A", "B"],
        together: &[("ID", "SECRET"), ("SECRET", "ID")],
    };

    fn vars<'a>(set: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            set.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn demo_only_when_nothing_is_set_on_loopback() {
        let local = addr("127.0.0.1:1");
        assert_eq!(ENV.mode(&vars(&[]), local), Ok(ExampleMode::Demo));
        assert_eq!(
            ENV.mode(&vars(&[("A", " "), ("OTHER", "x")]), addr("[::1]:1")),
            Ok(ExampleMode::Demo)
        );
        assert!(matches!(
            ENV.mode(&vars(&[]), addr("0.0.0.0:1")),
            Err(ExampleEnvError::DemoNotOnLoopback { .. })
        ));
        assert_eq!(
            ENV.mode(&vars(&[("A", "a"), ("B", "b")]), addr("0.0.0.0:1")),
            Ok(ExampleMode::Configured)
        );
    }

    #[test]
    fn partial_configuration_names_everything_missing() {
        let error = ENV
            .mode(
                &vars(&[("C", "c"), ("SECRET", "hunter2")]),
                addr("127.0.0.1:1"),
            )
            .unwrap_err();
        let ExampleEnvError::Incomplete { set, missing, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(set, &["C", "SECRET"]);
        assert_eq!(missing, &["A", "B", "ID"]);
        let text = error.to_string();
        assert!(text.contains("A, B, ID are missing"), "{text}");
        assert!(!text.contains("hunter2"), "names, never values: {text}");
    }
}
