//! What every variant is measured with: a FakeFeide (in the coordinating process, on loopback),
//! one valid Feide data-source token, one valid session cookie of about 2 KB from a real login,
//! and, for the stored variants, sessions from real logins into the Redis store (the cookie holds
//! only the reference).

use std::sync::Arc;
use std::time::Duration;

use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::session::KeyRing;
use feide_tower::session::cookie::{CookieCodec, Envelope};
use feide_tower::store::SessionStore;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

/// The audience every bearer variant (and the peer) requires.
pub(crate) const AUDIENCE: &str = DEFAULT_DATASOURCE_AUDIENCE;
/// The login client of variant (d).
pub(crate) const CLIENT_ID: &str = "load-bench-app";
pub(crate) const CLIENT_SECRET: &str = "load-bench-app-secret";
/// Never contacted: the coordinator completes the login itself.
pub(crate) const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
/// The session key of variant (d) (a fixed test value; never use a literal key in an app).
pub(crate) const SESSION_KEY: &str = "GH/3Rx0xburDfk+CeqP6PWrBKIkh+LQvigqcgMcHUkk=";
/// The session cookie's value length, in bytes.
pub(crate) const SESSION_COOKIE_LEN: usize = 2048;

/// Environment variables that carry the fixtures to the server processes.
pub(crate) const ENV_ISSUER: &str = "LOAD_BENCH_ISSUER";
pub(crate) const ENV_JWKS: &str = "LOAD_BENCH_JWKS";
/// The session store URL of variants (r) and (n).
pub(crate) const ENV_STORE: &str = "LOAD_BENCH_STORE";

/// Where the sessions of a login live.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sessions<'a> {
    /// In the cookie: variant (d).
    Cookie,
    /// In the store at this URL, with this revocation bound (`None`: the default): (r), (n).
    Stored(&'a str, Option<Duration>),
}

/// The login of variants (d), (r) and (n): the same configuration in the server and in the
/// coordinator (same key, same name, same store).
pub(crate) async fn login(issuer: &str, sessions: Sessions<'_>) -> Result<FeideLogin, String> {
    let provider = Provider::builder(issuer)
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .map_err(|e| format!("provider: {e}"))?;
    let mut builder = FeideLogin::builder(&provider)
        .redirect_uri(REDIRECT_URI)
        .secret_keys(SESSION_KEY)
        .scopes("openid");
    if let Sessions::Stored(url, bound) = sessions {
        let store: Arc<dyn SessionStore> =
            feide_tower::store::from_url(url).map_err(|e| e.to_string())?;
        builder = builder.session_store(store);
        if let Some(bound) = bound {
            builder = builder.revocation_bound(bound);
        }
    }
    builder.build().map_err(|e| format!("login: {e}"))
}

/// The running fake and what the load is made of.
pub(crate) struct Fixtures {
    pub(crate) fake: FakeFeide,
    /// `Authorization` value for the bearer variants.
    pub(crate) bearer: String,
    /// The JWKS document, for the peer.
    pub(crate) jwks: String,
    /// A session from a real login, to be resealed (fresh `seen`) before each round of (d).
    session: Envelope<Value>,
    codec: CookieCodec,
    cookie_name: String,
    /// The login on the Redis store (with the URL), when a stored variant is measured.
    stored: Option<(FeideLogin, String)>,
    http: reqwest::Client,
}

impl Fixtures {
    /// Starts FakeFeide, mints the token and signs in once; with `store_url`, also prepares the
    /// login on that store.
    pub(crate) async fn start(store_url: Option<String>) -> Result<Fixtures, String> {
        let fake = FakeFeide::start()
            .await
            .map_err(|e| format!("FakeFeide: {e}"))?;
        fake.register_client(FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(REDIRECT_URI));
        let bearer = format!("Bearer {}", fake.mint().sign());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let jwks = http
            .get(fake.url("/openid/jwks"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("JWKS: {e}"))?
            .text()
            .await
            .map_err(|e| format!("JWKS: {e}"))?;

        let login = login(&fake.issuer(), Sessions::Cookie).await?;
        let value = sign_in(&login, &http).await?;
        let codec = CookieCodec::login_session(
            KeyRing::from_env_value(SESSION_KEY).map_err(|e| e.to_string())?,
            login.name(),
        );
        let name = login.cookie_name().to_owned();
        let mut session: Envelope<Value> = codec
            .open_envelope(&name, &value, now(), None)
            .map_err(|e| format!("the login's session does not open: {e}"))?;
        pad(&codec, &name, &mut session, SESSION_COOKIE_LEN)?;
        let stored = match store_url {
            Some(url) => Some((
                self::login(&fake.issuer(), Sessions::Stored(&url, None)).await?,
                url,
            )),
            None => None,
        };
        Ok(Fixtures {
            fake,
            bearer,
            jwks,
            session,
            codec,
            cookie_name: name,
            stored,
            http,
        })
    }

    /// The store URL, if a stored variant is measured.
    pub(crate) fn store_url(&self) -> Option<&str> {
        self.stored.as_ref().map(|(_, url)| url.as_str())
    }

    /// A `Cookie` header value with the reference of a session from a new login into the store
    /// (as a browser holds it right after signing in): its activity was written just now, so
    /// no request of a round (far shorter than the touch interval) writes to the store.
    pub(crate) async fn stored_cookie(&self) -> Result<String, String> {
        let (login, _) = self.stored.as_ref().ok_or("no session store configured")?;
        let value = sign_in(login, &self.http).await?;
        Ok(format!("{}={value}", login.cookie_name()))
    }

    /// A `Cookie` header value with the session sealed now (as a browser holds it after its
    /// last response): `seen` is fresh, so no request of a round re-issues it.
    pub(crate) fn session_cookie(&mut self) -> Result<String, String> {
        self.session.seen = now();
        let value = self
            .codec
            .reseal_envelope(&self.cookie_name, &self.session)
            .map_err(|e| e.to_string())?;
        Ok(format!("{}={value}", self.cookie_name))
    }
}

/// Runs the login flow through FakeFeide (auto-approve) with the plain functions of
/// [`FeideLogin`] and returns the session cookie's value.
async fn sign_in(login: &FeideLogin, http: &reqwest::Client) -> Result<String, String> {
    let start = login.start_login(None);
    let authorize = start.location().ok_or("no redirect to the provider")?;
    let approved = http
        .get(authorize)
        .send()
        .await
        .map_err(|e| format!("authorize: {e}"))?;
    let callback = approved
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("the provider did not redirect back")?;
    let query = callback.split_once('?').map(|(_, q)| q.to_owned());
    let mut headers = HeaderMap::new();
    let flow: Vec<&str> = start
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&flow.join("; ")).map_err(|e| e.to_string())?,
    );
    let done = login.complete_login(query.as_deref(), &headers).await;
    let prefix = format!("{}=", login.cookie_name());
    done.headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find_map(|pair| pair.strip_prefix(&prefix).filter(|v| !v.is_empty()))
        .map(str::to_owned)
        .ok_or_else(|| format!("the login did not set a session (status {})", done.status))
}

/// Grows the session with a padding claim until its sealed value is exactly `len` bytes (or as
/// close as base64 allows).
fn pad(
    codec: &CookieCodec,
    name: &str,
    session: &mut Envelope<Value>,
    len: usize,
) -> Result<(), String> {
    let sealed_len = |s: &Envelope<Value>| codec.reseal_envelope(name, s).map(|v| v.len());
    let claims = session
        .data
        .get_mut("claims")
        .and_then(Value::as_object_mut)
        .ok_or("the session has no claims object")?;
    claims.insert("load_bench_padding".into(), Value::String(String::new()));
    let base = sealed_len(session).map_err(|e| e.to_string())?;
    if base > len {
        return Err(format!("the session is already {base} bytes, over {len}"));
    }
    // Base64 turns 3 plaintext bytes into 4 characters.
    let extra = (len - base) * 3 / 4;
    if let Some(claims) = session
        .data
        .get_mut("claims")
        .and_then(Value::as_object_mut)
    {
        claims.insert(
            "load_bench_padding".into(),
            Value::String("x".repeat(extra)),
        );
    }
    let got = sealed_len(session).map_err(|e| e.to_string())?;
    if got.abs_diff(len) > 4 {
        return Err(format!("padded session is {got} bytes, wanted {len}"));
    }
    Ok(())
}

pub(crate) fn now() -> u64 {
    feide_tower::token::now().max(0) as u64
}

/// Time the fixtures stay valid: the token lives an hour; a run must end well before.
pub(crate) const MAX_RUN: Duration = Duration::from_secs(50 * 60);
