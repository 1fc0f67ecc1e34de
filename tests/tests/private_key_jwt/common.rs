//! Keys, a FakeFeide with a key-only client, and a provider signing with it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::Provider;
use feide_tower::login::FeideLogin;
use feide_tower::provider::{ClientKey, ClientKeyAlgorithm};
use feide_tower::session::FeideSession;
use feide_tower::testkit::{FakeClient, FakeFeide, TokenRequest};
use integration_tests::{bind, serve_axum};
use serde_json::Value;

pub const CLIENT_ID: &str = "pkjwt-app";
pub const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/client-keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_path(name: &str) -> String {
    format!("{}/fixtures/client-keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The private `d` of a fixture JWK: a value that must never be printed.
pub fn private_d(name: &str) -> String {
    let jwk: Value = serde_json::from_str(&fixture(name)).unwrap();
    jwk["d"].as_str().unwrap().to_owned()
}

/// Every way of giving a key: (label, key).
pub fn all_keys() -> Vec<(&'static str, ClientKey)> {
    vec![
        (
            "RS256 JWK",
            ClientKey::from_jwk(&fixture("rsa.jwk.json")).unwrap(),
        ),
        (
            "PS256 JWK",
            ClientKey::from_jwk(&fixture("rsa.jwk.json"))
                .unwrap()
                .with_algorithm(ClientKeyAlgorithm::Ps256)
                .unwrap(),
        ),
        (
            "ES256 JWK",
            ClientKey::from_jwk(&fixture("ec.jwk.json")).unwrap(),
        ),
        (
            "RS256 PEM",
            ClientKey::from_pkcs8_pem(&fixture("rsa.pem"), "client-rsa-1").unwrap(),
        ),
        (
            "PS256 PEM",
            ClientKey::from_pkcs8_pem(&fixture("rsa.pem"), "client-rsa-1")
                .unwrap()
                .with_algorithm(ClientKeyAlgorithm::Ps256)
                .unwrap(),
        ),
        (
            "ES256 PEM",
            ClientKey::from_pkcs8_pem(&fixture("ec.pem"), "client-ec-1").unwrap(),
        ),
    ]
}

/// The public halves of the fixture keys, as a JWKS to register (the RSA key once per
/// algorithm: a JWK's `alg` pins it to one).
pub fn registered_jwks() -> Value {
    let rsa = ClientKey::from_jwk(&fixture("rsa.jwk.json")).unwrap();
    let ps = rsa
        .clone()
        .with_algorithm(ClientKeyAlgorithm::Ps256)
        .unwrap();
    let ec = ClientKey::from_jwk(&fixture("ec.jwk.json")).unwrap();
    serde_json::json!({"keys": [rsa.public_jwk(), ps.public_jwk(), ec.public_jwk()]})
}

pub struct App {
    pub fake: FakeFeide,
    pub provider: Provider,
    pub base: String,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// FakeFeide with `CLIENT_ID` registered as a key-only client, and an axum app whose provider
/// signs with `key`.
pub async fn start(key: ClientKey, fake_settings: impl FnOnce(&FakeFeide)) -> App {
    capture_logs();
    let fake = FakeFeide::start().await.unwrap();
    fake_settings(&fake);
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::private_key_jwt(CLIENT_ID, registered_jwks())
            .redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client_private_key_jwt(CLIENT_ID, key)
        .build()
        .await
        .unwrap();
    serve(listener, &provider, &base, |b| b);
    App {
        fake,
        provider,
        base,
    }
}

pub fn serve(
    listener: tokio::net::TcpListener,
    provider: &Provider,
    base: &str,
    configure: impl FnOnce(
        feide_tower::login::FeideLoginBuilder,
    ) -> feide_tower::login::FeideLoginBuilder,
) {
    let login = configure(
        FeideLogin::builder(provider)
            .redirect_uri(format!("{base}/callback"))
            .secret_keys(KEY)
            .scopes("openid profile"),
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
}

/// The claims and header of the client assertion a recorded token request carried.
pub fn assertion_of(request: &TokenRequest) -> (Value, Value) {
    let jwt = request
        .field("client_assertion")
        .expect("a client assertion");
    let mut parts = jwt.split('.');
    let mut part = || -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap()
    };
    let header = part();
    let claims = part();
    (header, claims)
}

pub use integration_tests::logs::{capture_logs, logs};
