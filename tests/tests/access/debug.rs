//! Issue 13, finding 11: `Debug` of every public type that holds a credential prints none.
//!
//! A real login (with a refresh), a logout, a token exchange, a client-credentials grant, an
//! introspection and a bearer check run against FakeFeide through the plain functions; every
//! credential they produced or used (cookie values, tokens, code, PKCE verifier, client secret,
//! session key) is collected from the wire, and then every public value holding one is formatted
//! with `{:?}` and `{:#?}`. None of the credentials may appear.

use std::time::Duration;

use feide_tower::Provider;
use feide_tower::access::Identity;
use feide_tower::bearer::{BearerAuthorizer, BearerClaims};
use feide_tower::exchange::{ClientCredentialsSource, SubjectToken, TokenExchange};
use feide_tower::introspection::Introspector;
use feide_tower::login::FeideLogin;
use feide_tower::provider::{ClientAuthMethod, ClientCredentials, Secret};
use feide_tower::session::KeyRing;
use feide_tower::session::cookie::CookieCodec;
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE, FakeClient,
    FakeDatasource, FakeFeide,
};
use http::header::{COOKIE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method};
use serde_json::json;

use crate::harness::KEY as SESSION_KEY;

const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const POST_LOGOUT: &str = "http://127.0.0.1:9/post-logout";

/// The `name=value` pairs of a response's `Set-Cookie` headers with a value.
fn set_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| {
            let (name, value) = v.to_str().ok()?.split(';').next()?.split_once('=')?;
            (!value.is_empty()).then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

fn cookie_header(pairs: &[(String, String)]) -> HeaderMap {
    let line = pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(&line).unwrap());
    headers
}

fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

/// Asserts that no credential occurs in `{value:?}` or `{value:#?}`.
struct Checker {
    secrets: Vec<(&'static str, String)>,
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn secret(&mut self, what: &'static str, value: impl Into<String>) {
        let value = value.into();
        assert!(value.len() >= 8, "{what} is too short to search for");
        self.secrets.push((what, value));
    }

    fn check(&mut self, name: &str, value: &dyn std::fmt::Debug) {
        self.checked += 1;
        for text in [format!("{value:?}"), format!("{value:#?}")] {
            for (what, secret) in &self.secrets {
                if text.contains(secret.as_str()) {
                    self.failures
                        .push(format!("Debug of {name} prints the {what}"));
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_public_type_prints_a_credential_in_debug() {
    let fake = FakeFeide::builder()
        .refresh_tokens(true)
        .access_token_lifetime(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    fake.enable_introspection(true);
    fake.set_refresh_id_token(Some(json!({})));
    fake.register_client(
        FakeClient::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
            .redirect_uri(REDIRECT_URI)
            .post_logout_redirect_uri(POST_LOGOUT)
            .datasource(FakeDatasource::new(
                DEFAULT_DATASOURCE_AUDIENCE,
                &["readUser"],
            )),
    );
    let provider = Provider::builder(fake.issuer())
        .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri(REDIRECT_URI)
        .post_logout_redirect_uri(POST_LOGOUT)
        .secret_keys(SESSION_KEY)
        .refresh_before(Duration::from_secs(120))
        .build()
        .unwrap();
    let mut c = Checker {
        secrets: Vec::new(),
        failures: Vec::new(),
        checked: 0,
    };
    c.secret("client secret", DEFAULT_CLIENT_SECRET);
    c.secret("session key", SESSION_KEY);

    // Login: the flow cookie, the code, the PKCE verifier, the session cookie.
    let started = login.start_login(None);
    let flow = set_cookies(&started.headers);
    for (_, value) in &flow {
        c.secret("flow cookie value", value);
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let approved = http.get(started.location().unwrap()).send().await.unwrap();
    let callback = approved.headers()[LOCATION].to_str().unwrap().to_owned();
    c.secret("authorization code", query_param(&callback, "code"));
    let query = callback.split_once('?').unwrap().1;
    let completed = login
        .complete_login(Some(query), &cookie_header(&flow))
        .await;
    assert_eq!(completed.status, 302, "the login completes");
    let session_cookies = set_cookies(&completed.headers);
    assert!(!session_cookies.is_empty());
    for (_, value) in &session_cookies {
        c.secret("session cookie value", value);
    }
    let verifier = fake
        .token_requests()
        .iter()
        .find_map(|r| r.field("code_verifier").map(str::to_owned))
        .unwrap();
    c.secret("PKCE verifier", verifier);

    // The session, then its refresh (the 30 s access token is inside the 120 s margin).
    let headers = cookie_header(&session_cookies);
    let lookup = login.session(&headers);
    let session = lookup.session.clone().expect("signed in");
    c.secret("login access token", session.access_token().expose());
    let refreshed = login.session_refreshed(&headers).await.expect("refreshed");
    assert_eq!(fake.refresh_grants(), 1, "the session was refreshed");
    let refreshed_session = refreshed.session.clone().expect("still signed in");
    c.secret(
        "refreshed access token",
        refreshed_session.access_token().expose(),
    );
    let refresh_token = fake
        .token_requests()
        .iter()
        .find_map(|r| r.field("refresh_token").map(str::to_owned))
        .unwrap();
    c.secret("refresh token", refresh_token);
    let refreshed_cookies = set_cookies(&refreshed.set_cookies.iter().fold(
        HeaderMap::new(),
        |mut map, v| {
            map.append(SET_COOKIE, v.clone());
            map
        },
    ));
    assert!(!refreshed_cookies.is_empty(), "the refresh re-seals");
    for (_, value) in &refreshed_cookies {
        c.secret("refreshed session cookie value", value);
    }

    // Logout: the ID token travels as `id_token_hint`.
    let mut logout_headers = cookie_header(&refreshed_cookies);
    logout_headers.insert("origin", HeaderValue::from_static("http://127.0.0.1:9"));
    let logged_out = login.logout(&Method::POST, &logout_headers);
    let id_token = query_param(logged_out.location().unwrap(), "id_token_hint");
    c.secret("ID token", id_token);

    // Token exchange, client credentials, a token response, introspection, bearer.
    let exchange = TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .unwrap();
    let issued = exchange.exchange(session.access_token()).await.unwrap();
    let exchanged = exchange.bearer_for(session.access_token()).await.unwrap();
    c.secret("exchanged token", exchanged.expose());
    let exchange_error = exchange
        .exchange_uncached(&Secret::new("not-a-token-0123456789"))
        .await
        .unwrap_err();
    let machine = ClientCredentialsSource::new(
        &provider,
        ClientCredentials::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        None,
    );
    let machine_token = machine.token().await.unwrap();
    c.secret(
        "client-credentials token",
        machine.bearer().await.unwrap().expose(),
    );
    let response = provider
        .token_request(
            ClientAuthMethod::ClientSecretBasic,
            &[("grant_type", "client_credentials")],
        )
        .await
        .unwrap();
    c.secret(
        "token response access token",
        response.access_token.expose(),
    );
    let opaque = fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID);
    c.secret("opaque access token", &opaque);
    let introspector = Introspector::builder(&provider)
        .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .audience(DEFAULT_CLIENT_ID)
        .build()
        .unwrap();
    let introspected = introspector.authorize_token(&opaque).await.unwrap();
    let authorizer = BearerAuthorizer::builder(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .any_scope()
        .build_authorizer()
        .unwrap();
    let principal = authorizer
        .authorize_token(exchanged.expose())
        .await
        .unwrap();

    // Sessions' own machinery: keys, codec, an opened envelope of secret data.
    let ring = KeyRing::from_env_value(SESSION_KEY).unwrap();
    let codec = CookieCodec::new(ring.clone());
    let sealed = codec
        .seal_envelope(
            "x",
            &json!({"token": exchanged.expose()}),
            integration_tests::now() as u64,
            Duration::from_secs(60),
        )
        .unwrap();
    c.secret("sealed value", &sealed);
    let envelope = codec
        .open_envelope::<serde_json::Value>("x", &sealed, integration_tests::now() as u64, None)
        .unwrap();

    c.check("LoginResponse (start)", &started);
    c.check("LoginResponse (callback)", &completed);
    c.check("LoginResponse (logout)", &logged_out);
    c.check("SessionLookup", &lookup);
    c.check("SessionLookup (refreshed)", &refreshed);
    c.check("FeideSession", &session);
    c.check("FeideSession (refreshed)", &refreshed_session);
    c.check("Identity::Session", &Identity::Session(session.clone()));
    c.check("FeideLogin", &login);
    c.check("FeideLoginLayer", &login.layer());
    c.check("RequireLoginLayer", &login.require_login());
    c.check(
        "FeideLoginBuilder",
        &FeideLogin::builder(&provider).secret_keys(SESSION_KEY),
    );
    c.check("Provider", &provider);
    c.check(
        "ClientCredentials",
        &ClientCredentials::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    );
    c.check("Secret", &exchanged);
    c.check("SubjectToken", &SubjectToken::from(exchanged.clone()));
    c.check("TokenExchange", &exchange);
    c.check(
        "TokenExchangeBuilder",
        &TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE)
            .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    );
    c.check("TokenExchangeLayer", &exchange.layer());
    c.check("IssuedToken (exchange)", &issued);
    c.check("ExchangeError", &exchange_error);
    c.check("ClientCredentialsSource", &machine);
    c.check("ClientCredentialsLayer", &machine.layer());
    c.check("IssuedToken (client credentials)", &machine_token);
    c.check("TokenResponse", &response);
    c.check("Introspector", &introspector);
    c.check(
        "IntrospectorBuilder",
        &Introspector::builder(&provider).client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    );
    c.check("Principal (introspection)", &introspected);
    c.check("Principal (bearer)", &principal);
    c.check("BearerClaims", &BearerClaims(principal.claims().clone()));
    c.check("Identity::Bearer", &Identity::Bearer(principal.clone()));
    c.check("BearerAuthorizer", &authorizer);
    c.check("KeyRing", &ring);
    c.check("CookieCodec", &codec);
    c.check("Envelope", &envelope);

    assert!(
        c.checked >= 30,
        "every credential-holding type is formatted"
    );
    assert!(
        c.failures.is_empty(),
        "credentials in Debug:\n{}",
        c.failures.join("\n")
    );
}
