// Provider-initiated logout from FakeFeide: the switches, provider sessions (`sid`), the
// back-channel POSTs received by a real HTTP receiver on 127.0.0.1, the front-channel frames of
// the signed-out page, and every hostile shape of the logout-token builder.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::testkit::{FakeClient, FakeFeide};
use serde_json::{Value, json};

use crate::common::*;

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
const OTHER_ID: &str = "other-app";
const OTHER_SECRET: &str = "other-secret";
const OTHER_REDIRECT: &str = "http://other.test/callback";

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Hit {
    method: String,
    path: String,
    content_type: Option<String>,
    body: String,
}

impl Hit {
    /// The form field `name` of the body.
    fn field(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

#[derive(Clone, Default)]
struct Shared {
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<AtomicU16>,
}

/// A tiny relying party on 127.0.0.1 that records every request and answers with a settable
/// status (200 by default) and `Cache-Control: no-store`.
struct Receiver {
    base: String,
    shared: Shared,
}

impl Receiver {
    async fn start() -> Result<Receiver, Error> {
        let shared = Shared::default();
        shared.status.store(200, Ordering::SeqCst);
        let app = Router::new().fallback(record).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { base, shared })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self) -> Vec<Hit> {
        self.shared
            .hits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }
}

async fn record(State(shared): State<Shared>, req: Request) -> impl IntoResponse {
    let (parts, body) = req.into_parts();
    let body: Bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    shared
        .hits
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Hit {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    let status = StatusCode::from_u16(shared.status.load(Ordering::SeqCst))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, "no-store".parse().expect("value"));
    (status, headers, "{\"answer\":\"recorded\"}")
}

/// Discovery's logout fields (absent ones left out).
async fn logout_fields(feide: &FakeFeide) -> Result<Value, Error> {
    let doc: Value = http()
        .get(feide.url("/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    let mut out = serde_json::Map::new();
    for name in [
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
    ] {
        if let Some(v) = doc.get(name) {
            out.insert(name.into(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

/// A full login of the test app (or `other-app`); returns the token response.
async fn login_as(feide: &FakeFeide, client: &str, seed: &str) -> Result<Value, Error> {
    let (verifier, challenge) = pkce(seed);
    let mut params = auth_params(&challenge);
    let (secret, redirect) = if client == OTHER_ID {
        params[0].1 = OTHER_ID.into();
        params[1].1 = OTHER_REDIRECT.into();
        (OTHER_SECRET, OTHER_REDIRECT)
    } else {
        (APP_SECRET, REDIRECT)
    };
    let q = authorize(feide, &params).await?;
    let code = q.get("code").ok_or("no code")?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, body) = token_basic(feide, client, secret, &form).await?;
    if status != 200 {
        return Err(format!("token endpoint answered {status}: {body}").into());
    }
    Ok(body)
}

/// The ID token of a login and its verified claims.
async fn login(feide: &FakeFeide, client: &str, seed: &str) -> Result<(String, Value), Error> {
    let body = login_as(feide, client, seed).await?;
    let id_token = body["id_token"].as_str().ok_or("no id_token")?.to_string();
    let claims = verify(feide, &id_token, client).await?;
    Ok((id_token, claims))
}

/// GET /openid/endsession with `params`.
async fn end_session(
    feide: &FakeFeide,
    params: &[(&str, &str)],
) -> Result<reqwest::Response, Error> {
    Ok(http()
        .get(feide.url("/openid/endsession"))
        .query(params)
        .send()
        .await?)
}

/// The header and claims of a compact JWT, and its signature part.
fn parts(token: &str) -> Result<(Value, Value, String), Error> {
    let mut it = token.split('.');
    let (h, c, s) = (
        it.next().ok_or("no header")?,
        it.next().ok_or("no claims")?,
        it.next().ok_or("no signature")?,
    );
    if it.next().is_some() {
        return Err("more than three parts".into());
    }
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h)?)?;
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c)?)?;
    Ok((header, claims, s.to_string()))
}

/// The `src` of every `<iframe>` of a page, HTML-unescaped.
fn iframe_srcs(page: &str) -> Vec<String> {
    page.split("<iframe src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|src| src.replace("&amp;", "&"))
        .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn off_by_default_discovery_and_id_tokens_are_unchanged() -> TestResult {
    let receiver = Receiver::start().await?;
    let feide = FakeFeide::start().await?;
    feide.register_client(app().backchannel_logout_uri(receiver.url("/bc")));
    assert_eq!(logout_fields(&feide).await?, json!({}));

    let (id_token, claims) = login(&feide, APP_ID, "off").await?;
    assert!(claims.get("sid").is_none(), "{claims}");
    let mut names: Vec<&String> = claims.as_object().ok_or("claims")?.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "aud",
            "auth_time",
            "email",
            "exp",
            "https://n.feide.no/claims/eduPersonPrincipalName",
            "iat",
            "iss",
            "jti",
            "name",
            "nonce",
            "sub",
        ]
    );
    assert!(feide.provider_sessions().is_empty());

    // Logout behaves as before: a redirect, and nothing sent.
    let resp = end_session(
        &feide,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
        ],
    )
    .await?;
    assert_eq!(resp.status(), 302);
    assert!(receiver.hits().is_empty());
    assert!(feide.backchannel_deliveries().is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_switches_advertise_themselves_in_discovery() -> TestResult {
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .start()
        .await?;
    assert_eq!(
        logout_fields(&feide).await?,
        json!({"backchannel_logout_supported": true, "backchannel_logout_session_supported": true})
    );
    feide.set_frontchannel_logout(true);
    feide.set_backchannel_logout(false);
    assert_eq!(
        logout_fields(&feide).await?,
        json!({"frontchannel_logout_supported": true, "frontchannel_logout_session_supported": true})
    );
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .frontchannel_logout(true)
        .start()
        .await?;
    assert_eq!(
        logout_fields(&feide).await?.as_object().map(|m| m.len()),
        Some(4)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_the_session_posts_a_correctly_signed_logout_token() -> TestResult {
    let receiver = Receiver::start().await?;
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .refresh_tokens(true)
        .start()
        .await?;
    feide.register_client(app().backchannel_logout_uri(receiver.url("/backchannel-logout")));

    let body = login_as(&feide, APP_ID, "bc").await?;
    let id_token = body["id_token"].as_str().ok_or("id_token")?;
    let claims = verify(&feide, id_token, APP_ID).await?;
    let sid = claims["sid"].as_str().ok_or("no sid in the ID token")?;
    assert!(sid.len() >= 32, "sid {sid:?} should be random");
    assert!(
        sid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let alice = &feide.users()[0];
    let sessions = feide.provider_sessions();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        (&*session.sid, &*session.user, &*session.sub, session.ended),
        (sid, "alice", alice.sub.as_str(), false)
    );
    assert_eq!(session.clients, [APP_ID]);
    // Refreshed ID tokens keep the session's sid.
    feide.set_refresh_id_token(Some(json!({})));
    let refresh = body["refresh_token"].as_str().ok_or("refresh_token")?;
    let (status, refreshed) = token_basic(
        &feide,
        APP_ID,
        APP_SECRET,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await?;
    assert_eq!(status, 200, "{refreshed}");
    let refreshed = verify(&feide, refreshed["id_token"].as_str().ok_or("id")?, APP_ID).await?;
    assert_eq!(refreshed["sid"], sid);
    // A second login is a second provider session.
    let (_, second) = login(&feide, APP_ID, "bc-2").await?;
    assert_ne!(second["sid"], sid);

    let before = now();
    let resp = end_session(
        &feide,
        &[
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "bye"),
        ],
    )
    .await?;
    // Without front-channel frames the redirect stays a 302; the POST was made before it.
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("http://app.test/logged-out?state=bye")
    );
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let hit = &hits[0];
    assert_eq!(hit.method, "POST");
    assert_eq!(hit.path, "/backchannel-logout");
    assert_eq!(
        hit.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let pairs: Vec<(String, String)> = form_urlencoded::parse(hit.body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(pairs.len(), 1, "only logout_token in the body");
    let token = hit.field("logout_token").ok_or("no logout_token")?;

    // Signed with the published current key, issued by the fake, for the app.
    let verified = verify(&feide, &token, APP_ID).await?;
    let (header, claims, _) = parts(&token)?;
    assert_eq!(verified, claims);
    assert_eq!(
        header,
        json!({"alg": "RS256", "typ": "logout+jwt", "kid": feide.signing_kid()})
    );
    let mut names: Vec<&String> = claims.as_object().ok_or("claims")?.keys().collect();
    names.sort();
    assert_eq!(
        names,
        ["aud", "events", "exp", "iat", "iss", "jti", "sid", "sub"]
    );
    assert_eq!(claims["iss"], feide.issuer());
    assert_eq!(claims["aud"], APP_ID);
    assert_eq!(claims["sub"], alice.sub.as_str());
    assert_eq!(claims["sid"], sid);
    assert_eq!(claims["events"], json!({ EVENT: {} }));
    let iat = claims["iat"].as_i64().ok_or("iat")?;
    assert!((before - 1..=now() + 1).contains(&iat), "iat {iat}");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 120));
    assert!(claims["jti"].as_str().ok_or("jti")?.len() >= 32);
    assert!(claims.get("nonce").is_none());

    let deliveries = feide.backchannel_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].client_id, APP_ID);
    assert_eq!(deliveries[0].sid, sid);
    assert_eq!(deliveries[0].status(), Some(200));
    assert_eq!(deliveries[0].logout_token, token);
    assert!(!format!("{:?}", deliveries[0]).contains(&token));
    let session = feide.provider_session(sid).ok_or("session")?;
    assert!(session.ended);

    // The session is over: the same hint sends nothing more; the other session is untouched.
    let resp = end_session(&feide, &[("id_token_hint", id_token)]).await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(receiver.hits().len(), 1);
    let other = feide
        .provider_session(second["sid"].as_str().ok_or("sid")?)
        .ok_or("second session")?;
    assert!(!other.ended);

    // Each delivery has its own jti.
    feide.end_provider_session(&other.sid).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 2);
    let (_, again, _) = parts(&hits[1].field("logout_token").ok_or("token")?)?;
    assert_ne!(again["jti"], claims["jti"]);
    assert_eq!(again["sid"], other.sid.as_str());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hint_for_another_user_or_without_sid_ends_nothing() -> TestResult {
    let receiver = Receiver::start().await?;
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .start()
        .await?;
    feide.register_client(app().backchannel_logout_uri(receiver.url("/bc")));
    let (_, claims) = login(&feide, APP_ID, "hint").await?;
    let sid = claims["sid"].as_str().ok_or("sid")?;
    let lying = feide
        .mint()
        .claims(json!({"iss": feide.issuer(), "aud": APP_ID, "sub": "someone-else", "sid": sid}))
        .sign();
    let no_sid = feide
        .mint()
        .claims(json!({"iss": feide.issuer(), "aud": APP_ID, "sub": claims["sub"]}))
        .sign();
    for hint in [lying, no_sid] {
        let resp = end_session(&feide, &[("id_token_hint", &hint)]).await?;
        assert_eq!(resp.status(), 200);
    }
    assert!(receiver.hits().is_empty());
    assert!(!feide.provider_session(sid).ok_or("session")?.ended);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deliveries_are_recorded_with_their_answer() -> TestResult {
    let receiver = Receiver::start().await?;
    receiver.answer(400);
    // A port with nothing listening: bind, note it, close.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}/bc", l.local_addr()?)
    };
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .start()
        .await?;
    feide.register_client(app().backchannel_logout_uri(receiver.url("/bc")));
    feide.register_client(
        FakeClient::new(OTHER_ID, OTHER_SECRET)
            .redirect_uri(OTHER_REDIRECT)
            .backchannel_logout_uri(closed),
    );
    feide.set_login_session(Some("shared-session"));
    let (_, a) = login(&feide, APP_ID, "fail-a").await?;
    let (_, b) = login(&feide, OTHER_ID, "fail-b").await?;
    assert_eq!(
        (a["sid"].as_str(), b["sid"].as_str()),
        (Some("shared-session"), Some("shared-session"))
    );

    let deliveries = feide.end_provider_session("shared-session").await;
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].client_id, APP_ID);
    assert_eq!(deliveries[0].status(), Some(400));
    let answer = deliveries[0].result.as_ref().map_err(|e| e.clone())?;
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.json(), Some(json!({"answer": "recorded"})));
    assert_eq!(deliveries[1].client_id, OTHER_ID);
    assert_eq!(deliveries[1].status(), None);
    assert!(deliveries[1].result.is_err());
    assert_eq!(feide.backchannel_deliveries().len(), 2);

    // A client that accepts but never answers fails after the timeout, not after 5 s.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let silent_uri = format!("http://{}/bc", silent.local_addr()?);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    feide.register_client(
        FakeClient::new(OTHER_ID, OTHER_SECRET)
            .redirect_uri(OTHER_REDIRECT)
            .backchannel_logout_uri(silent_uri),
    );
    feide.set_backchannel_timeout(std::time::Duration::from_millis(300));
    feide.set_login_session(None);
    login(&feide, OTHER_ID, "fail-c").await?;
    let sid = feide.provider_sessions()[1].sid.clone();
    let started = std::time::Instant::now();
    let deliveries = feide.end_provider_session(&sid).await;
    let took = started.elapsed();
    assert_eq!(deliveries.len(), 1);
    let error = deliveries[0].result.as_ref().err().ok_or("answered")?;
    assert!(error.contains("no answer"), "{error}");
    assert!(
        took >= std::time::Duration::from_millis(300) && took < std::time::Duration::from_secs(3),
        "{took:?}"
    );

    // Only loopback http:// is ever called.
    let token = feide.logout_token(APP_ID).sign();
    for uri in ["https://127.0.0.1:1/bc", "http://192.0.2.1/bc", "not a uri"] {
        let error = feide
            .send_backchannel_logout(uri, &token)
            .await
            .err()
            .ok_or(format!("{uri} was called"))?;
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::InvalidInput,
            "{uri}: {error}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_signed_out_page_frames_each_clients_frontchannel_url() -> TestResult {
    let receiver = Receiver::start().await?;
    let feide = FakeFeide::builder()
        .frontchannel_logout(true)
        .start()
        .await?;
    feide.register_client(
        app()
            .frontchannel_logout_uri("http://app.test/frontchannel-logout")
            .backchannel_logout_uri(receiver.url("/bc")),
    );
    feide.register_client(
        FakeClient::new(OTHER_ID, OTHER_SECRET)
            .redirect_uri(OTHER_REDIRECT)
            .frontchannel_logout_uri("http://other.test/fc?tenant=a b"),
    );
    feide.set_login_session(Some("s-1"));
    let (id_token, claims) = login(&feide, APP_ID, "fc-a").await?;
    login(&feide, OTHER_ID, "fc-b").await?;
    assert_eq!(claims["sid"], "s-1");
    let iss = form_urlencoded::byte_serialize(feide.issuer().as_bytes()).collect::<String>();
    let expected = vec![
        format!("http://app.test/frontchannel-logout?iss={iss}&sid=s-1"),
        format!("http://other.test/fc?tenant=a b&iss={iss}&sid=s-1"),
    ];
    assert_eq!(feide.frontchannel_logout_urls("s-1"), expected);

    let resp = end_session(&feide, &[("id_token_hint", &id_token)]).await?;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await?;
    assert!(page.contains("You are signed out"));
    assert_eq!(iframe_srcs(&page), expected);
    // Back-channel is off: nothing was POSTed although a URI is registered.
    assert!(receiver.hits().is_empty());
    assert!(feide.provider_session("s-1").ok_or("session")?.ended);

    // With a post_logout_redirect_uri the page frames first, then continues there.
    feide.set_login_session(None);
    let (id_token, claims) = login(&feide, APP_ID, "fc-c").await?;
    let sid = claims["sid"].as_str().ok_or("sid")?;
    let resp = end_session(
        &feide,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "s&t"),
        ],
    )
    .await?;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await?;
    assert_eq!(
        iframe_srcs(&page),
        [format!(
            "http://app.test/frontchannel-logout?iss={iss}&sid={sid}"
        )]
    );
    assert!(page.contains("href=\"http://app.test/logged-out?state=s%26t\""));
    assert!(page.contains("location.replace(\"http://app.test/logged-out?state=s%26t\")"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_end_at_the_provider_without_a_browser() -> TestResult {
    let receiver = Receiver::start().await?;
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .start()
        .await?;
    feide.register_client(app().backchannel_logout_uri(receiver.url("/bc")));
    let (_, a1) = login(&feide, APP_ID, "u-a1").await?;
    let (_, a2) = login(&feide, APP_ID, "u-a2").await?;
    feide.set_next_user(Some("bob"));
    let (_, b) = login(&feide, APP_ID, "u-b").await?;
    let deliveries = feide.end_user_sessions("alice").await;
    let sids: Vec<&str> = deliveries.iter().map(|d| d.sid.as_str()).collect();
    assert_eq!(
        sids,
        [
            a1["sid"].as_str().ok_or("a1")?,
            a2["sid"].as_str().ok_or("a2")?
        ]
    );
    assert!(deliveries.iter().all(|d| d.status() == Some(200)));
    assert_eq!(receiver.hits().len(), 2);
    let bob = feide
        .provider_session(b["sid"].as_str().ok_or("b")?)
        .ok_or("bob")?;
    assert!(!bob.ended);
    // Ending an ended or unknown session does nothing.
    assert!(
        feide
            .end_provider_session(&deliveries[0].sid)
            .await
            .is_empty()
    );
    assert!(feide.end_provider_session("nope").await.is_empty());
    assert_eq!(receiver.hits().len(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn send_backchannel_logout_posts_any_token() -> TestResult {
    let receiver = Receiver::start().await?;
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .start()
        .await?;
    let (_, claims) = {
        feide.register_client(app());
        login(&feide, APP_ID, "send").await?
    };
    // The default token is about the client's newest live session.
    let token = feide.logout_token(APP_ID).sign();
    let (_, c, _) = parts(&token)?;
    assert_eq!((&c["sid"], &c["sub"]), (&claims["sid"], &claims["sub"]));
    let status = feide
        .send_backchannel_logout(&receiver.url("/direct?x=1"), &token)
        .await?;
    assert_eq!(status, 200);
    let hits = receiver.hits();
    assert_eq!(hits[0].path, "/direct");
    assert_eq!(hits[0].field("logout_token"), Some(token));
    receiver.answer(400);
    let answer = feide
        .backchannel_logout_response(&receiver.url("/direct"), "garbage")
        .await?;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    // Direct sends are not deliveries of an ended session.
    assert!(feide.backchannel_deliveries().is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn each_hostile_builder_switch_makes_the_shape_it_names() -> TestResult {
    let feide = FakeFeide::builder()
        .backchannel_logout(true)
        .start()
        .await?;
    feide.register_client(app());
    let (_, id_claims) = login(&feide, APP_ID, "hostile").await?;
    let session = feide.provider_sessions()[0].clone();
    let base = || feide.logout_token(APP_ID).session(&session);
    let valid = base().sign();
    let (vh, vc, vs) = parts(&valid)?;
    assert_eq!(verify(&feide, &valid, APP_ID).await?, vc);
    assert_eq!(vc["sid"], id_claims["sid"]);
    assert_eq!(vh["typ"], "logout+jwt");

    // Claim switches: (token, claim, expected value or Null for absent).
    let claim_cases: Vec<(String, &str, Value)> = vec![
        (base().sub("mallory").sign(), "sub", json!("mallory")),
        (base().no_sub().sign(), "sub", Value::Null),
        (base().sid("other-sid").sign(), "sid", json!("other-sid")),
        (base().no_sid().sign(), "sid", Value::Null),
        (
            base().audience("someone-else").sign(),
            "aud",
            json!("someone-else"),
        ),
        (
            base().audience(vec![APP_ID, "x"]).sign(),
            "aud",
            json!([APP_ID, "x"]),
        ),
        (
            base().issuer("https://evil.example").sign(),
            "iss",
            json!("https://evil.example"),
        ),
        (base().jti("fixed").sign(), "jti", json!("fixed")),
        (base().no_jti().sign(), "jti", Value::Null),
        (base().nonce("n-1").sign(), "nonce", json!("n-1")),
        (base().no_events().sign(), "events", Value::Null),
        (
            base().events(json!({"other": {}})).sign(),
            "events",
            json!({"other": {}}),
        ),
        (base().iat(1).sign(), "iat", json!(1)),
        (base().no_iat().sign(), "iat", Value::Null),
        (base().exp(2).sign(), "exp", json!(2)),
        (base().no_exp().sign(), "exp", Value::Null),
        (base().claim("extra", true).sign(), "extra", json!(true)),
        (
            base().user(&feide.users()[1]).sign(),
            "sub",
            json!(feide.users()[1].sub),
        ),
    ];
    for (token, name, expected) in claim_cases {
        let (header, claims, _) = parts(&token)?;
        assert_eq!(header, vh, "{name}: header unchanged");
        assert_eq!(
            claims.get(name).cloned().unwrap_or(Value::Null),
            expected,
            "{name}"
        );
        // Everything else is as in the valid token (times and jti are fresh for each token).
        let mut rest = claims.as_object().ok_or("claims")?.clone();
        let mut valid_rest = vc.as_object().ok_or("claims")?.clone();
        for map in [&mut rest, &mut valid_rest] {
            for fresh in [name, "jti", "iat", "exp"] {
                map.remove(fresh);
            }
        }
        assert_eq!(rest, valid_rest, "{name}: other claims unchanged");
        assert_eq!(token.split('.').count(), 3);
    }
    // Unique jti by default, fixed when asked.
    let (_, other, _) = parts(&base().sign())?;
    assert_ne!(other["jti"], vc["jti"]);
    let (_, r1, _) = parts(&base().jti("same").sign())?;
    let (_, r2, _) = parts(&base().jti("same").sign())?;
    assert_eq!(r1["jti"], r2["jti"]);

    // Header switches.
    let (h, _, _) = parts(&base().typ(None).sign())?;
    assert!(h.get("typ").is_none());
    let (h, _, _) = parts(&base().typ(Some("JWT")).sign())?;
    assert_eq!(h["typ"], "JWT");
    let (h, _, _) = parts(&base().kid(None).sign())?;
    assert!(h.get("kid").is_none());
    let (h, _, _) = parts(&base().header_field("crit", json!(["exp"])).sign())?;
    assert_eq!(h["crit"], json!(["exp"]));

    // Signature switches: the right shape, a signature no trusted key verifies.
    let forged = base().bad_signature().sign();
    let (fh, fc, fs) = parts(&forged)?;
    assert_eq!((&fh, &fc["sid"], &fc["sub"]), (&vh, &vc["sid"], &vc["sub"]));
    assert_eq!(fs.len(), vs.len());
    assert!(verify(&feide, &forged, APP_ID).await.is_err());
    let (nh, nc, ns) = parts(&base().alg_none().sign())?;
    assert_eq!(nh["alg"], "none");
    assert_eq!(ns, "");
    assert_eq!(nc["sid"], vc["sid"]);
    // Signed by a key the JWKS does not publish (verify looks the kid up in the JWKS).
    let (kh, _, _) = parts(&base().key("fake-rsa-2").sign())?;
    assert_eq!(kh["kid"], "fake-rsa-2");
    assert!(
        verify(&feide, &base().key("fake-rsa-2").sign(), APP_ID)
            .await
            .is_err()
    );
    let (eh, _, _) = parts(&base().key("fake-ec-1").sign())?;
    assert_eq!(
        (eh["alg"].as_str(), eh["kid"].as_str()),
        (Some("ES256"), Some("fake-ec-1"))
    );
    Ok(())
}
