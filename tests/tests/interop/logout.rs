//! Provider-initiated logout (issue 16) with the certified provider: the user's session ends AT
//! THE PROVIDER (its end-session page, or an administrator's control call), and the provider's
//! own OpenID Connect Back-Channel Logout 1.0 call (oidc-provider's `Client#backchannelLogout`)
//! ends the app's session: on every instance sharing a Redis session store, in a real browser,
//! and with cookie sessions through the in-process revocation list. The app's cookie stays in
//! the client throughout (the app's own `/logout` never runs): the same cookie is refused
//! afterwards. Another user's session stays alive.
//!
//! Every app is wrapped by [`Received`], which notes each `POST /backchannel-logout` the provider
//! made (the logout token's decoded header and claims, and the app's answer), so a test shows
//! what the provider sent even where the app's answer is wrong.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, COOKIE};
use http::{HeaderValue, Method};
use integration_tests::redis::RedisServer;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::apps::{ALICE, BOB, LOGIN_CLIENT_ID, LoginApp, bind_app, sign_in};
use crate::browser::drive_with;
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

/// The member of `events` that makes a JWT a logout token.
const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How long every instance may take to refuse an ended session. The library's bound (a
/// replica's near-cache of a stored session) is one second; this only bounds a test that would
/// otherwise wait forever.
const REVOCATION_DEADLINE: Duration = Duration::from_secs(10);

/// One back-channel logout request as the app received it, and what the app answered.
#[derive(Clone)]
struct Notification {
    content_type: String,
    /// The names of the form fields.
    fields: Vec<String>,
    /// The logout token's JOSE header and claims (decoded, not verified; `Null` if unreadable).
    header: Value,
    claims: Value,
    /// The token itself, to replay it; never printed.
    token: Option<String>,
    status: u16,
    cache_control: Option<String>,
}

impl std::fmt::Debug for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notification")
            .field("content_type", &self.content_type)
            .field("fields", &self.fields)
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("status", &self.status)
            .field("cache_control", &self.cache_control)
            .finish_non_exhaustive()
    }
}

/// The back-channel logout requests one app instance received.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Notification>>>);

impl Received {
    /// A wrapper for [`LoginApp::start_with`] that records into `self`.
    fn wrap(&self) -> impl FnOnce(Router) -> Router + use<> {
        let received = self.clone();
        move |app| {
            app.layer(axum::middleware::from_fn(
                move |request: Request, next: Next| {
                    let received = received.clone();
                    async move { received.record(request, next).await }
                },
            ))
        }
    }

    async fn record(&self, request: Request, next: Next) -> Response {
        if request.method() != Method::POST || request.uri().path() != "/backchannel-logout" {
            return next.run(request).await;
        }
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap_or_default();
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        let token = fields
            .iter()
            .find(|(name, _)| name == "logout_token")
            .map(|(_, value)| value.clone());
        let part = |i| token.as_deref().map_or(Value::Null, |t| decode_part(t, i));
        let (header, claims) = (part(0), part(1));
        let response = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        let notification = Notification {
            content_type,
            fields: fields.into_iter().map(|(name, _)| name).collect(),
            header,
            claims,
            token,
            status: response.status().as_u16(),
            cache_control: response
                .headers()
                .get(CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        eprintln!("the app received a back-channel logout: {notification:?}");
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(notification);
        response
    }

    fn all(&self) -> Vec<Notification> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The JSON of a JWT's header or payload, `Null` when it is not one (never panics: this runs in
/// the app's request path).
fn decode_part(token: &str, part: usize) -> Value {
    use base64::Engine as _;
    token
        .split('.')
        .nth(part)
        .and_then(|segment| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(segment)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// A cookie-less client: requests carry exactly the `Cookie` header a test gives them.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("HTTP client")
}

/// The `Cookie` header `web` sends to the app at `base` (panics when it holds none).
fn cookie_of(web: &Web, base: &str) -> HeaderValue {
    web.cookie_headers(base)
        .get(COOKIE)
        .cloned()
        .unwrap_or_else(|| panic!("the client holds no cookie for {base}"))
}

/// `GET base/me` as an API caller with exactly `cookie`: the status and the JSON body.
async fn me_with(http: &reqwest::Client, base: &str, cookie: &HeaderValue) -> (u16, Value) {
    let response = http
        .get(format!("{base}/me"))
        .header(ACCEPT, "application/json")
        .header(COOKIE, cookie.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {base}/me: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asserts `cookie` is a live session of `sub` on every app.
async fn assert_signed_in(
    http: &reqwest::Client,
    apps: &[LoginApp],
    cookie: &HeaderValue,
    sub: &str,
) {
    for (i, app) in apps.iter().enumerate() {
        let (status, me) = me_with(http, &app.base, cookie).await;
        assert_eq!(status, 200, "{sub}'s session on instance {i}: {me}");
        assert_eq!(me["sub"], sub, "instance {i}");
    }
}

/// Waits (up to [`REVOCATION_DEADLINE`] after `since`) until every app refuses `cookie` with
/// 401; returns how long after `since` each one first did. Panics, naming what `received` got,
/// when one still accepts it at the deadline.
async fn wait_until_refused(
    http: &reqwest::Client,
    apps: &[LoginApp],
    cookie: &HeaderValue,
    since: Instant,
    received: &[Received],
) -> Vec<Duration> {
    let mut refused_after = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        loop {
            let (status, me) = me_with(http, &app.base, cookie).await;
            if status == 401 {
                refused_after.push(since.elapsed());
                break;
            }
            assert_eq!(status, 200, "instance {i} answers 200 or 401: {me}");
            let notifications: Vec<_> = received.iter().map(Received::all).collect();
            assert!(
                since.elapsed() < REVOCATION_DEADLINE,
                "instance {i} still accepts the session {REVOCATION_DEADLINE:?} after the \
                 provider ended it; the apps received: {notifications:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    refused_after
}

/// Checks `n` is a logout token the provider sent for `sub`'s session `sid`, form-encoded as
/// the spec says.
fn assert_logout_token(n: &Notification, op: &Op, sub: &str, sid: &str) {
    assert_eq!(n.content_type, "application/x-www-form-urlencoded", "{n:?}");
    assert_eq!(n.fields, ["logout_token"], "{n:?}");
    assert_eq!(n.header["alg"], "RS256", "{n:?}");
    assert_eq!(n.header["typ"], "logout+jwt", "{n:?}");
    assert_eq!(n.header["kid"], op.initial_kid(), "{n:?}");
    let claims = &n.claims;
    assert_eq!(claims["iss"], op.issuer(), "{n:?}");
    let audience_ok = claims["aud"] == LOGIN_CLIENT_ID
        || claims["aud"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == LOGIN_CLIENT_ID));
    assert!(audience_ok, "aud names the login client: {n:?}");
    assert_eq!(claims["sub"], sub, "{n:?}");
    assert_eq!(claims["sid"], sid, "the ID token's sid: {n:?}");
    assert!(claims["events"][BACKCHANNEL_EVENT].is_object(), "{n:?}");
    assert!(
        claims["jti"].as_str().is_some_and(|j| !j.is_empty()),
        "{n:?}"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let iat = claims["iat"].as_u64().expect("iat");
    assert!(iat.abs_diff(now) < 60, "iat is now: {n:?}");
    assert!(claims.get("nonce").is_none(), "no nonce: {n:?}");
}

/// The `sid` of the session `cookie` holds, from the ID token claims the app keeps.
async fn sid_of(http: &reqwest::Client, app: &LoginApp, cookie: &HeaderValue) -> String {
    let (status, me) = me_with(http, &app.base, cookie).await;
    assert_eq!(status, 200, "{me}");
    me["id_token_claims"]["sid"]
        .as_str()
        .unwrap_or_else(|| panic!("the ID token carries sid once back-channel logout is on: {me}"))
        .to_owned()
}

/// The provider and `n` instances of axum-login (sharing `redis` when given), each recording
/// the back-channel requests it receives. The provider's back-channel URI is instance 0's, and
/// its logout tokens carry `sid`.
async fn start(
    artifacts: &std::path::Path,
    n: usize,
    redis: Option<&RedisServer>,
) -> (Op, Vec<LoginApp>, Vec<Received>) {
    start_with(artifacts, n, redis, true).await
}

/// [`start`], with `backchannel_logout_session_required` = `session_required`.
async fn start_with(
    artifacts: &std::path::Path,
    n: usize,
    redis: Option<&RedisServer>,
    session_required: bool,
) -> (Op, Vec<LoginApp>, Vec<Received>) {
    let mut listeners: Vec<TcpListener> = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..n {
        let (listener, base) = bind_app().await;
        listeners.push(listener);
        bases.push(base);
    }
    let backchannel_uri = format!("{}/backchannel-logout", bases[0]);
    let op = Op::start(
        artifacts,
        &op::backchannel_settings(&bases, &backchannel_uri, session_required),
    );
    let extra: Vec<(&'static str, String)> = redis
        .map(|r| vec![("SESSION_STORE_URL", r.url())])
        .unwrap_or_default();
    let mut apps = Vec::new();
    let mut received = Vec::new();
    for listener in listeners {
        let log = Received::default();
        apps.push(LoginApp::start_with(listener, &op, &extra, log.wrap()).await);
        received.push(log);
    }
    (op, apps, received)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_providers_backchannel_logout_ends_the_session_on_every_instance() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("logout-instances");
    let redis = RedisServer::start();
    let (op, apps, received) = start(&artifacts, 3, Some(&redis)).await;
    let http = bare_client();

    // Bob signs in through instance 1, then Alice through instance 0: one shared store, so each
    // session works on all three instances.
    let bob = Web::new();
    sign_in(&bob, &apps[1], &op, BOB.0).await;
    let bob_cookie = cookie_of(&bob, &apps[1].base);
    let alice = Web::new();
    sign_in(&alice, &apps[0], &op, ALICE.0).await;
    let alice_cookie = cookie_of(&alice, &apps[0].base);
    assert_signed_in(&http, &apps, &alice_cookie, ALICE.0).await;
    assert_signed_in(&http, &apps, &bob_cookie, BOB.0).await;
    let alice_sid = sid_of(&http, &apps[0], &alice_cookie).await;
    let bob_sid = sid_of(&http, &apps[0], &bob_cookie).await;
    assert_ne!(alice_sid, bob_sid, "each provider session has its own sid");

    // Alice signs out AT THE PROVIDER: its own end-session page, confirmed. The app's /logout
    // never runs and its cookie stays in Alice's client.
    let page = alice.get(&op.url("/session/end")).await;
    page.expect(
        "the provider's logout page",
        200,
        "Do you want to sign-out from",
    );
    let form = page.form("the provider's logout page", "/session/end/confirm");
    let since = Instant::now();
    let confirmed = alice.submit(&form, &[("logout", "yes")]).await;
    let confirm_took = since.elapsed();
    let done = confirmed.redirect("confirming the logout at the provider");
    assert!(
        done.as_str().starts_with(&op.url("/session/end/success")),
        "{done}"
    );
    assert_eq!(cookie_of(&alice, &apps[0].base), alice_cookie);

    // The provider's back-channel call reached instance 0 (its registered URI) before the
    // confirmation answered, with a logout token for Alice's session.
    let notifications = received[0].all();
    assert_eq!(
        notifications.len(),
        1,
        "one back-channel call: {notifications:#?}"
    );
    assert!(received[1].all().is_empty() && received[2].all().is_empty());
    let notification = &notifications[0];
    assert_logout_token(notification, &op, ALICE.0, &alice_sid);
    eprintln!(
        "the provider's confirmation took {confirm_took:?} (back-channel call included); the app answered {}",
        notification.status
    );

    // The same cookie is refused on every instance; Bob's session lives on.
    let refused_after = wait_until_refused(&http, &apps, &alice_cookie, since, &received).await;
    eprintln!("Alice's cookie refused on instances 0, 1, 2 after {refused_after:?}");
    assert_eq!(notification.status, 200, "{notification:?}");
    assert_eq!(notification.cache_control.as_deref(), Some("no-store"));
    assert_signed_in(&http, &apps, &bob_cookie, BOB.0).await;
    let (_, home) = alice.visit(&apps[2].url("/")).await;
    home.expect(
        "home after the provider's logout",
        200,
        "You are not signed in",
    );

    // The same logout token again (at another instance) is a replay: refused, as the store's
    // shared replay cache has its jti.
    let token = notification.token.clone().expect("a logout token");
    let replay = http
        .post(apps[1].url("/backchannel-logout"))
        .form(&[("logout_token", token)])
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), 400, "a replayed logout token is refused");
    let body: Value = replay.json().await.unwrap_or(Value::Null);
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_signed_in(&http, &apps, &bob_cookie, BOB.0).await;

    // The provider's session is gone too: signing in again shows its login form.
    let (_, again) = alice.visit(&apps[0].url("/login")).await;
    again.expect("signing in again", 200, "Sign-in");
    drop(op);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_is_signed_out_of_every_instance_after_signing_out_at_the_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("browser-backchannel");
    let redis = RedisServer::start();
    let (op, apps, received) = start(&artifacts, 3, Some(&redis)).await;
    let app_url = apps[0].base.clone();
    let others: Vec<String> = apps[1..].iter().map(|a| a.base.clone()).collect();
    let provider = op.issuer().to_owned();
    let (login, name) = ALICE;
    let reports = {
        let artifacts = artifacts.clone();
        tokio::task::spawn_blocking(move || {
            let mut extra = vec![provider.as_str()];
            extra.extend(others.iter().map(String::as_str));
            drive_with(
                &app_url,
                &artifacts,
                "op-backchannel",
                login,
                name,
                &extra,
                &[
                    "home-signed-out",
                    "provider-login-page",
                    "provider-consent-page",
                    "signed-in",
                    "signed-in-everywhere",
                    "provider-logout-page",
                    "provider-signed-out",
                    "signed-out-everywhere",
                    "me-asks-to-sign-in-again",
                ],
            )
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    };
    let waited = reports
        .iter()
        .find(|r| r["step"] == "signed-out-everywhere")
        .map(|r| r["waited_ms"].clone());
    eprintln!("the browser saw every instance signed out after (ms): {waited:?}");
    let notifications = received[0].all();
    assert_eq!(notifications.len(), 1, "{notifications:#?}");
    assert_eq!(notifications[0].claims["sub"], login);
    assert_eq!(notifications[0].status, 200, "{:?}", notifications[0]);
    drop(op);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_cookie_sessions_the_providers_backchannel_logout_revokes_through_the_list() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("logout-cookie-sessions");
    let (op, apps, received) = start(&artifacts, 1, None).await;
    let http = bare_client();
    let bob = Web::new();
    sign_in(&bob, &apps[0], &op, BOB.0).await;
    let bob_cookie = cookie_of(&bob, &apps[0].base);
    let alice = Web::new();
    sign_in(&alice, &apps[0], &op, ALICE.0).await;
    let alice_cookie = cookie_of(&alice, &apps[0].base);
    assert_signed_in(&http, &apps, &alice_cookie, ALICE.0).await;
    let alice_sid = sid_of(&http, &apps[0], &alice_cookie).await;

    // An administrator ends Alice's sessions at the provider (no browser involved): the
    // provider's own back-channel call, answered before the control call returns.
    let since = Instant::now();
    let ended = op.end_sessions_of(ALICE.0).await;
    eprintln!(
        "the provider ended Alice's sessions in {:?}: {ended}",
        since.elapsed()
    );
    assert_eq!(ended["sessions"], 1, "{ended}");
    assert_eq!(
        ended["notified"][0]["client_id"], LOGIN_CLIENT_ID,
        "{ended}"
    );
    let notifications = received[0].all();
    assert_eq!(notifications.len(), 1, "{notifications:#?}");
    assert_logout_token(&notifications[0], &op, ALICE.0, &alice_sid);

    // The session lives in the cookie, which still opens with the app's key: only the
    // revocation list can refuse it.
    assert!(apps[0].session(&alice).is_some(), "the cookie still opens");
    let refused_after = wait_until_refused(&http, &apps, &alice_cookie, since, &received).await;
    eprintln!("Alice's cookie refused after {refused_after:?}");
    assert_eq!(ended["notified"][0]["ok"], true, "{ended}");
    assert_signed_in(&http, &apps, &bob_cookie, BOB.0).await;
    drop(op);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_logout_token_without_sid_ends_every_session_of_the_user() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("logout-sub-only");
    let redis = RedisServer::start();
    // Without backchannel_logout_session_required the provider's logout tokens name only the
    // user: every session of that user ends, on every instance.
    let (op, apps, received) = start_with(&artifacts, 2, Some(&redis), false).await;
    let http = bare_client();
    let bob = Web::new();
    sign_in(&bob, &apps[0], &op, BOB.0).await;
    let bob_cookie = cookie_of(&bob, &apps[0].base);
    let laptop = Web::new();
    sign_in(&laptop, &apps[0], &op, ALICE.0).await;
    let laptop_cookie = cookie_of(&laptop, &apps[0].base);
    let phone = Web::new();
    sign_in(&phone, &apps[1], &op, ALICE.0).await;
    let phone_cookie = cookie_of(&phone, &apps[1].base);
    assert_ne!(laptop_cookie, phone_cookie, "two sessions of Alice");
    for cookie in [&laptop_cookie, &phone_cookie] {
        assert_signed_in(&http, &apps, cookie, ALICE.0).await;
    }

    // Alice signs out at the provider on her laptop only.
    let page = laptop.get(&op.url("/session/end")).await;
    let form = page.form("the provider's logout page", "/session/end/confirm");
    let since = Instant::now();
    let confirmed = laptop.submit(&form, &[("logout", "yes")]).await;
    confirmed.redirect("confirming the logout at the provider");
    let notifications = received[0].all();
    assert_eq!(notifications.len(), 1, "{notifications:#?}");
    let claims = &notifications[0].claims;
    assert_eq!(claims["sub"], ALICE.0, "{notifications:#?}");
    assert!(claims.get("sid").is_none(), "no sid: {notifications:#?}");

    // Both of Alice's sessions end everywhere; Bob's lives on.
    for cookie in [&laptop_cookie, &phone_cookie] {
        let after = wait_until_refused(&http, &apps, cookie, since, &received).await;
        eprintln!("a session of Alice refused on instances 0, 1 after {after:?}");
    }
    assert_eq!(notifications[0].status, 200, "{:?}", notifications[0]);
    assert_signed_in(&http, &apps, &bob_cookie, BOB.0).await;
    drop(op);
}
