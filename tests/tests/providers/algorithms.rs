//! ID-token and access-token algorithms from the provider's discovery (issue 17): an ES256-only
//! and an EdDSA-only provider work with default settings, for login, back-channel logout and
//! the bearer layer; an explicit allow-list still overrides; `none` and HMAC are never taken
//! from discovery. Over real HTTP against FakeFeide.

use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::login::{FeideLogin, FeideLoginBuilder};
use feide_tower::session::FeideSession;
use feide_tower::testkit::{
    DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide, FakeFeideBuilder, SigningAlgorithm,
};
use feide_tower::token::Algorithm;
use integration_tests::browser::{Browser, location};
use integration_tests::logs::{capture_logs, logs};
use integration_tests::{bind, serve_axum};
use serde_json::Value;

const KEY: &str = "q0rJ4cSL3Cq0F8r2Vf1bBo7vUWcx9kq0o2yJfVb1m4Y=";
const CLIENT_ID: &str = "algs-app";
const CLIENT_SECRET: &str = "algs-app-secret";

struct App {
    fake: FakeFeide,
    base: String,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// FakeFeide built by `fake`, and an axum app with a login configured by `configure` (`/me`
/// needs a session) and a bearer layer with default settings (`/api`).
async fn start(
    fake: FakeFeideBuilder,
    configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder,
) -> App {
    capture_logs();
    let fake = fake.start().await.unwrap();
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET)
            .redirect_uri(format!("{base}/callback"))
            .post_logout_redirect_uri(format!("{base}/signed-out"))
            .backchannel_logout_uri(format!("{base}/backchannel-logout")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let login = configure(
        FeideLogin::builder(&provider)
            .redirect_uri(format!("{base}/callback"))
            .post_logout_redirect_uri(format!("{base}/signed-out"))
            .secret_keys(KEY),
    )
    .build()
    .unwrap();
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .unwrap();
    let router = Router::new()
        .route(
            "/me",
            get(|s: FeideSession| async move { s.sub().to_owned() })
                .route_layer(login.require_login()),
        )
        .route("/api", get(|| async { "api" }).layer(bearer))
        .route("/signed-out", get(|| async { "signed out" }))
        .layer(login.layer());
    serve_axum(listener, router);
    App { fake, base }
}

fn only(algorithm: SigningAlgorithm) -> FakeFeideBuilder {
    FakeFeide::builder().signing_algorithm(algorithm)
}

/// `GET /me` signed out: through the login at the fake, back to `/me` or to an error page.
async fn sign_in(browser: &Browser, app: &App) -> reqwest::Response {
    browser.visit(&app.url("/me")).await.1
}

/// The header of the ID token the app sends as `id_token_hint` when signing out.
async fn id_token_header_at_logout(browser: &Browser, app: &App) -> Value {
    let logout = browser.post(&app.url("/logout")).await;
    assert_eq!(logout.status(), 303);
    let end_session = url::Url::parse(&location(&logout)).unwrap();
    let hint = end_session
        .query_pairs()
        .find(|(k, _)| k == "id_token_hint")
        .map(|(_, v)| v.into_owned())
        .expect("id_token_hint");
    let header = hint.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

async fn signs_in_with_defaults(algorithm: SigningAlgorithm, kid: &str) {
    let app = start(only(algorithm), |b| b).await;
    let discovery: Value = reqwest::get(app.fake.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        serde_json::json!([algorithm.as_str()])
    );
    let browser = Browser::new();
    let me = sign_in(&browser, &app).await;
    assert_eq!(me.status(), 200, "{algorithm:?}");
    assert_eq!(me.url().as_str(), app.url("/me"));
    assert!(!me.text().await.unwrap().is_empty());
    let logs = logs();
    let chosen = logs
        .lines()
        .find(|l| l.contains("login: ID token algorithms") && l.contains(&app.fake.issuer()))
        .unwrap_or_else(|| panic!("the chosen list is logged at build:\n{logs}"));
    assert!(
        chosen.contains(&format!("algorithms={}", algorithm.as_str()))
            && chosen.contains("source=\"provider discovery\""),
        "{chosen}"
    );
    let header = id_token_header_at_logout(&browser, &app).await;
    assert_eq!(header["alg"], algorithm.as_str());
    assert_eq!(header["kid"], kid);
}

#[tokio::test]
async fn an_es256_only_provider_signs_in_with_default_settings() {
    signs_in_with_defaults(SigningAlgorithm::Es256, "fake-ec-1").await;
}

#[tokio::test]
async fn an_eddsa_only_provider_signs_in_with_default_settings() {
    signs_in_with_defaults(SigningAlgorithm::EdDsa, "fake-ed-1").await;
}

#[tokio::test]
async fn an_explicit_allow_list_overrides_discovery() {
    let app = start(only(SigningAlgorithm::Es256), |b| {
        b.id_token_algorithms(&[Algorithm::RS256])
    })
    .await;
    let page = sign_in(&Browser::new(), &app).await;
    assert_eq!(page.status(), 502);
    assert!(page.url().as_str().starts_with(&app.url("/callback?")));
    let body = page.text().await.unwrap();
    assert!(body.contains("Sign-in unavailable"), "{body}");
    let logs = logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("login: ID token algorithms")
                && l.contains(&app.fake.issuer())
                && l.contains("algorithms=RS256")
                && l.contains("source=\"configured\"")),
        "{logs}"
    );
    assert!(
        logs.lines().any(|l| l.contains("login callback failed")
            && l.contains("reason=\"invalid_id_token\"")
            && l.contains("the token's algorithm is not allowed")),
        "the log names the reason:\n{logs}"
    );
}

#[tokio::test]
async fn none_and_hmac_in_discovery_leave_rs256_only() {
    let app = start(
        FakeFeide::builder().id_token_signing_alg_values(&["none", "HS256", "RS256"]),
        |b| b,
    )
    .await;
    assert!(
        logs()
            .lines()
            .any(|l| l.contains("login: ID token algorithms")
                && l.contains(&app.fake.issuer())
                && l.contains("algorithms=RS256 ")),
        "RS256 only"
    );
    // An ID token MACed with the client secret, as an HS256 provider sends: refused.
    app.fake.set_hs256_id_tokens(true);
    let page = sign_in(&Browser::new(), &app).await;
    assert_eq!(page.status(), 502);
    assert!(page.text().await.unwrap().contains("Sign-in unavailable"));
    // The same provider's RS256 ID tokens: accepted.
    app.fake.set_hs256_id_tokens(false);
    let me = sign_in(&Browser::new(), &app).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.url().as_str(), app.url("/me"));
}

#[tokio::test]
async fn the_bearer_layer_takes_the_providers_algorithms_by_default() {
    for (algorithm, foreign_kid) in [
        (SigningAlgorithm::Es256, "fake-rsa-1"),
        (SigningAlgorithm::EdDsa, "fake-ec-1"),
    ] {
        let app = start(only(algorithm), |b| b).await;
        let api = |token: String| {
            let url = app.url("/api");
            async move {
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let token = app
            .fake
            .access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "openid");
        let alg = serde_json::from_slice::<Value>(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap()["alg"]
            .clone();
        assert_eq!(alg, algorithm.as_str());
        assert_eq!(api(token).await, 200, "{algorithm:?}");
        // A token in an algorithm the provider does not advertise: refused, even from a
        // key the fake holds (it is not published, and its algorithm is not allowed).
        let foreign = app.fake.mint().key(foreign_kid).sign();
        assert_eq!(api(foreign).await, 401, "{algorithm:?}");
    }
}

#[tokio::test]
async fn back_channel_logout_tokens_of_an_eddsa_only_provider_are_accepted() {
    let app = start(
        only(SigningAlgorithm::EdDsa).backchannel_logout(true),
        |b| b,
    )
    .await;
    let browser = Browser::new();
    assert_eq!(sign_in(&browser, &app).await.status(), 200);
    let sessions = app.fake.provider_sessions();
    assert_eq!(sessions.len(), 1);
    let deliveries = app.fake.end_provider_session(&sessions[0].sid).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(
        deliveries[0].status(),
        Some(200),
        "the EdDSA logout token is verified with the login's resolved list"
    );
    let me = browser.get(&app.url("/me")).await;
    assert_eq!(me.status(), 302, "the session ended: sent to sign in again");
}
