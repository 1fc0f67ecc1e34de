//! Shared set-up of the benches: a FakeFeide, a provider, a signed-in session.
#![allow(dead_code)] // each bench uses a part

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::Criterion;
use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::session::KeyRing;
use feide_tower::session::cookie::{CookieCodec, Envelope};
use feide_tower_testkit::{FakeClient, FakeFeide};
use http::header::{COOKIE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

pub const CLIENT_ID: &str = "bench-app";
pub const CLIENT_SECRET: &str = "bench-app-secret";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
pub const SESSION_KEY: &str = "y50aDDuZ2Udu8iAlkeIkSeTYakgx8TUQj6T8AsT1YwM=";

/// Short runs: the figures are stable to a few percent within 2 s on this machine.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// A runtime for the FakeFeide and provider set-up (and their background tasks).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Polls a future that completes without waiting (a key-cache hit, a token-cache hit): no
/// executor in the measurement.
pub fn now_or_never<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the benchmarked future had to wait"),
    }
}

/// The login used by the session benches.
pub async fn login(fake: &FakeFeide) -> FeideLogin {
    fake.register_client(FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(REDIRECT_URI));
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .expect("provider");
    FeideLogin::builder(&provider)
        .redirect_uri(REDIRECT_URI)
        .secret_keys(SESSION_KEY)
        .build()
        .expect("login")
}

/// Signs in through FakeFeide with the plain functions of the login and returns the session
/// cookie's value.
pub async fn sign_in(login: &FeideLogin) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let start = login.start_login(None);
    let approved = http
        .get(start.location().expect("redirect"))
        .send()
        .await
        .expect("authorize");
    let callback = approved.headers()[LOCATION].to_str().expect("location");
    let query = callback.split_once('?').map(|(_, q)| q.to_owned());
    let flow: Vec<&str> = start
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&flow.join("; ")).expect("cookie"),
    );
    let done = login.complete_login(query.as_deref(), &headers).await;
    let prefix = format!("{}=", login.cookie_name());
    done.headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find_map(|pair| pair.strip_prefix(&prefix).filter(|v| !v.is_empty()))
        .expect("a session cookie")
        .to_owned()
}

/// The session codec of [`login`].
pub fn codec() -> CookieCodec {
    CookieCodec::login_session(
        KeyRing::from_env_value(SESSION_KEY).expect("key"),
        feide_tower::login::DEFAULT_LOGIN_NAME,
    )
}

/// `session` (from [`sign_in`]) resealed now with a padding claim so that the value is `len`
/// bytes long (± base64 rounding). Below the size of a real login's session, the userinfo and
/// the ID token's copy are dropped first (a login without userinfo, with a short ID token).
pub fn session_of_len(codec: &CookieCodec, name: &str, value: &str, len: usize) -> String {
    let now = feide_tower::token::now() as u64;
    let mut session: Envelope<Value> = codec.open_envelope(name, value, now, None).expect("open");
    session.seen = now;
    let seal = |session: &mut Envelope<Value>, padding: usize| {
        session.data["claims"]["bench_padding"] = Value::String("x".repeat(padding));
        codec.reseal_envelope(name, session).expect("seal")
    };
    if seal(&mut session, 0).len() > len
        && let Some(data) = session.data.as_object_mut()
    {
        data.remove("userinfo");
        data.insert("id_token".into(), Value::String("e30.e30.sig".into()));
    }
    let base = seal(&mut session, 0).len();
    assert!(base <= len, "the session is already {base} bytes");
    seal(&mut session, (len - base) * 3 / 4)
}
