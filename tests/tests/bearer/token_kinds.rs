//! Issue 13, finding 3: token-type confusion. An ID token never authorizes an API call, even
//! where the API's audience is the login's client id; other kinds of JWT (logout tokens, security
//! event tokens, Keycloak's ID and refresh tokens) neither. Strict RFC 9068 mode wants
//! `typ: at+jwt`; the default still takes Feide's data-source tokens (`typ: JWT`).

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::testkit::{FakeClient, FakeFeide};
use integration_tests::fake_and_provider;
use serde_json::json;

use crate::common::{REALM, Stack, challenge, get_bearer, protected};

/// A client that logs users in and is also the audience of its own API: the setup in which an
/// ID token (`aud` = the client id) looks like an access token for the API.
const LOGIN_CLIENT: &str = "api-and-login";
const LOGIN_SECRET: &str = "api-and-login-secret";
const REDIRECT: &str = "http://app.test/callback";

/// Logs in at FakeFeide as its first user with the authorization-code flow (PKCE, nonce) and
/// returns the ID token from the token endpoint: the one the login keeps for `id_token_hint`.
async fn id_token_from_a_real_login(fake: &FakeFeide) -> String {
    fake.register_client(FakeClient::new(LOGIN_CLIENT, LOGIN_SECRET).redirect_uri(REDIRECT));
    let verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .get(fake.url("/oauth/authorization"))
        .query(&[
            ("client_id", LOGIN_CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "some-state"),
            ("nonce", "some-nonce"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens: serde_json::Value = http
        .post(fake.url("/oauth/token"))
        .basic_auth(LOGIN_CLIENT, Some(LOGIN_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["id_token"].as_str().expect("an ID token").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_never_authorizes_an_api_call_even_with_the_audience_of_the_login() {
    let (fake, provider) = fake_and_provider().await;
    let id_token = id_token_from_a_real_login(&fake).await;
    for stack in [Stack::Axum, Stack::Hyper] {
        let layer = BearerJwtLayer::builder(&provider)
            .audience(LOGIN_CLIENT)
            .realm(REALM)
            .build()
            .unwrap();
        let url = format!("{}/me", protected(stack, layer).await);
        // The API takes access tokens for this audience...
        let access = fake.access_token_for("alice", LOGIN_CLIENT, "openid");
        assert_eq!(get_bearer(&url, &access).await.status, 200, "{stack:?}");
        // ...but not the login's ID token, which has the same issuer, audience and signature.
        get_bearer(&url, &id_token).await.assert_refusal(
            401,
            &challenge::invalid_token(),
            &[&id_token],
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_of_other_kinds_are_refused_as_invalid_tokens() {
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(LOGIN_CLIENT)
        .realm(REALM)
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    let ours = || fake.mint().claim("aud", LOGIN_CLIENT);
    let refused = [
        ("nonce (an ID token)", ours().claim("nonce", "n").sign()),
        ("at_hash (an ID token)", ours().claim("at_hash", "x").sign()),
        (
            "c_hash (a hybrid-flow ID token)",
            ours().claim("c_hash", "x").sign(),
        ),
        (
            "s_hash (a FAPI ID token)",
            ours().claim("s_hash", "x").sign(),
        ),
        (
            "events (a logout token or other security event token)",
            ours()
                .claim(
                    "events",
                    json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
                )
                .sign(),
        ),
        (
            "typ: logout+jwt",
            ours().header_field("typ", "logout+jwt").sign(),
        ),
        (
            "typ: application/secevent+jwt",
            ours()
                .header_field("typ", "application/secevent+jwt")
                .sign(),
        ),
        (
            "typ: id_token+jwt",
            ours().header_field("typ", "id_token+jwt").sign(),
        ),
        (
            "typ: dpop+jwt",
            ours().header_field("typ", "dpop+jwt").sign(),
        ),
        (
            "a typ that is not a string",
            ours().header_field("typ", 7).sign(),
        ),
        (
            "Keycloak's ID token (claim typ: ID)",
            ours().claim("typ", "ID").sign(),
        ),
        (
            "Keycloak's refresh token (claim typ: Refresh)",
            ours().claim("typ", "Refresh").sign(),
        ),
        (
            "Keycloak's logout token (claim typ: Logout)",
            ours().claim("typ", "Logout").sign(),
        ),
    ];
    for (name, token) in &refused {
        let reply = get_bearer(&url, token).await;
        assert_eq!(reply.status, 401, "{name}: {reply:?}");
        reply.assert_refusal(401, &challenge::invalid_token(), &[token]);
    }
    // The issuer's own statement that it is an access token wins over a stray `nonce` (older
    // Keycloak copied the login's nonce into access tokens).
    let accepted = [
        ("typ: JWT (Feide)", ours().sign()),
        (
            "no typ",
            ours().header_field("typ", serde_json::Value::Null).sign(),
        ),
        ("typ: at+jwt", ours().header_field("typ", "at+jwt").sign()),
        (
            "typ: Application/AT+JWT",
            ours().header_field("typ", "Application/AT+JWT").sign(),
        ),
        (
            "typ: application/jwt",
            ours().header_field("typ", "application/jwt").sign(),
        ),
        (
            "Keycloak's access token (claim typ: Bearer) with a nonce",
            ours().claim("typ", "Bearer").claim("nonce", "n").sign(),
        ),
        (
            "typ: at+jwt with a nonce",
            ours()
                .header_field("typ", "at+jwt")
                .claim("nonce", "n")
                .sign(),
        ),
    ];
    for (name, token) in &accepted {
        let reply = get_bearer(&url, token).await;
        assert_eq!(reply.status, 200, "{name}: {reply:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn strict_rfc9068_mode_wants_at_jwt_and_the_default_takes_feide_s_jwt() {
    let (fake, provider) = fake_and_provider().await;
    let builder = BearerJwtLayer::builder(&provider)
        .audience(crate::common::AUD)
        .realm(REALM);
    let default = format!(
        "{}/me",
        protected(Stack::Axum, builder.clone().build().unwrap()).await
    );
    let strict = format!(
        "{}/me",
        protected(Stack::Hyper, builder.require_at_jwt(true).build().unwrap()).await
    );
    // What Feide issues: a data-source token typed `JWT`.
    let feide = fake.access_token_for("alice", crate::common::AUD, "openid");
    let typed = |typ: &str| fake.mint().header_field("typ", typ).sign();
    assert_eq!(get_bearer(&default, &feide).await.status, 200);
    get_bearer(&strict, &feide)
        .await
        .assert_refusal(401, &challenge::invalid_token(), &[&feide]);
    for typ in [
        "at+jwt",
        "application/at+jwt",
        "AT+JWT",
        "Application/At+Jwt",
    ] {
        let token = typed(typ);
        assert_eq!(get_bearer(&strict, &token).await.status, 200, "{typ}");
        assert_eq!(get_bearer(&default, &token).await.status, 200, "{typ}");
    }
    let untyped = fake
        .mint()
        .header_field("typ", serde_json::Value::Null)
        .sign();
    for token in [
        untyped,
        typed("jwt"),
        typed("at+jwt; x=1"),
        typed("text/at+jwt"),
        typed("at-jwt"),
    ] {
        get_bearer(&strict, &token).await.assert_refusal(
            401,
            &challenge::invalid_token(),
            &[&token],
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn accepting_id_tokens_is_an_explicit_opt_out() {
    let (fake, provider) = fake_and_provider().await;
    let id_token = id_token_from_a_real_login(&fake).await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(LOGIN_CLIENT)
        .realm(REALM)
        .accept_id_tokens(true)
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    let reply = get_bearer(&url, &id_token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["claims"]["nonce"], "some-nonce");
}
