//! Configuration of the login flow, built once and shared.

use std::sync::Arc;
use std::time::Duration;

use crate::denial::{ErrorRenderer, SharedRenderer};
use crate::env::setting;
use crate::provider::{ClientAuthMethod, Provider};
use crate::session::cookie::CookieError;
use crate::session::{KeyError, KeyRing};
use crate::token::{Algorithm, IntoScopes, ValidatorConfigError};

use super::FeideLogin;
use super::controls::{LoginControls, Refused};
use super::flow_cookies::FlowCookies;
use super::id_token_rules::{IdTokenRules, resolve_algorithms};
use super::logout_token::{DEFAULT_LOGOUT_TOKEN_MAX_AGE, LogoutTokens};
use super::paths::LoginPaths;
use super::provider_logout::ProviderLogout;
use super::refresh_policy::{DEFAULT_REFRESH_BEFORE, RefreshPolicy};
use super::session_cookies::{SessionCookieSettings, SessionCookies};
use super::stored::{
    DEFAULT_REVOCATION_BOUND, DEFAULT_STORE_TOUCH_INTERVAL, StoreSettings, StoredSessions,
};
use crate::store::{self, SessionStore, StoreConfigError};

/// The `acr_values` Feide uses to ask for multi-factor authentication.
pub const FEIDE_MFA_ACR: &str = "urn:mace:feide.no:auth:level:fad08:3";

pub use crate::session::feide_session::DEFAULT_LOGIN_NAME;

/// Longest accepted login name.
const MAX_NAME_LEN: usize = 32;

/// Everything the login flow needs, resolved and checked at build time: the parts that own
/// their invariants, and the settings of the authorization request.
#[derive(Debug)]
pub(crate) struct LoginConfig {
    pub(crate) provider: Provider,
    pub(crate) client_id: String,
    pub(crate) paths: LoginPaths,
    pub(crate) session: SessionCookies,
    /// Where sessions live when not in the cookie.
    pub(crate) stored: Option<StoredSessions>,
    pub(crate) flow: FlowCookies,
    pub(crate) refresh: RefreshPolicy,
    pub(crate) id_token: IdTokenRules,
    pub(crate) scopes: String,
    pub(crate) login_hint: Option<String>,
    pub(crate) login_hint_param: bool,
    pub(crate) post_logout_redirect_uri: Option<String>,
    pub(crate) client_auth: ClientAuthMethod,
    pub(crate) allow_get_logout: bool,
    /// Custom bodies for error pages and `login_required` answers.
    pub(crate) renderer: Option<SharedRenderer>,
    /// Back- and front-channel logout (`None`: turned off).
    pub(crate) provider_logout: Option<ProviderLogout>,
    /// Default `prompt`, `max_age` and `ui_locales` of every login.
    pub(crate) controls: LoginControls,
    /// Authorization requests are pushed (RFC 9126): configured, or required by the provider.
    pub(crate) pushed_authorization: bool,
}

impl LoginConfig {
    /// This login's name, recorded in its sessions ([`DEFAULT_LOGIN_NAME`] unless set).
    pub(crate) fn login_name(&self) -> &str {
        &self.session.login_name
    }
}

/// The login flow could not be configured: one variant per reason. Messages name settings
/// (with the environment variable where there is one), never secret values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginConfigError {
    /// The login name is not 1 to 32 characters of `a-z`, `0-9`, `_` and `-`.
    #[error(
        "the login name must be 1 to {MAX_NAME_LEN} characters of a-z, 0-9, '_' and '-': {name:?}"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// The provider was built without client credentials.
    #[error("the provider's client credentials (OIDC_CLIENT_ID, OIDC_CLIENT_SECRET) is required")]
    MissingClient,
    /// The provider has no authorization or no token endpoint.
    #[error("the provider has no authorization or token endpoint")]
    MissingEndpoints,
    /// No session keys were given.
    #[error("APP_SECRET_KEY (the session key) is required")]
    MissingKeys,
    /// `SESSION_STORE_URL` (or `SESSION_STORE_CA_FILE`) cannot configure a session store.
    #[error("SESSION_STORE_URL: {0}")]
    SessionStore(StoreConfigError),
    /// The session keys are unusable.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// No redirect URI was given.
    #[error("OIDC_REDIRECT_URI (the redirect URI) is required")]
    MissingRedirectUri,
    /// The redirect URI is not an absolute URL.
    #[error("OIDC_REDIRECT_URI is not an absolute URL: {uri:?}")]
    RedirectUriNotAbsolute {
        /// The redirect URI given.
        uri: String,
    },
    /// The redirect URI is plain http off a loopback host (or another scheme).
    #[error("OIDC_REDIRECT_URI must be https (plain http only on localhost): {uri:?}")]
    RedirectUriNotHttps {
        /// The redirect URI given.
        uri: String,
    },
    /// A path setting does not start with `/`.
    #[error("the {setting} must start with '/': {path:?}")]
    NotAPath {
        /// The setting: `login path`, `logout path` or `after-logout path`.
        setting: &'static str,
        /// The path given.
        path: String,
    },
    /// Two of the login, callback (the redirect URI's path) and logout paths are the same.
    #[error("login, callback and logout paths must differ")]
    PathsNotDistinct,
    /// The scopes (`OIDC_SCOPES`) do not include `openid`.
    #[error("the scopes must include `openid`")]
    NoOpenidScope,
    /// The ID token validator could not be built (e.g. an empty algorithm list).
    #[error(transparent)]
    IdTokens(ValidatorConfigError),
    /// The session cookie cannot be written under its name and options.
    #[error(transparent)]
    SessionCookie(CookieError),
    /// The flow cookies cannot be written under their names and options.
    #[error(transparent)]
    FlowCookie(CookieError),
    /// [`RequireLoginLayer::redirect_to`](super::RequireLoginLayer::redirect_to) was given something
    /// other than a path of this site.
    #[error("the login redirect must be a path of this site: {path:?}")]
    RedirectNotAPath {
        /// The path given.
        path: String,
    },
    /// A login request control ([`prompt`](FeideLoginBuilder::prompt),
    /// [`max_age`](FeideLoginBuilder::max_age), [`ui_locales`](FeideLoginBuilder::ui_locales))
    /// is outside what OpenID Connect allows.
    #[error("the login's {setting} is not valid")]
    InvalidLoginControl {
        /// `prompt`, `max_age` or `ui_locales`.
        setting: &'static str,
    },
    /// [`FeideLogin::require_acr`] was given no level, more than 8, or one that cannot be an
    /// `acr` value (empty, over 256 bytes, a space, `"`, `\` or non-ASCII).
    #[error(
        "the required acr levels must be 1 to 8 values of visible ASCII without spaces or quotes"
    )]
    InvalidAcr,
    /// Pushed authorization requests (`OIDC_USE_PAR`) cannot be used: the provider names no
    /// `pushed_authorization_request_endpoint`, or the setting is not `true`/`false`.
    #[error("pushed authorization requests (OIDC_USE_PAR): {0}")]
    PushedAuthorization(&'static str),
}

/// Builds a [`FeideLogin`], following the crate's construction convention:
/// [`FeideLogin::builder`]`(&provider)`, settings, [`build`](Self::build)`()?` gives the login
/// (errors: [`LoginConfigError`]), then [`FeideLogin::layer`] the tower layer. From the
/// environment: [`FeideLogin::from_env`] / [`FeideLogin::from_env_with`], or
/// [`env_with`](Self::env_with) here to combine with other settings. Scopes are taken as
/// everywhere ([`scopes`](Self::scopes): a space-separated string or a list).
#[derive(Debug)]
#[must_use]
pub struct FeideLoginBuilder {
    name: Option<String>,
    provider: Provider,
    redirect_uri: Option<String>,
    keys: Option<Result<KeyRing, KeyError>>,
    scopes: String,
    login_path: String,
    logout_path: String,
    acr_values: Option<String>,
    login_hint: Option<String>,
    login_hint_param: bool,
    post_logout_redirect_uri: Option<String>,
    after_logout_path: String,
    client_auth: ClientAuthMethod,
    allow_get_logout: bool,
    fetch_userinfo: bool,
    session: SessionCookieSettings,
    /// `None`: the provider's advertised safe algorithms, resolved by `build`.
    algorithms: Option<Vec<Algorithm>>,
    renderer: Option<SharedRenderer>,
    refresh_tokens: bool,
    refresh_before: Duration,
    store: Option<Arc<dyn SessionStore>>,
    /// `SESSION_STORE_URL` did not configure a store: reported by `build`.
    store_error: Option<StoreConfigError>,
    revocation_bound: Duration,
    store_touch_interval: Duration,
    backchannel_path: String,
    frontchannel_path: String,
    provider_logout: bool,
    logout_token_max_age: Duration,
    prompt: Option<String>,
    max_age: Option<Duration>,
    ui_locales: Option<String>,
    pushed_authorization: Result<bool, &'static str>,
}

impl FeideLoginBuilder {
    pub(crate) fn new(provider: &Provider) -> Self {
        Self {
            name: None,
            provider: provider.clone(),
            redirect_uri: None,
            keys: None,
            scopes: "openid".to_owned(),
            login_path: "/login".to_owned(),
            logout_path: "/logout".to_owned(),
            acr_values: None,
            login_hint: None,
            login_hint_param: true,
            post_logout_redirect_uri: None,
            after_logout_path: "/".to_owned(),
            client_auth: provider.default_secret_method(),
            allow_get_logout: false,
            fetch_userinfo: true,
            session: SessionCookieSettings::default(),
            algorithms: None,
            renderer: None,
            refresh_tokens: true,
            refresh_before: DEFAULT_REFRESH_BEFORE,
            store: None,
            store_error: None,
            revocation_bound: DEFAULT_REVOCATION_BOUND,
            store_touch_interval: DEFAULT_STORE_TOUCH_INTERVAL,
            backchannel_path: "/backchannel-logout".to_owned(),
            frontchannel_path: "/frontchannel-logout".to_owned(),
            provider_logout: true,
            logout_token_max_age: DEFAULT_LOGOUT_TOKEN_MAX_AGE,
            prompt: None,
            max_age: None,
            ui_locales: None,
            pushed_authorization: Ok(false),
        }
    }

    /// Reads `OIDC_REDIRECT_URI`, `APP_SECRET_KEY`, `POST_LOGOUT_REDIRECT_URI`, `OIDC_SCOPES`
    /// and `SESSION_STORE_URL` (with `SESSION_STORE_CA_FILE`, a PEM file of the CA that signed a
    /// `rediss://` server's certificate) through `lookup`. `SESSION_STORE_URL` is `memory`,
    /// `redis://…`, `rediss://…`, `redis+cluster://host1:port1,host2:port2` or
    /// `rediss+cluster://…` (see [`store::from_url`]); unset keeps sessions in cookies. An
    /// unusable value is a [`LoginConfigError::SessionStore`] from [`build`](Self::build).
    pub fn env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| setting(&lookup, name);
        if let Some(uri) = var("OIDC_REDIRECT_URI") {
            self = self.redirect_uri(uri);
        }
        if let Some(keys) = var("APP_SECRET_KEY") {
            self = self.secret_keys(&keys);
        }
        if let Some(uri) = var("POST_LOGOUT_REDIRECT_URI") {
            self = self.post_logout_redirect_uri(uri);
        }
        if let Some(scopes) = var("OIDC_SCOPES") {
            self = self.scopes(scopes);
        }
        if let Some(on) = var("OIDC_USE_PAR") {
            self.pushed_authorization = match on.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err("OIDC_USE_PAR must be true or false"),
            };
        }
        if let Some(url) = var("SESSION_STORE_URL") {
            let store = match var("SESSION_STORE_CA_FILE") {
                Some(ca_file) => store::from_url_with_ca_file(&url, std::path::Path::new(&ca_file)),
                None => store::from_url(&url),
            };
            match store {
                Ok(store) => self = self.session_store(store),
                Err(error) => self.store_error = Some(error),
            }
        }
        self
    }

    /// Names this login, for apps with several (Feide next to another OpenID provider, or two
    /// Feide clients): 1 to 32 characters of `a-z`, `0-9`, `_` and `-`, checked at build. The
    /// default is [`DEFAULT_LOGIN_NAME`] (`"default"`).
    ///
    /// The name is recorded in every session this login seals and read back as
    /// [`FeideSession::provider`](crate::session::FeideSession::provider), and its cookies are
    /// sealed with keys of its own ([`CookieCodec::login_session`](crate::session::cookie::CookieCodec::login_session)): a session of another login
    /// never opens for this one, even under the same cookie name and `APP_SECRET_KEY` (it is
    /// refused and deleted like any cookie that does not open). Unless [`cookie_name`](Self::cookie_name) is set, a named login
    /// keeps its session in its own cookie, `__Host-feide_session_<name>` (`feide_session_<name>`
    /// when cookies cannot be `Secure`), and its login flow cookies carry the name too. Give each
    /// login its own [`login_path`](Self::login_path), [`logout_path`](Self::logout_path) and
    /// redirect URI path.
    ///
    /// ```no_run
    /// # async fn run(feide: feide_tower::Provider, other: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{Router, routing::get};
    /// use feide_tower::login::FeideLogin;
    /// use feide_tower::session::FeideSession;
    ///
    /// let keys = std::env::var("APP_SECRET_KEY")?;
    /// let feide_login = FeideLogin::builder(&feide)
    ///     .name("feide")
    ///     .redirect_uri("https://app.example.no/feide/callback")
    ///     .login_path("/feide/login")
    ///     .logout_path("/feide/logout")
    ///     .secret_keys(&keys)
    ///     .build()?;
    /// let other_login = FeideLogin::builder(&other)
    ///     .name("other")
    ///     .redirect_uri("https://app.example.no/other/callback")
    ///     .login_path("/other/login")
    ///     .logout_path("/other/logout")
    ///     .secret_keys(&keys)
    ///     .build()?;
    /// let app: Router = Router::new()
    ///     .route("/me", get(|s: FeideSession| async move { format!("{} via {}", s.sub(), s.provider()) }))
    ///     .layer(other_login.layer())
    ///     .layer(feide_login.layer());
    /// # Ok(()) }
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The registered redirect URI, e.g. `https://app.example.no/callback`. Required. Its path
    /// is the callback path the layer answers. Cookies are `Secure` unless it is plain http on
    /// `localhost`/`127.0.0.1` (development); plain http elsewhere is refused.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Session keys from an `APP_SECRET_KEY`-style value: comma-separated keys, each hex or
    /// base64 of at least 32 random bytes (passphrases are refused at [`build`](Self::build),
    /// see [`KeyRing`]); the first encrypts, all decrypt (rotation: prepend the new key, drop the
    /// old one once sessions sealed with it have expired). Generate one with
    /// `openssl rand -base64 32`.
    pub fn secret_keys(mut self, value: &str) -> Self {
        self.keys = Some(KeyRing::from_env_value(value));
        self
    }

    /// Session keys as a ready [`KeyRing`].
    pub fn key_ring(mut self, ring: KeyRing) -> Self {
        self.keys = Some(Ok(ring));
        self
    }

    /// The scopes to request (default `openid`), replacing those set before: a space-separated
    /// string (`"openid profile email userid-feide"`, as in `OIDC_SCOPES`) or a list
    /// (`["openid", "profile"]`), see [`IntoScopes`]. They must include `openid` (checked at
    /// build).
    ///
    /// Whitespace is normalised to single spaces (RFC 6749 §3.3): `"openid  profile"` from an
    /// environment variable would otherwise be refused by strict providers.
    pub fn scopes(mut self, scopes: impl IntoScopes) -> Self {
        let joined = scopes.into_scopes().join(" ");
        self.scopes = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        self
    }

    /// The path that starts a login (default `/login`).
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// The path that logs out (default `/logout`).
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.logout_path = path.into();
        self
    }

    /// Ask for multi-factor authentication (Feide's `acr_values`) and refuse ID tokens whose
    /// `acr` does not say it happened.
    pub fn require_mfa(self) -> Self {
        self.acr_values(FEIDE_MFA_ACR)
    }

    /// Send these `acr_values` with every login and require the ID token's `acr` to equal them.
    pub fn acr_values(mut self, acr: impl Into<String>) -> Self {
        self.acr_values = Some(acr.into());
        self
    }

    /// A fixed `login_hint` for every login, e.g. `feide|realm|uio.no` to skip the org picker.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Whether `/login?login_hint=...` is passed on (default `true`; only `[A-Za-z0-9|.@_:-]`,
    /// at most 256 characters).
    pub fn login_hint_param(mut self, on: bool) -> Self {
        self.login_hint_param = on;
        self
    }

    /// Where the provider sends the browser after logout. Must be registered with the client.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uri = Some(uri.into());
        self
    }

    /// Where logout lands when the provider has no end-session endpoint (default `/`).
    pub fn after_logout_path(mut self, path: impl Into<String>) -> Self {
        self.after_logout_path = path.into();
        self
    }

    /// Client authentication at the token endpoint (default: the provider's secret method,
    /// `client_secret_basic` unless configured; a client with a key always uses
    /// `private_key_jwt`).
    pub fn client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.client_auth = method;
        self
    }

    /// Whether `GET /logout` logs out (default `false`: only `POST`).
    ///
    /// A GET logout can be triggered cross-site by any page (an `<img src=".../logout">`), which
    /// signs the user out against their will. That is a nuisance, not a data leak; allow it when
    /// plain links to `/logout` matter more to you.
    pub fn allow_get_logout(mut self, on: bool) -> Self {
        self.allow_get_logout = on;
        self
    }

    /// Whether to call the userinfo endpoint after login (default `true`).
    pub fn fetch_userinfo(mut self, on: bool) -> Self {
        self.fetch_userinfo = on;
        self
    }

    /// The session cookie's name (default `__Host-feide_session`, or `feide_session` when
    /// cookies cannot be `Secure`; with a [`name`](Self::name), `__Host-feide_session_<name>`
    /// or `feide_session_<name>`).
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.session.cookie_name = Some(name.into());
        self
    }

    /// The longest a session lives (default 8 h); it also ends when the access token expires,
    /// unless the provider issued a refresh token (see [`refresh_tokens`](Self::refresh_tokens)).
    pub fn max_session(mut self, max: Duration) -> Self {
        self.session.max_session = max;
        self
    }

    /// End sessions idle for this long (default 1 h; `None` to turn off). Activity is written
    /// back to the cookie at most once a minute.
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        self.session.idle_timeout = idle;
        self
    }

    /// Most cookies a session may be split into (default 5, ~19 KB).
    pub fn max_chunks(mut self, max: usize) -> Self {
        self.session.max_chunks = max;
        self
    }

    /// The ID token algorithm allow-list, replacing the default (also used for back-channel
    /// logout tokens).
    ///
    /// The default follows the provider: the algorithms its discovery document advertises in
    /// `id_token_signing_alg_values_supported` that are among RS256, PS256, ES256 and EdDSA
    /// (Ed25519), in its order; `[RS256]` when it advertises none of them or the provider was
    /// configured without discovery ([`Provider::default_algorithms`]). Feide advertises RS256
    /// only, so its logins accept RS256 only; a provider signing with ES256 or EdDSA only works
    /// without configuration. `none` and `HS*` are never accepted, advertised or not. An empty
    /// list is a [`LoginConfigError::IdTokens`] from [`build`](Self::build).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use feide_tower::{Provider, login::FeideLogin, token::Algorithm};
    ///
    /// let provider = Provider::from_env().await?;
    /// // Pin RS256 whatever the provider advertises.
    /// let login = FeideLogin::builder(&provider)
    ///     .id_token_algorithms(&[Algorithm::RS256])
    ///     .env_with(|name| std::env::var(name).ok())
    ///     .build()?;
    /// # let _ = login; Ok(()) }
    /// ```
    pub fn id_token_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = Some(algorithms.to_vec());
        self
    }

    /// Memory for recently opened session cookies, in bytes (default 32 MiB; `0` turns the cache
    /// off).
    ///
    /// A browser sends the same cookie value on every request until it is re-issued, so each
    /// value is decrypted and parsed once and later requests with the byte-identical value reuse
    /// the result: the login layer then costs well under a microsecond per request instead of
    /// several. Expiry, idle timeout and re-issuing are still decided on every request. An entry
    /// takes about twice its cookie's size (the value and its parsed session), so the default
    /// holds some 8,000 sessions of 2 KB; the least useful are dropped first.
    pub fn session_cache_bytes(mut self, bytes: u64) -> Self {
        self.session.cache_bytes = bytes;
        self
    }

    /// Your own body for the login flow's error pages ([`Denial::LoginFailed`]: cancelled,
    /// expired, provider unavailable, ...) and for its `login_required` answers
    /// ([`Denial::Login`]: the browser redirect and the API `401`). `renderer` returns the
    /// `Content-Type` and bytes; the status, `Location`, `Set-Cookie` (the flow and session
    /// cookie deletions), `Retry-After` and `Cache-Control: no-store` stay ours.
    ///
    /// ```no_run
    /// # async fn run(provider: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
    /// use bytes::Bytes;
    /// use feide_tower::Denial;
    /// use feide_tower::login::FeideLogin;
    /// use http::HeaderValue;
    ///
    /// let login = FeideLogin::builder(&provider)
    ///     .redirect_uri("https://app.example.no/callback")
    ///     .secret_keys(&std::env::var("APP_SECRET_KEY")?)
    ///     .render_body(|denial: &Denial| {
    ///         let text = match denial {
    ///             Denial::LoginFailed(failure) if failure.reason == "access_denied" => {
    ///                 "Du avbrøt innloggingen.".to_owned()
    ///             }
    ///             Denial::LoginFailed(failure) => failure.message.clone(),
    ///             _ => "Logg inn først.".to_owned(),
    ///         };
    ///         let html = format!("<!doctype html><title>Feide</title><p>{text}</p>");
    ///         (HeaderValue::from_static("text/html; charset=utf-8"), Bytes::from(html))
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    ///
    /// [`Denial::LoginFailed`]: crate::denial::Denial::LoginFailed
    /// [`Denial::Login`]: crate::denial::Denial::Login
    pub fn render_body(mut self, renderer: impl ErrorRenderer) -> Self {
        self.renderer = Some(SharedRenderer::new(renderer));
        self
    }

    /// Whether to use refresh tokens, for providers that issue them (default `true`; Feide issues
    /// none, so there this changes nothing).
    ///
    /// On: a login that returns a refresh token keeps it in the (encrypted) session cookie, the
    /// session lasts [`max_session`](Self::max_session) rather than the access token's lifetime,
    /// and the login layer refreshes the access token shortly before it expires (see
    /// [`refresh_before`](Self::refresh_before)). Off: refresh tokens are ignored and the
    /// session ends with the access token, as with Feide.
    pub fn refresh_tokens(mut self, on: bool) -> Self {
        self.refresh_tokens = on;
        self
    }

    /// How long before the access token expires a request refreshes it (default 60 s).
    ///
    /// The first request within this margin redeems the session's refresh token (one grant,
    /// however many requests arrive at once) and gets the new access token and a re-sealed
    /// cookie; other requests go on without waiting.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Keeps sessions in `store` instead of the cookie (default: in the cookie, nothing on the
    /// server). The cookie then holds only a sealed reference (under 100 bytes, never split),
    /// tokens and user data stay on the server, logout revokes the session on every replica
    /// sharing the store, and replicas refresh a session's tokens once between them. See
    /// [`store`](crate::store) for the implementations and the guarantees.
    ///
    /// Switching an app between cookie and stored sessions signs its users out once, cleanly
    /// (the other kind's cookie is deleted, never an error).
    ///
    /// ```
    /// # async fn run(provider: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use feide_tower::login::FeideLogin;
    /// use feide_tower::store::MemoryStore;
    ///
    /// let login = FeideLogin::builder(&provider)
    ///     .redirect_uri("https://app.example.no/callback")
    ///     .secret_keys(&std::env::var("APP_SECRET_KEY")?)
    ///     .session_store(Arc::new(MemoryStore::default()))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// With a [`session_store`](Self::session_store): the longest a session deleted on one
    /// replica (logout, revocation) may still be served by another (default 1 s). Each process
    /// keeps records it loaded for half of it; `Duration::ZERO` reads the store for every
    /// request (concurrent requests of one session share a read already in flight). Without a
    /// store: ignored.
    pub fn revocation_bound(mut self, bound: Duration) -> Self {
        self.revocation_bound = bound;
        self
    }

    /// With a [`session_store`](Self::session_store): activity (for the
    /// [`idle_timeout`](Self::idle_timeout)) is written to the store at most this often per
    /// session (default 60 s), so a busy session does not write on every request. Without a
    /// store: ignored.
    pub fn session_touch_interval(mut self, interval: Duration) -> Self {
        self.store_touch_interval = interval;
        self
    }

    /// Where the layer takes the provider's back-channel logout requests (default
    /// `/backchannel-logout`): register `<your origin><path>` at the provider as the client's
    /// `backchannel_logout_uri`. See [`FeideLogin::backchannel_logout`] for what it checks and
    /// answers.
    pub fn backchannel_logout_path(mut self, path: impl Into<String>) -> Self {
        self.backchannel_path = path.into();
        self
    }

    /// Where the layer takes the provider's front-channel logout requests (default
    /// `/frontchannel-logout`): register `<your origin><path>` at the provider as the client's
    /// `frontchannel_logout_uri` (with `frontchannel_logout_session_required`). See
    /// [`FeideLogin::frontchannel_logout`].
    pub fn frontchannel_logout_path(mut self, path: impl Into<String>) -> Self {
        self.frontchannel_path = path.into();
        self
    }

    /// Whether the layer serves the back- and front-channel logout paths (default on; they do
    /// nothing until the provider is told their URIs). Off, both paths pass through to the
    /// app like any other.
    pub fn provider_logout(mut self, on: bool) -> Self {
        self.provider_logout = on;
        self
    }

    /// The oldest back-channel logout token accepted, by its `iat` (default 5 minutes, plus
    /// 60 s for clocks apart). Accepted tokens' `jti`s are remembered this long (in the
    /// [store](Self::session_store) when there is one, so across replicas), so that none is
    /// accepted twice.
    pub fn logout_token_max_age(mut self, max_age: Duration) -> Self {
        self.logout_token_max_age = max_age;
        self
    }

    /// The `prompt` of every login (OpenID Connect Core §3.1.2.1; default none sent):
    /// space-separated values of `login` (authenticate again even if signed in at the
    /// provider), `consent`, `select_account`, or `none` alone (a silent login: see
    /// [`SilentLoginFailed`](super::SilentLoginFailed)). Checked at [`build`](Self::build).
    ///
    /// A request may replace it: `/login?prompt=none`, `/login?prompt=login`. The login path
    /// also takes `max_age` and `ui_locales` (see those settings); anything outside the
    /// allow-list is refused with a `400` page, never passed on or silently dropped.
    ///
    /// ```no_run
    /// # async fn run(provider: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use feide_tower::login::FeideLogin;
    ///
    /// let login = FeideLogin::builder(&provider)
    ///     .redirect_uri("https://app.example.no/callback")
    ///     .secret_keys(&std::env::var("APP_SECRET_KEY")?)
    ///     .prompt("select_account")
    ///     .max_age(Duration::from_secs(8 * 3600))
    ///     .ui_locales("nb nn en")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// The `max_age` of every login (whole seconds, at most a year): the provider must
    /// authenticate the user again if they last did longer ago, and the ID token must carry an
    /// `auth_time` no older than that (plus 60 s for clocks apart), else the login fails
    /// (OpenID Connect Core §3.1.3.7). A request's `/login?max_age=N` applies only when
    /// stricter than this one.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The `ui_locales` of every login: space-separated BCP 47 language tags, preferred first
    /// (`"nb nn en"`; at most 8 tags, 128 characters). A request's `/login?ui_locales=…`
    /// replaces it.
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.ui_locales = Some(locales.into());
        self
    }

    /// Pushes authorization requests (RFC 9126, default off; `OIDC_USE_PAR=true`): `/login`
    /// POSTs the authorization parameters to the provider's
    /// `pushed_authorization_request_endpoint`, authenticated like the token endpoint
    /// (`private_key_jwt` included), and sends the browser there with only `client_id` and the
    /// `request_uri` the provider answered. The parameters (PKCE challenge, nonce, scopes,
    /// hints) then never pass through the browser, cannot be altered there, and come from an
    /// authenticated client. Used whatever this says when the provider's discovery document
    /// says `require_pushed_authorization_requests`. [`build`](Self::build) fails when the
    /// provider has no such endpoint. The `/login` answer then waits for the provider (one
    /// round trip): an unreachable endpoint gives a 503 page, a refusal a login failure page.
    pub fn pushed_authorization_requests(mut self, on: bool) -> Self {
        self.pushed_authorization = Ok(on);
        self
    }

    /// Checks the configuration and builds the login flow.
    ///
    /// # Errors
    ///
    /// A [`LoginConfigError`] naming the first setting that is missing or unusable.
    pub fn build(self) -> Result<FeideLogin, LoginConfigError> {
        let name = self.name.unwrap_or_else(|| DEFAULT_LOGIN_NAME.to_owned());
        check_name(&name)?;
        let client_id = self
            .provider
            .client()
            .map(|c| c.id.clone())
            .ok_or(LoginConfigError::MissingClient)?;
        let metadata = self.provider.metadata();
        if metadata.authorization_endpoint.is_none() || metadata.token_endpoint.is_none() {
            return Err(LoginConfigError::MissingEndpoints);
        }
        let pushed_authorization = self
            .pushed_authorization
            .map_err(LoginConfigError::PushedAuthorization)?
            || self.provider.requires_pushed_authorization();
        if pushed_authorization && metadata.pushed_authorization_request_endpoint.is_none() {
            return Err(LoginConfigError::PushedAuthorization(
                "the provider names no pushed_authorization_request_endpoint",
            ));
        }
        let keys = self.keys.ok_or(LoginConfigError::MissingKeys)??;
        if let Some(error) = self.store_error {
            return Err(LoginConfigError::SessionStore(error));
        }
        let paths = LoginPaths::new(
            self.redirect_uri,
            self.login_path,
            self.logout_path,
            self.after_logout_path,
        )?;
        let paths = if self.provider_logout {
            paths.with_provider_logout(Some(self.backchannel_path), Some(self.frontchannel_path))?
        } else {
            paths
        };
        if !self.scopes.split(' ').any(|s| s == "openid") {
            return Err(LoginConfigError::NoOpenidScope);
        }
        let algorithms = resolve_algorithms(&self.provider, self.algorithms);
        let id_token = IdTokenRules::new(
            &self.provider,
            &client_id,
            &algorithms,
            self.acr_values,
            self.fetch_userinfo,
        )?;
        let keys_for_store = keys.clone();
        let stored = self.store.map(|store| {
            let settings = StoreSettings {
                store,
                revocation_bound: self.revocation_bound,
                touch_interval: self.store_touch_interval,
            };
            StoredSessions::new(settings, &keys_for_store, &name)
        });
        let provider_logout = if self.provider_logout {
            let seen = stored.as_ref().map(|s| (s.store.clone(), s.refs.clone()));
            let tokens = LogoutTokens::new(
                &self.provider,
                &client_id,
                &algorithms,
                self.logout_token_max_age,
                seen,
            )
            .map_err(LoginConfigError::IdTokens)?;
            Some(ProviderLogout {
                tokens,
                provider_origin: provider_origin(self.provider.issuer()),
            })
        } else {
            None
        };
        let controls = LoginControls::defaults(
            self.prompt.as_deref(),
            self.max_age,
            self.ui_locales.as_deref(),
        )
        .map_err(|Refused(setting)| LoginConfigError::InvalidLoginControl { setting })?;
        let session = SessionCookies::new(keys.clone(), &name, paths.secure, self.session)?;
        let flow = FlowCookies::new(keys, &name, paths.secure)?;
        Ok(FeideLogin {
            config: Arc::new(LoginConfig {
                provider: self.provider,
                client_id,
                paths,
                stored,
                session,
                flow,
                refresh: RefreshPolicy::new(self.refresh_tokens, self.refresh_before),
                id_token,
                scopes: self.scopes,
                login_hint: self.login_hint,
                login_hint_param: self.login_hint_param,
                post_logout_redirect_uri: self.post_logout_redirect_uri,
                client_auth: self.client_auth,
                allow_get_logout: self.allow_get_logout,
                renderer: self.renderer,
                provider_logout,
                controls,
                pushed_authorization,
            }),
        })
    }
}

/// The origin (scheme, host, port) of the provider's issuer, which frames front-channel
/// logout; `'none'` (nobody may frame it) for an issuer that is not a URL.
fn provider_origin(issuer: &str) -> String {
    match url::Url::parse(issuer).map(|u| u.origin()) {
        Ok(origin) if origin.is_tuple() => origin.ascii_serialization(),
        _ => "'none'".to_owned(),
    }
}

/// A login name: 1 to 32 characters of `a-z`, `0-9`, `_`, `-` (safe in a cookie name as it is).
fn check_name(name: &str) -> Result<(), LoginConfigError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(LoginConfigError::InvalidName {
            name: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn provider_logout_paths_are_served_unless_turned_off() {
        let provider = Provider::builder("http://127.0.0.1:9")
            .discovery(false)
            .jwks_uri("http://127.0.0.1:9/jwks")
            .authorization_endpoint("http://127.0.0.1:9/authorize")
            .token_endpoint("http://127.0.0.1:9/token")
            .client("client", "secret")
            .build()
            .await
            .unwrap();
        let builder = || {
            FeideLogin::builder(&provider)
                .redirect_uri("http://localhost:3000/callback")
                .secret_keys("TbwzrgYhup/Tm3FgJayZJNQKJUaG+QN0WwLuOvXbcJo=")
        };
        let on = builder().build().unwrap();
        assert_eq!(on.backchannel_logout_path(), Some("/backchannel-logout"));
        assert_eq!(on.frontchannel_logout_path(), Some("/frontchannel-logout"));
        assert_eq!(
            on.route("/backchannel-logout"),
            super::super::LoginRoute::BackchannelLogout
        );
        let moved = builder()
            .backchannel_logout_path("/oidc/bc")
            .frontchannel_logout_path("/oidc/fc")
            .build()
            .unwrap();
        assert_eq!(
            moved.route("/oidc/fc"),
            super::super::LoginRoute::FrontchannelLogout
        );
        assert_eq!(
            moved.route("/backchannel-logout"),
            super::super::LoginRoute::Other
        );
        let off = builder().provider_logout(false).build().unwrap();
        assert_eq!(off.backchannel_logout_path(), None);
        assert_eq!(
            off.route("/backchannel-logout"),
            super::super::LoginRoute::Other
        );
        assert!(matches!(
            builder().backchannel_logout_path("/login").build(),
            Err(LoginConfigError::PathsNotDistinct)
        ));
    }

    #[test]
    fn login_names() {
        for good in [
            "feide",
            "idporten",
            "entra-id",
            "feide_2",
            "a",
            &"x".repeat(32),
        ] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "Feide",
            "fe ide",
            "feide;",
            "feide=1",
            "æ",
            "a/b",
            &"x".repeat(33),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
