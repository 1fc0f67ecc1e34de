//! The browser's sign-in at the provider, for `prompt` and `max_age` (OpenID Connect Core
//! §3.1.2.1); a record of every authorization request; and changes to login ID tokens.
//!
//! **Off by default**: without [`FakeFeide::set_sign_in_memory`] the fake authenticates every
//! login afresh (auto-approve or the interactive page) and `prompt=none` behaves as before.
//! With it on, FakeFeide remembers the last sign-in (one browser, as at a provider with a
//! session cookie):
//!
//! - a login while signed in at the provider is approved silently with the remembered user and
//!   `auth_time` (single sign-on: no login page, even in interactive mode);
//! - `prompt=none` with no usable sign-in answers `error=login_required`;
//! - `prompt=login` always authenticates afresh (fresh `auth_time`);
//! - `max_age=N` authenticates afresh when the sign-in is older than `N` seconds (or, with
//!   `prompt=none`, answers `login_required`);
//! - `acr_values` asking for another level than the sign-in had authenticates afresh (step-up);
//! - each fresh authentication becomes the remembered sign-in.

use std::time::Duration;

use serde_json::{Map, Value};

use super::FakeFeide;
use super::params::Params;

/// One authorization request the fake received: its parameters in order, as sent (from the
/// query string or the form body).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// The decoded parameters, in order.
    pub params: Vec<(String, String)>,
}

impl AuthorizationRequest {
    /// The first value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The remembered sign-in.
#[derive(Clone, Debug)]
pub(crate) struct SignedIn {
    pub(crate) user_id: String,
    pub(crate) auth_time: u64,
    pub(crate) acr: Option<String>,
}

/// The sign-in part of the mutable state.
#[derive(Default)]
pub(crate) struct SignInState {
    /// Whether sign-ins are remembered (off by default).
    pub(crate) memory: bool,
    pub(crate) current: Option<SignedIn>,
    /// Every authorization request, oldest first.
    pub(crate) requests: Vec<AuthorizationRequest>,
    /// Changes to the ID tokens of logins (`null` removes a claim).
    pub(crate) id_token_claims: Option<Map<String, Value>>,
}

/// What the authorization endpoint does with a request, sign-in memory considered.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Authenticate as without memory (page or auto-approve), at `now`.
    Fresh,
    /// Approve silently as this user, with the remembered `auth_time`.
    Silent { user_id: String, auth_time: u64 },
    /// Redirect back with `error=login_required`.
    LoginRequired,
}

impl SignInState {
    /// The decision for `p` (a valid request asking for `acr`) at `now`. Only with memory on.
    pub(crate) fn decide(&self, p: &Params, acr: Option<&str>, now: u64) -> Decision {
        let prompt: Vec<&str> = p.get("prompt").unwrap_or_default().split(' ').collect();
        let silent = prompt.contains(&"none");
        if prompt.contains(&"login") && !silent {
            return Decision::Fresh;
        }
        let max_age = p.get("max_age").and_then(|m| m.parse::<u64>().ok());
        let usable = self.current.as_ref().filter(|s| {
            max_age.is_none_or(|m| now.saturating_sub(s.auth_time) <= m)
                && acr.is_none_or(|a| s.acr.as_deref() == Some(a))
        });
        match (usable, silent) {
            (Some(s), _) => Decision::Silent {
                user_id: s.user_id.clone(),
                auth_time: s.auth_time,
            },
            (None, true) => Decision::LoginRequired,
            (None, false) => Decision::Fresh,
        }
    }

    /// Records a fresh authentication (when memory is on).
    pub(crate) fn authenticated(&mut self, user_id: &str, auth_time: u64, acr: Option<&str>) {
        if self.memory {
            self.current = Some(SignedIn {
                user_id: user_id.to_owned(),
                auth_time,
                acr: acr.map(str::to_owned),
            });
        }
    }

    /// Applies [`FakeFeide::set_id_token_claims`] to a login's ID token claims.
    pub(crate) fn change_id_token(&self, claims: &mut Value) {
        if let (Some(changes), Value::Object(claims)) = (&self.id_token_claims, claims) {
            for (name, value) in changes {
                if value.is_null() {
                    claims.remove(name);
                } else {
                    claims.insert(name.clone(), value.clone());
                }
            }
        }
    }
}

impl FakeFeide {
    /// Turns the sign-in memory on or off (default off: every login authenticates afresh, and
    /// `prompt=none` behaves as before). Off also forgets the remembered sign-in.
    ///
    /// With it on, the fake remembers the last sign-in (one browser, as a provider with a
    /// session cookie does) and honours the request controls of OpenID Connect Core §3.1.2.1:
    ///
    /// - a login while signed in is approved silently as the remembered user, with the
    ///   remembered `auth_time` (single sign-on: no login page, even when interactive);
    /// - `prompt=none` with no usable sign-in answers `error=login_required`;
    /// - `prompt=login` always authenticates afresh (a fresh `auth_time`);
    /// - `max_age=N` authenticates afresh when the sign-in is older than `N` seconds (with
    ///   `prompt=none`: `login_required`);
    /// - `acr_values` whose first value differs from the sign-in's level authenticates afresh
    ///   (a step-up); the ID token's `acr` is that first value, as without memory;
    /// - each fresh authentication becomes the remembered sign-in.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use feide_tower_testkit::FakeFeide;
    ///
    /// let feide = FakeFeide::start().await?;
    /// feide.set_sign_in_memory(true);
    /// // alice signed in at the provider two hours ago: `max_age=3600` re-authenticates her,
    /// // `prompt=none&max_age=3600` answers `login_required`.
    /// feide.set_signed_in(Some("alice"), Duration::from_secs(7200));
    /// assert_eq!(feide.signed_in().map(|(user, _)| user).as_deref(), Some("alice"));
    /// # Ok(()) }
    /// ```
    pub fn set_sign_in_memory(&self, on: bool) {
        let mut inner = self.state().lock();
        inner.sign_in.memory = on;
        if !on {
            inner.sign_in.current = None;
        }
    }

    /// Sets the remembered sign-in: `user` (a short name or Feide id) authenticated `ago`
    /// (without `acr`); `None` signs the browser out at the provider. Turns the memory on.
    ///
    /// # Panics
    ///
    /// If there is no such user.
    pub fn set_signed_in(&self, user: Option<&str>, ago: Duration) {
        let mut inner = self.state().lock();
        inner.sign_in.memory = true;
        inner.sign_in.current = user.map(|key| {
            let user_id = inner
                .find_user(key)
                .map(|u| u.id.clone())
                .unwrap_or_else(|| panic!("no such test user: {key}"));
            SignedIn {
                user_id,
                auth_time: super::mint::now_unix().saturating_sub(ago.as_secs()),
                acr: None,
            }
        });
    }

    /// The remembered sign-in: the user's short name and the `auth_time`.
    pub fn signed_in(&self) -> Option<(String, u64)> {
        let inner = self.state().lock();
        inner
            .sign_in
            .current
            .as_ref()
            .map(|s| (s.user_id.clone(), s.auth_time))
    }

    /// Every authorization request received so far, oldest first (whatever the answer): to
    /// check what a client sent (`prompt`, `max_age`, `ui_locales`, `acr_values`, ...).
    pub fn authorization_requests(&self) -> Vec<AuthorizationRequest> {
        self.state().lock().sign_in.requests.clone()
    }

    /// Changes the ID tokens of logins (the authorization-code grant): each member of
    /// `changes` replaces that claim, a `null` member removes it (`json!({"auth_time": null})`,
    /// `json!({"acr": "urn:example:weaker"})`). `None` goes back to correct ID tokens.
    ///
    /// # Panics
    ///
    /// If `changes` is not a JSON object.
    pub fn set_id_token_claims(&self, changes: Option<Value>) {
        let changes = changes.map(|value| match value {
            Value::Object(map) => map,
            other => panic!("ID token changes must be a JSON object, not {other}"),
        });
        self.state().lock().sign_in.id_token_claims = changes;
    }
}
