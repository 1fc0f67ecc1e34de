//! The actix app over real HTTP against FakeFeide: the bearer matrix, a login/logout round trip,
//! and a session cookie issued by the tower login layer accepted here (same key, same format).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{App, HttpServer};
use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::session::FeideSession;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide};
use serde_json::{Value, json};

const KEY: &str = "hKgT2A7awHzc3RWjqkZ8p7ISEQlzphCGLtg4dM2b/D8=";

/// Starts the actix app in its own actix system on 127.0.0.1:0; returns its base URL.
async fn start_actix(fake: &FakeFeide) -> String {
    start_actix_with(fake, &[]).await
}

/// [`start_actix`] with more environment variables.
async fn start_actix_with(fake: &FakeFeide, extra: &[(&'static str, &str)]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    fake.register_client(
        FakeClient::new("actix-app", "actix-secret")
            .redirect_uri(format!("{base}/callback"))
            .post_logout_redirect_uri(format!("{base}/")),
    );
    let mut env: HashMap<&str, String> = HashMap::from([
        ("FEIDE_ISSUER", fake.issuer()),
        ("OIDC_CLIENT_ID", "actix-app".into()),
        ("OIDC_CLIENT_SECRET", "actix-secret".into()),
        ("OIDC_REDIRECT_URI", format!("{base}/callback")),
        ("POST_LOGOUT_REDIRECT_URI", format!("{base}/")),
        ("APP_SECRET_KEY", KEY.into()),
        ("OIDC_SCOPES", "openid profile".into()),
        ("DATASOURCE_AUDIENCE", DEFAULT_DATASOURCE_AUDIENCE.into()),
        ("DATASOURCE_REQUIRED_SCOPE", "readUser".into()),
    ]);
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let configured = actix_bridge::configure(|name| env.get(name).cloned(), addr)
                .await
                .unwrap();
            let state = configured.state.clone();
            let server =
                HttpServer::new(move || App::new().configure(actix_bridge::routes(state.clone())))
                    .workers(1)
                    .listen(listener)
                    .unwrap()
                    .run();
            let _ = ready_tx.send(());
            let _ = server.await;
        });
    });
    ready_rx.await.unwrap();
    base
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    let raw = r.headers()["location"].to_str().unwrap();
    r.url().join(raw).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_matrix() {
    let fake = FakeFeide::start().await.unwrap();
    let base = start_actix(&fake).await;
    let http = reqwest::Client::new();
    let url = format!("{base}/api/me");

    let valid = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "openid readUser");
    let ok = http.get(&url).bearer_auth(&valid).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["subject"], fake.users()[0].sub.as_str());
    assert_eq!(body["claims"]["aud"], DEFAULT_DATASOURCE_AUDIENCE);

    let missing = http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(
        missing.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=")
    );
    assert!(
        !missing.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=")
    );

    let invalid = http
        .get(&url)
        .bearer_auth("not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 401);
    assert!(
        invalid.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains(r#"error="invalid_token""#)
    );
    assert_eq!(invalid.headers()["cache-control"], "no-store");
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");

    let expired = fake
        .mint()
        .claim("exp", json!(feide_tower::token::now() - 3600))
        .claim("scope", json!("readUser"))
        .sign();
    assert_eq!(
        http.get(&url)
            .bearer_auth(&expired)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let no_scope = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "openid");
    let forbidden = http.get(&url).bearer_auth(&no_scope).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    let challenge = forbidden.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#)
            && challenge.contains(r#"scope="readUser""#),
        "{challenge}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_logout_round_trip() {
    let fake = FakeFeide::start().await.unwrap();
    let base = start_actix(&fake).await;
    let browser = client();

    let me = browser
        .get(format!("{base}/me"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 302);
    assert_eq!(location(&me), format!("{base}/login?return_to=%2Fme"));
    let api = reqwest::Client::new()
        .get(format!("{base}/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401, "API callers get 401, not a redirect");

    let mut next = location(&me);
    for _ in 0..5 {
        let r = browser
            .get(&next)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        if !r.status().is_redirection() {
            break;
        }
        next = location(&r);
    }
    assert_eq!(next, format!("{base}/me"));
    let me: Value = browser
        .get(&next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], fake.users()[0].sub.as_str());
    assert_eq!(me["name"], fake.users()[0].name.as_str());

    let logout = browser.post(format!("{base}/logout")).send().await.unwrap();
    assert_eq!(logout.status(), 303);
    assert!(location(&logout).starts_with(&fake.url("/openid/endsession")));
    assert!(location(&logout).contains("id_token_hint="));
    let after = browser.get(format!("{base}/me")).send().await.unwrap();
    assert_eq!(after.status(), 401, "signed out");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_from_the_tower_layer_is_accepted_here() {
    let fake = FakeFeide::start().await.unwrap();
    let actix = start_actix(&fake).await;

    // An axum app with the tower login layer and the same key.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axum_base = format!("http://{}", listener.local_addr().unwrap());
    fake.register_client(
        FakeClient::new("axum-app", "axum-secret").redirect_uri(format!("{axum_base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client("axum-app", "axum-secret")
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{axum_base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile")
        .build()
        .unwrap();
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(|s: Option<FeideSession>| async move { format!("{}", s.is_some()) }),
        )
        .layer(login.layer());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let browser = client();
    let mut next = format!("{axum_base}/login");
    let mut session_cookie = None;
    for _ in 0..5 {
        let r = browser.get(&next).send().await.unwrap();
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            if c.starts_with("feide_session=") && !c.contains("Max-Age=0") {
                session_cookie = Some(c.split(';').next().unwrap().to_owned());
            }
        }
        if !r.status().is_redirection() {
            break;
        }
        next = location(&r);
    }
    let cookie = session_cookie.expect("the axum app issued a session");

    let me = reqwest::Client::new()
        .get(format!("{actix}/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        200,
        "the actix app opens the tower layer's cookie"
    );
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["sub"], fake.users()[0].sub.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_session_store_logout_revokes_a_copied_cookie() {
    let fake = FakeFeide::start().await.unwrap();
    let base = start_actix_with(&fake, &[("SESSION_STORE_URL", "memory")]).await;
    let browser = client();
    let mut next = format!("{base}/login?return_to=%2Fme");
    let mut cookie = None;
    for _ in 0..6 {
        let r = browser
            .get(&next)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        for set in r.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            if set.starts_with("feide_session=v1.") {
                cookie = Some(set.split(';').next().unwrap().to_owned());
            }
        }
        if !r.status().is_redirection() {
            break;
        }
        next = location(&r);
    }
    let cookie = cookie.expect("the callback set the session cookie");
    assert!(
        cookie.len() <= 200,
        "a reference, not the session: {} bytes",
        cookie.len()
    );
    let copy = |path: &'static str| {
        let cookie = cookie.clone();
        let url = format!("{base}{path}");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(copy("/me").await, 200);
    let logout = browser.post(format!("{base}/logout")).send().await.unwrap();
    assert_eq!(logout.status(), 303);
    assert_eq!(
        copy("/me").await,
        401,
        "the copied cookie is refused after logout"
    );
}

/// Signs `browser` in at the actix app; the `sub` it sees.
async fn sign_in(base: &str, browser: &reqwest::Client) -> String {
    let mut next = format!("{base}/login?return_to=%2Fme");
    for _ in 0..5 {
        let r = browser.get(&next).send().await.unwrap();
        if !r.status().is_redirection() {
            break;
        }
        next = location(&r);
    }
    let me: Value = browser
        .get(&next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["sub"].as_str().expect("signed in").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_logout_through_the_bridge() {
    let fake = FakeFeide::start().await.unwrap();
    let base = start_actix(&fake).await;
    let browser = client();
    let sub = sign_in(&base, &browser).await;
    let post = |body: String| {
        reqwest::Client::new()
            .post(format!("{base}/backchannel-logout"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": fake.issuer(), "aud": "actix-app", "iat": now, "exp": now + 120,
        "jti": "actix-jti-1", "sub": sub,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    });
    let mut wrong = claims.clone();
    wrong["aud"] = json!("another-app");
    let token = |c: &Value| {
        fake.mint()
            .claims(c.clone())
            .header_field("typ", "logout+jwt")
            .sign()
    };
    let refused = post(format!("logout_token={}", token(&wrong)))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let me = browser.get(format!("{base}/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "a refused token ends nothing");
    let accepted = post(format!("logout_token={}", token(&claims)))
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(accepted.headers()["cache-control"], "no-store");
    let me = browser.get(format!("{base}/me")).send().await.unwrap();
    assert_eq!(me.status(), 401, "the provider's logout ended the session");

    let framed = browser
        .get(format!("{base}/frontchannel-logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(framed.status(), 200);
    let csp = framed.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("frame-ancestors {}", fake.issuer())),
        "{csp}"
    );
}

/// `/healthz` and `/readyz` answer without a cookie or token (outside both middlewares), and
/// readiness follows the provider's keys: cold at start (the JWKS failing) is 503.
#[tokio::test(flavor = "multi_thread")]
async fn health_probes_answer_outside_the_middlewares() {
    let fake = FakeFeide::start().await.unwrap();
    fake.fail(
        feide_tower::testkit::Endpoint::Jwks,
        feide_tower::testkit::Failure::Status(500),
    );
    let base = start_actix(&fake).await;
    let live = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(live.json::<Value>().await.unwrap(), json!({"live": true}));
    let cold = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(cold.status(), 503);
    assert!(cold.headers().contains_key("retry-after"));
    let report: Value = cold.json().await.unwrap();
    assert_eq!(report["ready"], false);
    assert_eq!(report["checks"][0]["problem"], "cold", "{report}");
}
