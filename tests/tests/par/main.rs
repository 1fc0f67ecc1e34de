//! Pushed Authorization Requests (RFC 9126) over real HTTP against FakeFeide: logins with PAR
//! optional and required, PAR with `private_key_jwt`, the single-use `request_uri`, error pages
//! when the PAR endpoint fails or refuses, and configuration errors.

use feide_tower::Provider;
use feide_tower::login::{FeideLogin, FeideLoginBuilder, LoginConfigError};
use feide_tower::provider::ClientKey;
use feide_tower::session::FeideSession;
use feide_tower::testkit::{Endpoint, Failure, FakeClient, FakeFeide};
use integration_tests::browser::{Browser, location, set_cookies};
use integration_tests::{bind, serve_axum};

const CLIENT_ID: &str = "par-app";
const CLIENT_SECRET: &str = "par-app-secret";
const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/client-keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct App {
    fake: FakeFeide,
    base: String,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

enum Client {
    Secret,
    Key(&'static str),
}

/// FakeFeide (set up by `fake_setup` before discovery) and an axum app behind the login layer.
async fn start(
    client: Client,
    fake_setup: impl FnOnce(&FakeFeide),
    configure: impl FnOnce(FeideLoginBuilder) -> FeideLoginBuilder,
) -> App {
    let fake = FakeFeide::start().await.unwrap();
    fake_setup(&fake);
    let (listener, base) = bind().await;
    let rsa = ClientKey::from_jwk(&fixture("rsa.jwk.json")).unwrap();
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET)
            .jwks(rsa.public_jwk())
            .redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer());
    let provider = match client {
        Client::Secret => provider.client(CLIENT_ID, CLIENT_SECRET),
        Client::Key(file) => {
            provider.client_private_key_jwt(CLIENT_ID, ClientKey::from_jwk(&fixture(file)).unwrap())
        }
    };
    let provider = provider.build().await.unwrap();
    let login = configure(
        FeideLogin::builder(&provider)
            .redirect_uri(format!("{base}/callback"))
            .secret_keys(KEY),
    )
    .build()
    .unwrap();
    let router = axum::Router::new()
        .route(
            "/me",
            axum::routing::get(|s: FeideSession| async move { format!("hello {}", s.sub()) })
                .route_layer(login.require_login()),
        )
        .layer(login.layer());
    serve_axum(listener, router);
    App { fake, base }
}

/// `/login`'s redirect must carry only `client_id` and `request_uri`; then the login completes.
async fn log_in_with_par(app: &App) -> String {
    let browser = Browser::new();
    let start = browser.get(&app.url("/login?return_to=/me")).await;
    assert_eq!(start.status(), 302);
    let authorize = location(&start);
    let url = url::Url::parse(&authorize).unwrap();
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(names, ["client_id", "request_uri"], "{authorize}");
    assert!(authorize.starts_with(&app.fake.url("/oauth/authorization?")));
    let (_, me) = browser.follow(start).await;
    assert_eq!(me.status(), 200);
    assert!(me.text().await.unwrap().starts_with("hello "));
    authorize
}

#[tokio::test]
async fn login_with_par_when_enabled() {
    let app = start(
        Client::Secret,
        |fake| fake.enable_par(true),
        |b| b.pushed_authorization_requests(true),
    )
    .await;
    let authorize = log_in_with_par(&app).await;
    assert_eq!(app.fake.pushed_requests(), 1);
    // The request_uri works once.
    let replay = Browser::new().get(&authorize).await;
    assert_eq!(replay.status(), 400, "a used request_uri is refused");
}

#[tokio::test]
async fn par_is_used_automatically_when_the_provider_requires_it() {
    let app = start(Client::Secret, |fake| fake.require_par(true), |b| b).await;
    log_in_with_par(&app).await;
    assert_eq!(app.fake.pushed_requests(), 1);
    // And the provider refuses an authorization request that was not pushed.
    let direct = Browser::new()
        .get(&app.fake.url(&format!(
            "/oauth/authorization?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&scope=openid",
            app.url("/callback")
        )))
        .await;
    assert_eq!(direct.status(), 400);
}

#[tokio::test]
async fn without_the_switch_nothing_is_pushed() {
    let app = start(Client::Secret, |fake| fake.enable_par(true), |b| b).await;
    let start = Browser::new().get(&app.url("/login")).await;
    let authorize = location(&start);
    assert!(authorize.contains("code_challenge="), "{authorize}");
    assert_eq!(app.fake.pushed_requests(), 0);
}

#[tokio::test]
async fn par_with_private_key_jwt() {
    for (file, par) in [("rsa.jwk.json", true), ("ec.jwk.json", false)] {
        let app = start(Client::Key(file), |fake| fake.require_par(true), |b| b).await;
        if par {
            log_in_with_par(&app).await;
            assert_eq!(app.fake.pushed_requests(), 1);
            assert_eq!(app.fake.token_requests()[0].auth_method, "private_key_jwt");
        } else {
            // The EC key is not registered for this client: the PAR endpoint answers
            // invalid_client, and the user gets a login failure page (no flow cookie).
            let response = Browser::new().get(&app.url("/login")).await;
            assert_eq!(response.status(), 502);
            assert!(set_cookies(&response).iter().all(|c| !c.contains("flow")));
            let body = response.text().await.unwrap();
            assert!(body.contains("Sign-in failed"), "{body}");
            assert_eq!(app.fake.pushed_requests(), 0);
        }
    }
}

#[tokio::test]
async fn an_unavailable_par_endpoint_gives_a_503_page() {
    let app = start(
        Client::Secret,
        |fake| fake.enable_par(true),
        |b| b.pushed_authorization_requests(true),
    )
    .await;
    app.fake.fail(Endpoint::Par, Failure::Status(500));
    let response = Browser::new().get(&app.url("/login")).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(set_cookies(&response).is_empty(), "no flow cookie");
    let body = response.text().await.unwrap();
    assert!(body.contains("Sign-in unavailable"), "{body}");

    // Unreachable altogether.
    app.fake.clear_failure(Endpoint::Par);
    app.fake.shutdown();
    let response = Browser::new().get(&app.url("/login")).await;
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn par_configuration_fails_closed() {
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let base = || {
        FeideLogin::builder(&provider)
            .redirect_uri("http://localhost:1/callback")
            .secret_keys(KEY)
    };
    let err = base()
        .pushed_authorization_requests(true)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, LoginConfigError::PushedAuthorization(_)),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("pushed_authorization_request_endpoint"),
        "{err}"
    );
    let env = |name: &str| (name == "OIDC_USE_PAR").then(|| "maybe".to_owned());
    let err = base().env_with(env).build().unwrap_err();
    assert!(err.to_string().contains("OIDC_USE_PAR"), "{err}");
    // OIDC_USE_PAR=false is fine; true needs the endpoint.
    base()
        .env_with(|n: &str| (n == "OIDC_USE_PAR").then(|| "false".to_owned()))
        .build()
        .unwrap();
}

#[tokio::test]
async fn the_sync_start_refuses_when_par_is_on() {
    let fake = FakeFeide::start().await.unwrap();
    fake.enable_par(true);
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri("http://localhost:1/callback")
        .secret_keys(KEY)
        .pushed_authorization_requests(true)
        .build()
        .unwrap();
    assert_eq!(login.start_login(None).status, 500);
}

/// Figures for the report (ignored; `--ignored --nocapture`): what pushing adds to `/login`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a test"]
async fn measure_login_start_with_and_without_par() {
    const N: u32 = 300;
    for (label, client, par) in [
        ("redirect only", Client::Secret, false),
        ("PAR, client_secret_basic", Client::Secret, true),
        (
            "PAR, private_key_jwt RS256",
            Client::Key("rsa.jwk.json"),
            true,
        ),
    ] {
        let app = start(
            client,
            |fake| fake.enable_par(true),
            |b| b.pushed_authorization_requests(par),
        )
        .await;
        let browser = Browser::new();
        let url = app.url("/login");
        for _ in 0..20 {
            browser.get(&url).await;
        }
        let started = std::time::Instant::now();
        for _ in 0..N {
            assert_eq!(browser.get(&url).await.status(), 302);
        }
        println!("{label}: {:?} per /login", started.elapsed() / N);
    }
}
