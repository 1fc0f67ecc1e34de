//! # feide-tower-testkit
//!
//! `FakeFeide`: an in-process fake of Feide, the Norwegian education
//! sector's OpenID Connect provider (issuer `https://auth.dataporten.no`),
//! served over real HTTP on `127.0.0.1` for offline tests and examples.
//!
//! It serves discovery, JWKS, the authorization endpoint (auto-approve or an
//! interactive login page), the token endpoint (authorization code with
//! mandatory PKCE, client credentials and Feide's two token-exchange
//! patterns; refresh tokens only when switched on), userinfo, extended userinfo, groups and end-session, all at
//! paths under one base URL that is also the issuer. Tests control keys,
//! users, clients, failures and lifetimes through the [`FakeFeide`] handle.
//!
//! **For tests and demos only.** Its signing keys are fixed and public (they are in this
//! repository), so anyone can mint tokens it signs: never point a deployed app at it, and
//! never let it listen beyond loopback.
//!
//! This crate does not depend on `feide-tower`; the library re-exports it as
//! `feide_tower::testkit` behind its `testkit` feature, so either path works:
//!
//! ```toml
//! [dev-dependencies]
//! feide-tower-testkit = "0.1"
//! # or: feide-tower = { version = "0.1", features = ["testkit"] }
//! ```
//!
//! ## Quick start
//!
//! Start the fake, point `feide_tower::Provider::builder` (or `FEIDE_ISSUER`) at
//! [`FakeFeide::issuer`], and mint whatever the test needs:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use feide_tower_testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeFeide};
//!
//! let feide = FakeFeide::start().await?; // 127.0.0.1, a free port; users alice, bob, carol
//! let issuer = feide.issuer(); // also the base URL of every endpoint
//! assert!(issuer.starts_with("http://127.0.0.1:"));
//!
//! // A valid Feide data-source access token (a JWT signed with the published key) for alice.
//! let token = feide.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
//! assert_eq!(token.split('.').count(), 3);
//!
//! // A token the validator must refuse: wrong audience, otherwise valid.
//! let foreign = feide.mint().claim("aud", "https://n.feide.no/datasources/other").sign();
//! assert_ne!(token, foreign);
//! # Ok(())
//! # }
//! ```
//!
//! ## Provider-initiated logout
//!
//! Feide sends neither logout notification, so both are **off by default**. Switches:
//!
//! - [`FakeFeideBuilder::backchannel_logout`] / [`FakeFeide::set_backchannel_logout`]:
//!   OpenID Connect Back-Channel Logout 1.0. Discovery then says `backchannel_logout_supported`
//!   and `backchannel_logout_session_supported`; ending a provider session POSTs
//!   `logout_token=<JWT>` (form-encoded; 5 s timeout, see
//!   [`FakeFeide::set_backchannel_timeout`]) to the
//!   [`FakeClient::backchannel_logout_uri`] of each client that got an ID token in it, and
//!   records the answers ([`FakeFeide::backchannel_deliveries`]).
//! - [`FakeFeideBuilder::frontchannel_logout`] / [`FakeFeide::set_frontchannel_logout`]:
//!   Front-Channel Logout 1.0. Discovery then says `frontchannel_logout_supported` and
//!   `frontchannel_logout_session_supported`; the end-session endpoint's "signed out" page
//!   frames `<frontchannel_logout_uri>?iss=<issuer>&sid=<sid>` of each such client
//!   ([`FakeClient::frontchannel_logout_uri`], [`FakeFeide::frontchannel_logout_urls`]).
//!
//! With either on, every login gets a provider session ([`ProviderSession`]) whose id is the
//! ID token's `sid` claim; [`FakeFeide::set_login_session`] makes logins share one. With both
//! off, ID tokens carry no `sid`, exactly as before. A session ends at the end-session endpoint
//! (the `id_token_hint`'s `sid`, the back-channel calls finishing before the answer), or
//! without a browser through [`FakeFeide::end_provider_session`] and
//! [`FakeFeide::end_user_sessions`]. Logout tokens (Back-Channel Logout 1.0 §2.4: header
//! `typ` `logout+jwt`, claims `iss`, `aud`, `iat`, `exp` = `iat` + 120, `jti`, `events`, `sid`,
//! `sub`) are signed with the current signing key. [`FakeFeide::logout_token`] builds valid
//! and hostile ones, and [`FakeFeide::send_backchannel_logout`] delivers any token.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use feide_tower_testkit::{DEFAULT_CLIENT_ID, FakeFeide};
//!
//! let feide = FakeFeide::builder().backchannel_logout(true).start().await?;
//! // ... sign a user in to the app under test, which registered
//! // `FakeClient::backchannel_logout_uri("http://127.0.0.1:PORT/backchannel-logout")` ...
//! for session in feide.provider_sessions() {
//!     for delivery in feide.end_provider_session(&session.sid).await {
//!         assert_eq!(delivery.status(), Some(200));
//!     }
//! }
//! let replayed = feide.logout_token(DEFAULT_CLIENT_ID).jti("same-jti").sign();
//! # let _ = replayed;
//! # Ok(())
//! # }
//! ```
//!
//! [`ExampleEnv`] and [`ExampleSettings`] are what the repository's examples use to run against
//! the fake: only when nothing is configured, and only on loopback.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

mod apis;
mod authorize;
mod backchannel;
mod client;
mod client_assertion;
mod client_auth;
mod demo;
mod demo_start;
mod discovery;
mod end_session;
mod failure;
mod fake_group;
mod group_api;
mod group_controls;
mod html;
mod introspection;
mod jwt;
mod keys;
mod logout;
mod logout_token;
mod mint;
mod oauth_error;
mod par;
mod params;
mod refresh;
mod response;
mod server;
mod sign_in;
mod signing;
mod state;
mod token;
mod token_exchange;
mod token_request;
mod user;
mod user_lookup;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use backchannel::BackchannelResponse;
pub use client::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE,
    DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET, FakeClient, FakeDatasource,
};
pub use demo::{ExampleEnv, ExampleEnvError, ExampleMode, demo_banner};
pub use demo_start::{DemoLogin, ExampleSettings, ExampleStartError};
pub use failure::{Endpoint, Failure};
pub use fake_group::{FakeGroup, FakeMembership, FakeOrg};
pub use logout::{BackchannelDelivery, ProviderSession};
pub use logout_token::{BACKCHANNEL_LOGOUT_EVENT, LogoutTokenBuilder};
pub use mint::{CUSTOMER_PORTAL_ID, TokenMinter};
pub use sign_in::AuthorizationRequest;
pub use signing::SigningAlgorithm;
pub use token_request::TokenRequest;
pub use user::FakeUser;

use state::{Inner, State};

/// Scope given to tokens from [`FakeFeide::issue_opaque_token`] with a user.
const OPAQUE_USER_SCOPE: &str = "openid profile email userid-feide";

/// A running fake Feide. Cheap to clone; the server stops when the last
/// handle is dropped or [`shutdown`](Self::shutdown) is called.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use feide_tower_testkit::FakeFeide;
///
/// let feide = FakeFeide::start().await?;
/// assert!(feide.issuer().starts_with("http://127.0.0.1:"));
/// assert_eq!(
///     feide.url("/.well-known/openid-configuration"),
///     format!("{}/.well-known/openid-configuration", feide.issuer()),
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct FakeFeide {
    handle: Arc<Handle>,
}

/// The shared part of all handles; dropping it stops the server.
struct Handle {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

impl fmt::Debug for FakeFeide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeFeide")
            .field("issuer", &self.handle.state.issuer)
            .finish_non_exhaustive()
    }
}

impl FakeFeide {
    /// Starts a fake with the defaults: auto-approve, users `alice`, `bob`
    /// and `carol`, clients `fake-client` and `fake-datasource`.
    pub async fn start() -> std::io::Result<FakeFeide> {
        FakeFeide::builder().start().await
    }

    /// A builder for a fake with other settings.
    pub fn builder() -> FakeFeideBuilder {
        FakeFeideBuilder::default()
    }

    fn state(&self) -> &State {
        &self.handle.state
    }

    /// The issuer and base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn issuer(&self) -> String {
        self.state().issuer.clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// `issuer + path`, e.g. `url("/oauth/token")`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.state().issuer)
    }

    /// The extended userinfo URL (real Feide:
    /// `https://api.dataporten.no/userinfo/v1/userinfo`).
    pub fn extended_userinfo_url(&self) -> String {
        self.url("/userinfo/v1/userinfo")
    }

    /// The groups URL (real Feide:
    /// `https://groups-api.dataporten.no/groups/me/groups`).
    pub fn groups_url(&self) -> String {
        self.url("/groups/me/groups")
    }

    /// Registers a client, replacing one with the same client id.
    pub fn register_client(&self, client: FakeClient) {
        self.state().lock().upsert_client(client);
    }

    /// Adds a user, replacing one with the same short name.
    pub fn add_user(&self, user: FakeUser) {
        self.state().lock().upsert_user(user);
    }

    /// The users, in login-page order.
    pub fn users(&self) -> Vec<FakeUser> {
        self.state().lock().users.clone()
    }

    /// Makes auto-approve log in as user `id` (short name or Feide id) until
    /// changed; `None` goes back to the first user. A `login_hint` naming a
    /// user still takes precedence.
    ///
    /// # Panics
    ///
    /// If there is no such user.
    pub fn set_next_user(&self, id: Option<&str>) {
        let mut inner = self.state().lock();
        if let Some(id) = id {
            assert!(
                inner.find_user(id).is_some(),
                "FakeFeide has no user {id:?}"
            );
        }
        inner.next_user = id.map(str::to_string);
    }

    /// Switches between the interactive login page (`true`) and auto-approve.
    pub fn set_interactive(&self, on: bool) {
        self.state().lock().interactive = on;
    }

    /// Rotates to the next RSA key (`fake-rsa-1` → `-2` → `-3` → `-1`): it
    /// signs from now on and is the only RSA key in the JWKS (a published EC
    /// key stays). Returns the new kid.
    pub fn rotate_keys(&self) -> String {
        let mut inner = self.state().lock();
        let next = keys::next_rsa_kid(inner.signing_kid);
        inner.signing_kid = next;
        inner
            .published
            .retain(|kid| keys::by_kid(kid).is_some_and(|k| !k.is_rsa()));
        inner.published.insert(0, next);
        next.to_string()
    }

    /// Sets exactly which keys the JWKS lists, in this order (signing is not
    /// affected). Kids: `fake-rsa-1`, `fake-rsa-2`, `fake-rsa-3`,
    /// `fake-ec-1` (ES256), `fake-ed-1` (EdDSA, Ed25519).
    ///
    /// # Panics
    ///
    /// If a kid is not one of the fake's keys.
    pub fn publish_keys(&self, kids: &[&str]) {
        let published = kids
            .iter()
            .map(|kid| match keys::by_kid(kid) {
                Some(k) => k.kid,
                None => panic!("FakeFeide has no key {kid:?}"),
            })
            .collect();
        self.state().lock().published = published;
    }

    /// The kid of the key that signs ID tokens and access tokens now.
    pub fn signing_kid(&self) -> String {
        self.state().lock().signing_kid.to_string()
    }

    /// Makes discovery report `issuer` instead of the real one (`None`
    /// restores it), to test issuer-mismatch detection.
    pub fn set_discovery_issuer(&self, issuer: Option<String>) {
        self.state().lock().discovery_issuer = issuer;
    }

    /// Sets (or removes) `Cache-Control: max-age=N` on the JWKS.
    pub fn set_jwks_max_age(&self, secs: Option<u64>) {
        self.state().lock().jwks_max_age = secs;
    }

    /// Makes `endpoint` fail as `failure` until
    /// [`clear_failure`](Self::clear_failure).
    pub fn fail(&self, endpoint: Endpoint, failure: Failure) {
        self.state().lock().failures.insert(endpoint, failure);
    }

    /// Makes `endpoint` behave normally again (requests already hanging keep
    /// hanging).
    pub fn clear_failure(&self, endpoint: Endpoint) {
        self.state().lock().failures.remove(&endpoint);
    }

    /// How many requests `endpoint` received (failed ones included) since
    /// start or [`reset_counts`](Self::reset_counts).
    pub fn requests(&self, endpoint: Endpoint) -> usize {
        self.state()
            .lock()
            .counts
            .get(&endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Zeroes the request counters and forgets the recorded token requests.
    pub fn reset_counts(&self) {
        let mut inner = self.state().lock();
        inner.counts.clear();
        inner.token_requests.clear();
    }

    /// Every `POST /oauth/token` received (also those answered by an
    /// injected failure), oldest first, with client secrets redacted.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.state().lock().token_requests.clone()
    }

    /// Sets the lifetime of access tokens issued from now on (opaque and
    /// data-source JWTs alike).
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.state().lock().access_token_lifetime = lifetime;
    }

    /// Makes every successful token response (all grants) carry `expires_in` exactly as given,
    /// any JSON value (a huge or negative number, a float, a string, `null`), instead of the
    /// access token's lifetime; `None` goes back to the lifetime. The tokens themselves still
    /// live [`set_access_token_lifetime`](Self::set_access_token_lifetime). For testing how
    /// clients cope with odd provider numbers.
    pub fn set_token_expires_in(&self, expires_in: Option<serde_json::Value>) {
        self.state().lock().expires_in_override = expires_in;
    }

    /// A [`TokenMinter`] preset to a valid data-source access token for the
    /// first user, signed with the current signing key.
    pub fn mint(&self) -> TokenMinter {
        let inner = self.state().lock();
        TokenMinter::new(&self.state().issuer, inner.users.first(), inner.signing_kid)
    }

    /// A valid Feide data-source JWT access token, as token exchange toward
    /// `audience` would give `fake-client` for `user` (short name or Feide
    /// id) with `scope` (space-separated).
    ///
    /// # Panics
    ///
    /// If there is no such user.
    pub fn access_token_for(&self, user: &str, audience: &str, scope: &str) -> String {
        let inner = self.state().lock();
        let Some(u) = inner.find_user(user) else {
            panic!("FakeFeide has no user {user:?}");
        };
        let claims = mint::datasource_claims(
            &self.state().issuer,
            audience,
            u,
            DEFAULT_CLIENT_ID,
            scope,
            inner.access_token_lifetime,
        );
        let key = keys::by_kid(inner.signing_kid).unwrap_or(&keys::all()[0]);
        jwt::sign(&mint::header_for(key), &claims, key)
    }

    /// An opaque access token as if issued to `client_id` by a login of
    /// `user` (scope `openid profile email userid-feide`), or by client
    /// credentials when `user` is `None`. Usable at the APIs and as a
    /// token-exchange subject token.
    ///
    /// # Panics
    ///
    /// If `user` names no user.
    pub fn issue_opaque_token(&self, user: Option<&str>, client_id: &str) -> String {
        let mut inner = self.state().lock();
        let user_id = user.map(|u| match inner.find_user(u) {
            Some(found) => found.id.clone(),
            None => panic!("FakeFeide has no user {u:?}"),
        });
        let scope = if user_id.is_some() {
            OPAQUE_USER_SCOPE
        } else {
            ""
        };
        inner.issue_token(client_id, user_id.as_deref(), scope)
    }

    /// Like [`issue_opaque_token`](Self::issue_opaque_token) with `scope` (space-separated).
    ///
    /// # Panics
    ///
    /// If `user` names no user.
    pub fn issue_opaque_token_with_scope(
        &self,
        user: Option<&str>,
        client_id: &str,
        scope: &str,
    ) -> String {
        let mut inner = self.state().lock();
        let user_id = user.map(|u| match inner.find_user(u) {
            Some(found) => found.id.clone(),
            None => panic!("FakeFeide has no user {u:?}"),
        });
        inner.issue_token(client_id, user_id.as_deref(), scope)
    }

    /// Turns RFC 7662 introspection (`POST /oauth/introspect`) on or off. Off by default, as at
    /// Feide: discovery does not list `introspection_endpoint` and the endpoint answers 404.
    /// Turn it on before building the `feide_tower::Provider` (discovery is read once).
    pub fn enable_introspection(&self, on: bool) {
        self.state().lock().introspection.enabled = on;
    }

    /// The `aud` of active introspection answers; `None` (the default) answers the token's
    /// client id.
    pub fn set_introspection_audience(&self, audience: Option<String>) {
        self.state().lock().introspection.audience = audience;
    }

    /// Turns refresh tokens on or off (off by default, as at Feide, which issues none).
    ///
    /// When on, the authorization-code grant also returns a `refresh_token`, and the token
    /// endpoint accepts `grant_type=refresh_token` (client-authenticated, RFC 6749 §6). Each
    /// refresh returns a new access token and **rotates** the refresh token: the answer carries a
    /// new one and the presented one becomes invalid, so a replay answers `invalid_grant`. No ID
    /// token is returned on refresh unless [`set_refresh_id_token`](Self::set_refresh_id_token)
    /// asks for one. When off, the refresh grant answers `unsupported_grant_type`.
    pub fn enable_refresh_tokens(&self, on: bool) {
        self.state().lock().refresh_enabled = on;
    }

    /// Makes refresh answers carry an ID token (by default they carry none), to test how a client
    /// checks it (OpenID Connect Core §12.2). It repeats the login's: `iss`, `sub`, `aud`,
    /// `auth_time`, `acr` and the user claims of the scope, with a fresh `iat`, `exp` and `jti`
    /// and no `nonce` (as §12.2 advises); then every member of `overrides` replaces that claim,
    /// and a `null` member removes it. `json!({})` gives a correct ID token,
    /// `json!({"sub": "someone-else"})` one a client must refuse. `None` goes back to none.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use feide_tower_testkit::FakeFeide;
    /// use serde_json::json;
    ///
    /// let feide = FakeFeide::builder().refresh_tokens(true).start().await?;
    /// feide.set_refresh_id_token(Some(json!({"acr": "urn:example:weaker"})));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `overrides` is not a JSON object.
    pub fn set_refresh_id_token(&self, overrides: Option<serde_json::Value>) {
        let overrides = overrides.map(|value| match value {
            serde_json::Value::Object(map) => map,
            other => panic!("refresh ID token overrides must be a JSON object, not {other}"),
        });
        self.state().lock().refresh_id_token = overrides;
    }

    /// Makes every refresh token issued so far invalid (`invalid_grant` from now on), as when a
    /// user's grant is revoked at the provider.
    pub fn revoke_refresh_tokens(&self) {
        self.state().lock().refresh_tokens.clear();
    }

    /// The refresh tokens that are valid now (issued and neither redeemed nor revoked): for tests
    /// that check where an application keeps them (never in plain text in a store or a cookie).
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        self.state().lock().refresh_tokens.keys().cloned().collect()
    }

    /// How many `grant_type=refresh_token` requests the token endpoint received since start or
    /// [`reset_counts`](Self::reset_counts), whatever the answer (injected failures and refusals
    /// included). Read from [`token_requests`](Self::token_requests).
    pub fn refresh_grants(&self) -> usize {
        self.state()
            .lock()
            .token_requests
            .iter()
            .filter(|r| r.field("grant_type") == Some("refresh_token"))
            .count()
    }

    /// Makes discovery's `id_token_signing_alg_values_supported` exactly `algs` (any names,
    /// `none` and `HS256` included), or what the signing algorithm gives with `None` (default
    /// `["RS256"]`). Signing does not change. Set it before the relying party reads discovery.
    pub fn set_id_token_signing_alg_values(&self, algs: Option<&[&str]>) {
        let algs = algs.map(|a| a.iter().map(|s| (*s).to_owned()).collect());
        let mut inner = self.state().lock();
        inner.signing.advertised = algs;
    }

    /// Signs the ID tokens of the token endpoint with HS256, keyed with the client's secret
    /// (`true`), as a provider configured for HS256 ID tokens would; off by default. A relying
    /// party that only accepts asymmetric algorithms must refuse them.
    pub fn set_hs256_id_tokens(&self, on: bool) {
        self.state().lock().signing.hs256_id_tokens = on;
    }

    /// Turns Pushed Authorization Requests (RFC 9126) on or off: `POST /oauth/par` takes the
    /// authorization parameters from an authenticated client (any method, `private_key_jwt`
    /// included) and answers a `request_uri` that works once, for 60 s, for that client only;
    /// discovery lists `pushed_authorization_request_endpoint`. Off by default (404). Turn it on
    /// before building the `feide_tower::Provider` (discovery is read once).
    pub fn enable_par(&self, on: bool) {
        let mut inner = self.state().lock();
        inner.par.enabled = on;
        if !on {
            inner.par.required = false;
        }
    }

    /// Requires pushed authorization requests (turning them on): discovery says
    /// `require_pushed_authorization_requests: true` and the authorization endpoint refuses a
    /// request without a `request_uri` with an error page.
    pub fn require_par(&self, on: bool) {
        let mut inner = self.state().lock();
        inner.par.required = on;
        if on {
            inner.par.enabled = true;
        }
    }

    /// How many pushed authorization requests were accepted.
    pub fn pushed_requests(&self) -> usize {
        self.state().lock().par.pushed_count
    }

    /// Stops the server now: no new connections, and open ones (including
    /// hanging requests) are closed. Other handles stay usable as values but
    /// the server no longer answers.
    pub fn shutdown(&self) {
        self.handle.shutdown.send_replace(true);
    }
}

/// Settings for a [`FakeFeide`]; from [`FakeFeide::builder`].
#[derive(Clone, Debug)]
pub struct FakeFeideBuilder {
    interactive: bool,
    users: Vec<FakeUser>,
    clients: Vec<FakeClient>,
    jwks_max_age: Option<u64>,
    callback_iss: bool,
    access_token_lifetime: Duration,
    id_token_lifetime: Duration,
    refresh_tokens: bool,
    backchannel_logout: bool,
    frontchannel_logout: bool,
    bind: SocketAddr,
    signing_algorithm: SigningAlgorithm,
    id_token_signing_alg_values: Option<Vec<String>>,
}

impl Default for FakeFeideBuilder {
    fn default() -> FakeFeideBuilder {
        FakeFeideBuilder {
            interactive: false,
            users: Vec::new(),
            clients: Vec::new(),
            jwks_max_age: None,
            callback_iss: false,
            access_token_lifetime: Duration::from_secs(8 * 3600),
            id_token_lifetime: Duration::from_secs(3600),
            refresh_tokens: false,
            backchannel_logout: false,
            frontchannel_logout: false,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            signing_algorithm: SigningAlgorithm::default(),
            id_token_signing_alg_values: None,
        }
    }
}

impl FakeFeideBuilder {
    /// Shows the interactive login page instead of auto-approving
    /// (default `false`).
    pub fn interactive(mut self, on: bool) -> FakeFeideBuilder {
        self.interactive = on;
        self
    }

    /// Adds a user. If any user is given, the default users are not created.
    pub fn user(mut self, user: FakeUser) -> FakeFeideBuilder {
        self.users.push(user);
        self
    }

    /// Registers a client in addition to the default ones (replacing a
    /// default with the same client id).
    pub fn client(mut self, client: FakeClient) -> FakeFeideBuilder {
        self.clients.push(client);
        self
    }

    /// Sends `Cache-Control: max-age=N` on the JWKS (default: no header).
    pub fn jwks_max_age(mut self, secs: Option<u64>) -> FakeFeideBuilder {
        self.jwks_max_age = secs;
        self
    }

    /// Adds `iss` to authorization callbacks (RFC 9207; default `false`).
    pub fn callback_iss(mut self, on: bool) -> FakeFeideBuilder {
        self.callback_iss = on;
        self
    }

    /// Lifetime of access tokens (default 8 hours).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> FakeFeideBuilder {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Lifetime of ID tokens (default 1 hour).
    pub fn id_token_lifetime(mut self, lifetime: Duration) -> FakeFeideBuilder {
        self.id_token_lifetime = lifetime;
        self
    }

    /// Issues refresh tokens and accepts the refresh grant (default `false`, as at Feide); see
    /// [`FakeFeide::enable_refresh_tokens`].
    pub fn refresh_tokens(mut self, on: bool) -> FakeFeideBuilder {
        self.refresh_tokens = on;
        self
    }

    /// Sends OpenID Connect Back-Channel Logout 1.0 notifications (default `false`, as at
    /// Feide); see [`FakeFeide::set_backchannel_logout`].
    pub fn backchannel_logout(mut self, on: bool) -> FakeFeideBuilder {
        self.backchannel_logout = on;
        self
    }

    /// Frames OpenID Connect Front-Channel Logout 1.0 pages on the signed-out page (default
    /// `false`, as at Feide); see [`FakeFeide::set_frontchannel_logout`].
    pub fn frontchannel_logout(mut self, on: bool) -> FakeFeideBuilder {
        self.frontchannel_logout = on;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> FakeFeideBuilder {
        self.bind = addr;
        self
    }

    /// Makes the fake a provider of one algorithm (default [`SigningAlgorithm::Rs256`], as at
    /// Feide). With [`Es256`](SigningAlgorithm::Es256) or [`EdDsa`](SigningAlgorithm::EdDsa),
    /// its key (`fake-ec-1` or `fake-ed-1`) signs ID tokens, data-source access tokens, logout
    /// tokens and [`FakeFeide::mint`]'s tokens, is the only key in the JWKS, and discovery
    /// advertises only that algorithm in `id_token_signing_alg_values_supported`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use feide_tower_testkit::{FakeFeide, SigningAlgorithm};
    ///
    /// let feide = FakeFeide::builder()
    ///     .signing_algorithm(SigningAlgorithm::EdDsa)
    ///     .start()
    ///     .await?;
    /// assert_eq!(feide.signing_kid(), "fake-ed-1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn signing_algorithm(mut self, algorithm: SigningAlgorithm) -> FakeFeideBuilder {
        self.signing_algorithm = algorithm;
        self
    }

    /// Makes discovery's `id_token_signing_alg_values_supported` exactly `algs` (any names,
    /// e.g. `["none", "HS256", "RS256"]`), whatever the fake signs with; see
    /// [`FakeFeide::set_id_token_signing_alg_values`].
    pub fn id_token_signing_alg_values(mut self, algs: &[&str]) -> FakeFeideBuilder {
        self.id_token_signing_alg_values = Some(algs.iter().map(|s| (*s).to_owned()).collect());
        self
    }

    /// Binds, spawns the server on the current tokio runtime and returns its
    /// handle. Also installs jsonwebtoken's aws-lc-rs crypto provider for the
    /// process if none is installed yet.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn start(self) -> std::io::Result<FakeFeide> {
        keys::install_crypto_provider();
        for key in keys::all() {
            // Parse every key now rather than in the first request.
            let _ = (key.encoding_key(), key.decoding_key());
        }
        let listener = TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let issuer = format!("http://{addr}");
        let users = if self.users.is_empty() {
            FakeUser::defaults()
        } else {
            self.users
        };
        let mut inner = Inner::new(
            users,
            FakeClient::defaults(),
            self.interactive,
            self.jwks_max_age,
            self.access_token_lifetime,
        );
        for client in self.clients {
            inner.upsert_client(client);
        }
        inner.refresh_enabled = self.refresh_tokens;
        inner.logout.backchannel = self.backchannel_logout;
        inner.logout.frontchannel = self.frontchannel_logout;
        signing::apply(
            &mut inner,
            self.signing_algorithm,
            self.id_token_signing_alg_values,
        );
        inner.client_assertions.issuer = issuer.clone();
        // RFC 9126 §2: the PAR endpoint accepts assertions addressed to it too.
        inner
            .client_assertions
            .extra_audiences
            .push(format!("{issuer}{}", par::PATH));
        let state = Arc::new(State::new(
            issuer,
            self.callback_iss,
            self.id_token_lifetime,
            inner,
        ));
        let (shutdown, shutdown_rx) = watch::channel(false);
        tokio::spawn(server::serve(listener, state.clone(), shutdown_rx));
        tracing::debug!(%addr, "fakefeide: started");
        Ok(FakeFeide {
            handle: Arc::new(Handle {
                state,
                addr,
                shutdown,
            }),
        })
    }
}
