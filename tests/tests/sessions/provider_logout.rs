//! Provider-initiated logout (issue 16) over real HTTP: the provider's back-channel logout
//! token and its front-channel page end sessions on every instance, and nothing else.

use std::sync::Arc;
use std::time::Duration;

use feide_tower::store::SessionStore;
use feide_tower::testkit::FakeFeide;
use integration_tests::eventually;
use serde_json::{Value, json};

use crate::harness::{BOUND, Browser, Options, Replicas, me, sign_in, start_with};

/// The back-channel logout event.
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Seconds since the epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The claims of a valid logout token for `client_id` about `sub` (and `sid`, if given).
pub fn logout_claims(fake: &FakeFeide, client_id: &str, sub: &str, sid: Option<&str>) -> Value {
    let mut claims = json!({
        "iss": fake.issuer(),
        "aud": client_id,
        "iat": now(),
        "exp": now() + 120,
        "jti": format!("jti-{}", rand_suffix()),
        "events": { EVENT: {} },
        "sub": sub,
    });
    if let Some(sid) = sid {
        claims["sid"] = json!(sid);
    }
    claims
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", now(), N.fetch_add(1, Ordering::Relaxed))
}

/// `claims` signed by the fake's current key, typed `logout+jwt`.
pub fn signed(fake: &FakeFeide, claims: &Value) -> String {
    fake.mint()
        .claims(claims.clone())
        .header_field("typ", "logout+jwt")
        .sign()
}

/// POSTs `body` (form-encoded) to `instance`'s back-channel path: status, `Cache-Control`
/// and the body as JSON (`Null` when empty).
pub async fn post_form(replicas: &Replicas, instance: usize, body: &str) -> (u16, String, Value) {
    let response = reqwest::Client::new()
        .post(replicas.url(instance, "/backchannel-logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("the instance answers");
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, cache, json)
}

/// POSTs `token` as `logout_token`.
pub async fn post_token(replicas: &Replicas, instance: usize, token: &str) -> (u16, String, Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("logout_token", token)
        .finish();
    post_form(replicas, instance, &body).await
}

/// The `sub` the app sees for `browser` on instance 0.
async fn sub_of(replicas: &Replicas, browser: &Browser) -> String {
    let (status, body) = me(replicas, browser, 0).await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    json["sub"].as_str().unwrap().to_owned()
}

/// Every instance answers `browser`'s `/me` with `status` (within the revocation bound).
async fn everywhere(replicas: &Replicas, browser: &Browser, status: u16) -> bool {
    let instances = replicas.bases.len();
    eventually(BOUND * 5, || async {
        for instance in 0..instances {
            if me(replicas, browser, instance).await.0 != status {
                return false;
            }
        }
        true
    })
    .await
}

/// Instances `replicas` answer `browser`'s `/me` with `status` right now.
async fn now_everywhere(replicas: &Replicas, browser: &Browser, status: u16) {
    for instance in 0..replicas.bases.len() {
        let (got, body) = me(replicas, browser, instance).await;
        assert_eq!(got, status, "instance {instance}: {body}");
    }
}

/// A `sub`-only logout token ends every session of that user on every instance, and only
/// those; the user can sign in again afterwards.
pub async fn backchannel_sub_ends_all_of_the_users_sessions(store: Option<Arc<dyn SessionStore>>) {
    let replicas = start_with(store, Options::default()).await;
    let (alice1, alice2, bob) = (Browser::new(), Browser::new(), Browser::new());
    sign_in(&replicas, &alice1, "alice").await;
    sign_in(&replicas, &alice2, "alice").await;
    sign_in(&replicas, &bob, "bob").await;
    let sub = sub_of(&replicas, &alice1).await;
    let claims = logout_claims(&replicas.fake, crate::harness::CLIENT_ID, &sub, None);
    // On the last instance: not the one that signed them in.
    let last = replicas.bases.len() - 1;
    let (status, cache, body) = post_token(&replicas, last, &signed(&replicas.fake, &claims)).await;
    assert_eq!((status, cache.as_str()), (200, "no-store"), "{body}");
    let instances = replicas.bases.len();
    assert!(
        everywhere(&replicas, &alice1, 401).await,
        "alice's first session ended on all {instances} instances"
    );
    assert!(everywhere(&replicas, &alice2, 401).await, "and her second");
    now_everywhere(&replicas, &bob, 200).await;
    // A new sign-in after the logout is a new session.
    let again = Browser::new();
    // Sessions are compared by the second they were issued in.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sign_in(&replicas, &again, "alice").await;
    now_everywhere(&replicas, &again, 200).await;
}

/// Each malformed, misdirected or replayed logout token is refused with `400` and an OAuth
/// error, and ends nothing.
pub async fn hostile_logout_tokens_end_nothing(store: Option<Arc<dyn SessionStore>>) {
    let replicas = start_with(store, Options::default()).await;
    let fake = &replicas.fake;
    let alice = Browser::new();
    sign_in(&replicas, &alice, "alice").await;
    let sub = sub_of(&replicas, &alice).await;
    let valid = || logout_claims(fake, crate::harness::CLIENT_ID, &sub, None);
    let with = |name: &str, value: Value| {
        let mut c = valid();
        c[name] = value;
        c
    };
    let without = |name: &str| {
        let mut c = valid();
        c.as_object_mut().unwrap().remove(name);
        c
    };
    let sign = |c: &Value| signed(fake, c);
    let mut bad_signature = sign(&valid());
    // Flip a bit in the middle of the signature.
    let middle = bad_signature.len() - 20;
    let flipped = if &bad_signature[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    bad_signature.replace_range(middle..=middle, flipped);
    let cases: Vec<(&str, String)> = vec![
        ("bad signature", bad_signature),
        (
            "wrong audience",
            sign(&with("aud", json!("another-client"))),
        ),
        (
            "wrong issuer",
            sign(&with("iss", json!("https://evil.example"))),
        ),
        ("nonce present", sign(&with("nonce", json!("n-1")))),
        ("events missing", sign(&without("events"))),
        (
            "another event",
            sign(&with(
                "events",
                json!({"http://schemas.openid.net/event/other": {}}),
            )),
        ),
        (
            "event not an object",
            sign(&with("events", json!({ EVENT: true }))),
        ),
        ("jti missing", sign(&without("jti"))),
        ("iat missing", sign(&without("iat"))),
        ("iat too old", sign(&with("iat", json!(now() - 3600)))),
        ("iat in the future", sign(&with("iat", json!(now() + 3600)))),
        ("expired", sign(&with("exp", json!(now() - 3600)))),
        ("neither sid nor sub", sign(&without("sub"))),
        (
            "typed as an ID token",
            fake.mint()
                .claims(valid())
                .header_field("typ", "JWT")
                .sign(),
        ),
        (
            "HS256",
            fake.mint()
                .claims(valid())
                .header_field("alg", "HS256")
                .sign(),
        ),
        ("an ID token", {
            let mut id = valid();
            id.as_object_mut().unwrap().remove("events");
            id["nonce"] = json!("n");
            fake.mint().claims(id).sign()
        }),
        ("not a JWT", "not-a-jwt".to_owned()),
        (
            "alg none",
            fake.logout_token(crate::harness::CLIENT_ID)
                .sub(sub.clone())
                .alg_none()
                .sign(),
        ),
        (
            "ES256, outside the allow-list",
            fake.logout_token(crate::harness::CLIENT_ID)
                .sub(sub.clone())
                .key("fake-ec-1")
                .sign(),
        ),
        (
            "FakeFeide's bad signature",
            fake.logout_token(crate::harness::CLIENT_ID)
                .sub(sub.clone())
                .bad_signature()
                .sign(),
        ),
    ];
    for (case, token) in &cases {
        let (status, cache, body) = post_token(&replicas, 0, token).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert_eq!(cache, "no-store", "{case}");
        assert_eq!(body["error"], "invalid_request", "{case}: {body}");
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(!description.is_empty(), "{case}");
        assert!(
            !description.contains(token.as_str()),
            "{case}: the token is not echoed"
        );
    }
    // The body itself: not a form, no token, two tokens.
    let one = sign(&valid());
    for (case, content_type, body) in [
        (
            "json body",
            "application/json",
            format!(r#"{{"logout_token":"{one}"}}"#),
        ),
        (
            "no token",
            "application/x-www-form-urlencoded",
            "x=1".to_owned(),
        ),
        (
            "two tokens",
            "application/x-www-form-urlencoded",
            format!("logout_token={one}&logout_token={one}"),
        ),
    ] {
        let response = reqwest::Client::new()
            .post(replicas.url(0, "/backchannel-logout"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{case}");
    }
    let get = reqwest::get(replicas.url(0, "/backchannel-logout"))
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    // A replayed token: accepted once (it ends carol's sessions, of which there are none),
    // then refused, on the same instance and on another.
    let carol = logout_claims(fake, crate::harness::CLIENT_ID, "carol-sub", None);
    let token = sign(&carol);
    assert_eq!(post_token(&replicas, 0, &token).await.0, 200);
    let (status, _, body) = post_token(&replicas, 0, &token).await;
    assert_eq!(status, 400, "replay: {body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    if replicas.shares_store() {
        let last = replicas.bases.len() - 1;
        let (status, _, body) = post_token(&replicas, last, &token).await;
        assert_eq!(status, 400, "replay on another instance: {body}");
    }
    // Nothing was revoked.
    now_everywhere(&replicas, &alice, 200).await;
}

/// `GET` of the front-channel path with `query` by `browser` on `instance`: the response.
pub async fn frontchannel(
    replicas: &Replicas,
    browser: &Browser,
    instance: usize,
    query: &str,
) -> reqwest::Response {
    browser
        .get(&format!(
            "{}{query}",
            replicas.url(instance, "/frontchannel-logout")
        ))
        .await
}

/// The front-channel page: frameable by the provider's origin only, never cached, deletes the
/// session cookie; the checks common to every answer of it.
pub fn assert_frontchannel_page(replicas: &Replicas, response: &reqwest::Response) {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .expect("a Content-Security-Policy")
        .to_str()
        .unwrap();
    let origin = replicas.fake.issuer();
    let origin = origin.trim_end_matches('/');
    assert!(
        csp.contains(&format!("frame-ancestors {origin}")),
        "framed by the provider only: {csp}"
    );
    assert!(
        headers.get("x-frame-options").is_none(),
        "no X-Frame-Options"
    );
    assert_eq!(headers["cache-control"], "no-store");
}

/// A provider that names no session: the front-channel page ends the session of the browser's
/// own cookie on every instance, deletes the cookie, and may be framed by the provider only.
/// Another user's session stays.
pub async fn frontchannel_ends_the_browsers_session(store: Option<Arc<dyn SessionStore>>) {
    let replicas = start_with(store, Options::default()).await;
    let (alice, bob) = (Browser::new(), Browser::new());
    sign_in(&replicas, &alice, "alice").await;
    sign_in(&replicas, &bob, "bob").await;
    let last = replicas.bases.len() - 1;
    let response = frontchannel(&replicas, &alice, last, "").await;
    assert_eq!(response.status(), 200);
    assert_frontchannel_page(&replicas, &response);
    let cleared = crate::harness::set_cookies(&response).into_iter().any(|c| {
        c.starts_with(&format!("{}=;", crate::harness::COOKIE)) || c.contains("Max-Age=0")
    });
    assert!(cleared, "the session cookie is deleted");
    assert!(everywhere(&replicas, &alice, 401).await, "alice signed out");
    now_everywhere(&replicas, &bob, 200).await;
    // Repeated or half parameters are refused, framed all the same, and end nothing.
    for query in ["?sid=a&sid=b", "?sid=only", "?iss=only"] {
        let response = frontchannel(&replicas, &bob, 0, query).await;
        assert_eq!(response.status(), 400, "{query}");
        assert_frontchannel_page(&replicas, &response);
    }
    let post = reqwest::Client::new()
        .post(replicas.url(0, "/frontchannel-logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    now_everywhere(&replicas, &bob, 200).await;
}

/// The provider session (`sid`) of the sign-in just made for `user`: the newest one.
fn newest_sid(replicas: &Replicas, user: &str) -> String {
    replicas
        .fake
        .provider_sessions()
        .into_iter()
        .rev()
        .find(|s| s.user == user && !s.ended)
        .expect("the sign-in made a provider session")
        .sid
}

/// The provider ends one of alice's two provider sessions: its own back-channel call ends that
/// session on every instance, and nothing else (her other session, bob's).
pub async fn backchannel_sid_ends_that_session_only(store: Option<Arc<dyn SessionStore>>) {
    let options = Options {
        provider_logout: true,
        ..Options::default()
    };
    let replicas = start_with(store, options).await;
    let (alice1, alice2, bob) = (Browser::new(), Browser::new(), Browser::new());
    sign_in(&replicas, &alice1, "alice").await;
    let sid1 = newest_sid(&replicas, "alice");
    sign_in(&replicas, &alice2, "alice").await;
    assert_ne!(
        newest_sid(&replicas, "alice"),
        sid1,
        "two provider sessions"
    );
    sign_in(&replicas, &bob, "bob").await;
    now_everywhere(&replicas, &alice1, 200).await;
    let deliveries = replicas.fake.end_provider_session(&sid1).await;
    assert_eq!(deliveries.len(), 1, "one client took part");
    assert_eq!(
        deliveries[0].status(),
        Some(200),
        "the app accepted the logout token"
    );
    assert!(
        everywhere(&replicas, &alice1, 401).await,
        "the session of that sid ended on every instance"
    );
    now_everywhere(&replicas, &alice2, 200).await;
    now_everywhere(&replicas, &bob, 200).await;
    // The same token again (a replay) is refused and ends nothing more.
    let token = &deliveries[0].logout_token;
    let last = replicas.bases.len() - 1;
    assert_eq!(post_token(&replicas, last, token).await.0, 400);
    now_everywhere(&replicas, &alice2, 200).await;
}

/// The provider's front-channel page, framed without the app's cookie (as in another site's
/// frame): `iss` + `sid` end that provider session on every instance; a wrong `iss` ends
/// nothing; and a provider that sends the parameters must send them.
pub async fn frontchannel_sid_ends_that_session(store: Option<Arc<dyn SessionStore>>) {
    let options = Options {
        provider_logout: true,
        ..Options::default()
    };
    let replicas = start_with(store, options).await;
    let (alice, bob) = (Browser::new(), Browser::new());
    sign_in(&replicas, &alice, "alice").await;
    let sid = newest_sid(&replicas, "alice");
    sign_in(&replicas, &bob, "bob").await;
    let urls = replicas.fake.frontchannel_logout_urls(&sid);
    assert_eq!(urls.len(), 1, "{urls:?}");
    let frame = Browser::new();
    // The parameters are required when the provider says it sends them.
    let bare = frame.get(&replicas.url(0, "/frontchannel-logout")).await;
    assert_eq!(bare.status(), 400);
    let wrong_iss = format!(
        "{}?iss=https%3A%2F%2Fevil.example&sid={sid}",
        replicas.url(0, "/frontchannel-logout")
    );
    let response = frame.get(&wrong_iss).await;
    assert_eq!(response.status(), 400);
    assert_frontchannel_page(&replicas, &response);
    now_everywhere(&replicas, &alice, 200).await;
    let response = frame.get(&urls[0]).await;
    assert_eq!(response.status(), 200);
    assert_frontchannel_page(&replicas, &response);
    assert!(
        everywhere(&replicas, &alice, 401).await,
        "ended on every instance, without the browser's cookie"
    );
    now_everywhere(&replicas, &bob, 200).await;
}

/// The store is unreachable when the logout token arrives: `503` + `Retry-After`, nothing is
/// lost: the provider's retry with the same token (same `jti`) is accepted once the store is
/// back, and ends the session.
pub async fn a_logout_the_store_cannot_take_is_retried(
    store: Arc<dyn SessionStore>,
    pause: impl Fn(),
    resume: impl Fn(),
) {
    let options = Options {
        provider_logout: true,
        ..Options::default()
    };
    let replicas = start_with(Some(store), options).await;
    let alice = Browser::new();
    sign_in(&replicas, &alice, "alice").await;
    let sid = newest_sid(&replicas, "alice");
    let token = replicas
        .fake
        .logout_token(crate::harness::CLIENT_ID)
        .sid(sid)
        .sign();
    pause();
    let response = reqwest::Client::new()
        .post(replicas.url(2, "/backchannel-logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("logout_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    resume();
    let (status, _, body) = post_token(&replicas, 2, &token).await;
    assert_eq!(status, 200, "the retry is accepted: {body}");
    assert!(everywhere(&replicas, &alice, 401).await);
}
