//! Helpers shared by the FakeFeide integration tests.

use std::collections::HashMap;
use std::time::Duration;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use feide_tower::testkit::{FakeClient, FakeFeide};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

/// Result of every test.
pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
/// Error type of the helpers.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Redirect URI of the test app.
pub const REDIRECT: &str = "http://app.test/callback";
/// Post-logout URI of the test app.
pub const LOGGED_OUT: &str = "http://app.test/logged-out";
/// The test app's client id.
pub const APP_ID: &str = "test-app";
/// The test app's secret: needs form-encoding in Basic auth.
pub const APP_SECRET: &str = "s3cr:t+/ &%";

/// A client that does not follow redirects and gives up after 5 s.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|e| panic!("reqwest client: {e}"))
}

/// Starts a fake with the test app registered.
pub async fn start() -> Result<FakeFeide, Error> {
    let feide = FakeFeide::start().await?;
    feide.register_client(app());
    Ok(feide)
}

/// The test app's registration.
pub fn app() -> FakeClient {
    FakeClient::new(APP_ID, APP_SECRET)
        .redirect_uri(REDIRECT)
        .post_logout_redirect_uri(LOGGED_OUT)
}

/// A PKCE pair (verifier, S256 challenge).
pub fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("verifier-{seed}-0123456789abcdefghijklmnopqrstuvwxyz");
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    (verifier, challenge)
}

/// The standard authorization parameters for the test app.
pub fn auth_params(challenge: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", APP_ID.into()),
        ("redirect_uri", REDIRECT.into()),
        ("response_type", "code".into()),
        ("scope", "openid profile email userid-feide".into()),
        ("state", "st-1".into()),
        ("nonce", "n-1".into()),
        ("code_challenge", challenge.into()),
        ("code_challenge_method", "S256".into()),
    ]
}

/// GETs the authorization endpoint and returns the redirect's query.
pub async fn authorize(
    feide: &FakeFeide,
    params: &[(&str, String)],
) -> Result<HashMap<String, String>, Error> {
    let resp = http()
        .get(feide.url("/oauth/authorization"))
        .query(params)
        .send()
        .await?;
    if resp.status() != 302 {
        return Err(format!("expected a redirect, got {}", resp.status()).into());
    }
    location_query(&resp)
}

/// The query of a response's `Location` header.
pub fn location_query(resp: &reqwest::Response) -> Result<HashMap<String, String>, Error> {
    let loc = resp
        .headers()
        .get("location")
        .ok_or("no Location")?
        .to_str()?;
    let url = url::Url::parse(loc)?;
    Ok(url.query_pairs().into_owned().collect())
}

/// A code for the test app (PKCE seed `seed`).
pub async fn code(feide: &FakeFeide, seed: &str) -> Result<(String, String), Error> {
    let (verifier, challenge) = pkce(seed);
    let q = authorize(feide, &auth_params(&challenge)).await?;
    let code = q.get("code").ok_or("no code")?.clone();
    Ok((code, verifier))
}

/// Basic credentials encoded per RFC 6749 §2.3.1 (form-urlencoded first).
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// POSTs `form` to the token endpoint with Basic auth; returns status and JSON.
pub async fn token_basic(
    feide: &FakeFeide,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> Result<(u16, Value), Error> {
    let resp = http()
        .post(feide.url("/oauth/token"))
        .header("authorization", basic(id, secret))
        .form(form)
        .send()
        .await?;
    Ok((resp.status().as_u16(), resp.json().await?))
}

/// POSTs `form` to the token endpoint with `client_secret_post`.
pub async fn token_post(
    feide: &FakeFeide,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> Result<(u16, Value), Error> {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    form.push(("client_id", id));
    form.push(("client_secret", secret));
    let resp = http()
        .post(feide.url("/oauth/token"))
        .form(&form)
        .send()
        .await?;
    Ok((resp.status().as_u16(), resp.json().await?))
}

/// Verifies `token` against the fake's JWKS (RS256 or ES256 by header) and
/// returns its claims; checks `iss` and `aud`.
pub async fn verify(feide: &FakeFeide, token: &str, aud: &str) -> Result<Value, Error> {
    let header = jsonwebtoken::decode_header(token)?;
    let kid = header.kid.ok_or("no kid")?;
    let jwks: JwkSet = http()
        .get(feide.url("/openid/jwks"))
        .send()
        .await?
        .json()
        .await?;
    let jwk = jwks.find(&kid).ok_or("kid not in JWKS")?;
    let key = DecodingKey::from_jwk(jwk)?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[feide.issuer()]);
    validation.set_audience(&[aud]);
    Ok(jsonwebtoken::decode::<Value>(token, &key, &validation)?.claims)
}

/// GET `url` with a bearer token; returns status, `WWW-Authenticate` and
/// body text.
pub async fn bearer_get(url: &str, token: &str) -> Result<(u16, Option<String>, String), Error> {
    let resp = http().get(url).bearer_auth(token).send().await?;
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((status, challenge, resp.text().await?))
}
