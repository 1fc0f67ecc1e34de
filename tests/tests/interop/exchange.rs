//! RFC 8693 token exchange at the certified provider (its extension-grant API, op.mjs), and
//! bearer validation of the JWT it issued by the axum-datasource example.

use feide_tower::Provider;
use feide_tower::apis;
use feide_tower::exchange::{TOKEN_TYPE_JWT, TokenExchange};
use feide_tower::provider::Secret;
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use serde_json::Value;

use crate::apps::{
    ALICE, DS_AUDIENCE, DS_CLIENT_ID, DS_CLIENT_SECRET, LOGIN_CLIENT_ID, LoginApp, bind_app,
    jwt_part, login_client_provider, sign_in, start_datasource_from_env,
};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

/// GET `url` with `Authorization: Bearer <token>`: status, `WWW-Authenticate`, JSON body.
pub async fn call_with(url: &str, token: &str) -> (u16, String, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        challenge,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn token_exchange_and_bearer_validation_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("api-exchange");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let web = Web::new();
    let (user, name) = ALICE;
    sign_in(&web, &app, &op, user)
        .await
        .landed
        .expect("signed in", 200, name);
    let session = app.session(&web).expect("a session");
    let subject = session.access_token();

    // The data source: the axum-datasource example as deployed, from its environment names
    // (audience, required scope readUser, issuer).
    let me_url = format!("{}/me", start_datasource_from_env(&op).await);

    // Pattern (a), the login client: opaque access token -> JWT for the data source.
    let provider = login_client_provider(&op).await;
    let to_datasource = TokenExchange::login_client(&provider, DS_AUDIENCE)
        .scope("readUser writeUser")
        .build()
        .expect("exchange client");
    let issued = to_datasource
        .exchange_uncached(subject)
        .await
        .expect("the provider exchanges the login token");
    assert_eq!(issued.issued_token_type(), Some(TOKEN_TYPE_JWT));
    assert_eq!(issued.scope(), Some("readUser writeUser"));
    let jwt = issued.expose().to_owned();
    let header = jwt_part(&jwt, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], op.initial_kid());
    let claims = jwt_part(&jwt, 1);
    assert_eq!(claims["iss"], op.issuer());
    assert_eq!(claims["aud"], DS_AUDIENCE);
    assert_eq!(claims["sub"], user);
    assert_eq!(claims["client_id"], LOGIN_CLIENT_ID);
    assert_eq!(
        claims["scope"], "readUser writeUser",
        "a space-separated string"
    );

    // The data source accepts it: signature by the provider's JWKS, iss, aud, exp, scope.
    let me: Value = to_datasource
        .get_json(&me_url, subject)
        .await
        .expect("the exchanged token opens the data source");
    assert_eq!(me["subject"], user);
    assert_eq!(me["claims"]["aud"], DS_AUDIENCE);
    assert_eq!(me["claims"]["iss"], op.issuer());
    assert_eq!(me["claims"]["scope"], "readUser writeUser");
    assert_eq!(
        me["claims"]["https://n.feide.no/claims/eduPersonPrincipalName"],
        "alice@test.feide.no"
    );

    // Scopes are checked one by one in the space-separated string.
    let write_only = to_datasource
        .with_target(DS_AUDIENCE, Some("writeUser"))
        .exchange_uncached(subject)
        .await
        .expect("exchange for writeUser only");
    let (status, challenge, body) = call_with(&me_url, write_only.expose()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        challenge.contains(r#"error="insufficient_scope""#)
            && challenge.contains(r#"scope="readUser""#),
        "{challenge}"
    );

    // A token the provider did not sign is refused, however it looks.
    let (head, rest) = jwt.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let forged = format!("{head}.{payload}.{flipped}{}", &signature[1..]);
    let (status, challenge, _) = call_with(&me_url, &forged).await;
    assert_eq!(status, 401);
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );

    // What the provider refuses comes back as the right error codes.
    let unknown_audience = to_datasource
        .with_target("https://n.feide.no/datasources/unknown", None)
        .exchange_uncached(subject)
        .await
        .expect_err("unknown audience");
    assert!(unknown_audience.is_invalid_target(), "{unknown_audience}");
    let unknown_scope = to_datasource
        .with_target(DS_AUDIENCE, Some("readUser deleteEverything"))
        .exchange_uncached(subject)
        .await
        .expect_err("unknown scope");
    assert!(unknown_scope.is_invalid_scope(), "{unknown_scope}");
    let bad_subject = to_datasource
        .exchange_uncached(&Secret::new("not-a-token-the-provider-issued"))
        .await
        .expect_err("unknown subject token");
    assert!(bad_subject.is_invalid_grant(), "{bad_subject}");

    // Pattern (b), the data source: the incoming JWT -> a token for the provider's own APIs,
    // authenticated as the data source's client.
    let ds_provider = Provider::builder(op.issuer())
        .build()
        .await
        .expect("discovery");
    let to_provider = TokenExchange::data_source(&ds_provider)
        .client(DS_CLIENT_ID, DS_CLIENT_SECRET)
        .scope("profile")
        .build()
        .expect("data-source exchange client");
    let incoming = Secret::new(jwt.clone());
    let info = to_provider
        .with_token(&incoming, |token| {
            let ds_provider = ds_provider.clone();
            async move { apis::userinfo(&ds_provider, &token, Some(user)).await }
        })
        .await
        .expect("the data source reads userinfo with its exchanged token");
    assert_eq!(info["name"], name);
    // The login client does not own the data source, so it may not exchange its tokens onward.
    let not_owner = TokenExchange::data_source(&provider)
        .build()
        .expect("exchange client")
        .exchange_uncached(&incoming)
        .await
        .expect_err("not the data source's client");
    assert!(not_owner.is_invalid_grant(), "{not_owner}");

    // After logout the provider revoked the login token: no more exchanges with it.
    let logout = web.post(&app.url("/logout"), &[]).await;
    let (_, confirm) = web.follow(logout).await;
    let form = confirm.form("the provider's logout page", "/session/end/confirm");
    let (_, signed_out) = web
        .follow(web.submit(&form, &[("logout", "yes")]).await)
        .await;
    signed_out.expect("signed out", 200, "You are signed out");
    let revoked = to_datasource
        .exchange_uncached(subject)
        .await
        .expect_err("the subject token was revoked at logout");
    assert!(revoked.is_invalid_grant(), "{revoked}");
}
