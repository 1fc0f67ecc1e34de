//! Key rotation at the certified provider, picked up through one JWKS refresh.

use feide_tower::Provider;
use feide_tower::exchange::TokenExchange;

use crate::apps::{
    ALICE, BOB, DS_AUDIENCE, LoginApp, bind_app, jwt_part, login_client_provider, query, sign_in,
    start_datasource,
};
use crate::exchange::call_with;
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

#[tokio::test(flavor = "multi_thread")]
async fn key_rotation_at_the_provider_takes_exactly_one_jwks_refresh() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("api-rotation");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let web = Web::new();
    sign_in(&web, &app, &op, ALICE.0)
        .await
        .landed
        .expect("alice signed in", 200, ALICE.1);
    let subject = app.session(&web).expect("a session").access_token().clone();

    let ds_provider = Provider::builder(op.issuer())
        .build()
        .await
        .expect("discovery");
    let jwks = ds_provider.jwks();
    assert_eq!(jwks.fetch_count(), 1, "fetched once at start");
    assert_eq!(jwks.kids(), [op.initial_kid()]);
    let me_url = format!("{}/me", start_datasource(&ds_provider).await);
    let provider = login_client_provider(&op).await;
    let exchange = TokenExchange::login_client(&provider, DS_AUDIENCE)
        .build()
        .expect("exchange client");

    // Before: a token signed with the first key validates from the cache, no fetch.
    let old = exchange
        .exchange_uncached(&subject)
        .await
        .expect("exchange");
    assert_eq!(jwt_part(old.expose(), 0)["kid"], op.initial_kid());
    let (status, _, body) = call_with(&me_url, old.expose()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(jwks.fetch_count(), 1);

    // The provider rotates: a new key signs; the old one is still published.
    let rotated = op.rotate().await;
    assert_ne!(rotated.signing_kid, op.initial_kid());
    assert_eq!(rotated.published_kids.len(), 2);
    let new = exchange
        .exchange_uncached(&subject)
        .await
        .expect("exchange");
    assert_eq!(
        jwt_part(new.expose(), 0)["kid"],
        rotated.signing_kid,
        "signed with the new key"
    );
    let (status, _, body) = call_with(&me_url, new.expose()).await;
    assert_eq!(
        status, 200,
        "the new key is fetched on the first token that needs it: {body}"
    );
    assert_eq!(jwks.fetch_count(), 2, "exactly one JWKS refresh");
    let mut kids = jwks.kids();
    kids.sort();
    let mut published = rotated.published_kids.clone();
    published.sort();
    assert_eq!(kids, published);

    // Both keys now validate without further fetches.
    for token in [old.expose(), new.expose()] {
        let (status, _, body) = call_with(&me_url, token).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(jwks.fetch_count(), 2);

    // A kid nobody published: refused, and inside the cooldown it costs no fetch.
    let (_, rest) = new.expose().split_once('.').unwrap();
    let header =
        serde_json::json!({"alg": "RS256", "kid": "nobody-published-this", "typ": "at+jwt"});
    use base64::Engine as _;
    let unknown = format!(
        "{}.{rest}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string())
    );
    let (status, challenge, _) = call_with(&me_url, &unknown).await;
    assert_eq!(status, 401);
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert_eq!(jwks.fetch_count(), 2, "no refresh inside the cooldown");

    // Sign-in after the rotation: the ID token is signed with the new key, and the app (its
    // own Provider, its own cache) accepts it; the provider takes it back as id_token_hint.
    let web = Web::new();
    let (user, name) = BOB;
    sign_in(&web, &app, &op, user).await.landed.expect(
        "bob signed in after the rotation",
        200,
        name,
    );
    let logout = web.post(&app.url("/logout"), &[]).await;
    let end_session = logout.redirect("POST /logout");
    let id_token = query(&end_session)["id_token_hint"].clone();
    assert_eq!(jwt_part(&id_token, 0)["kid"], rotated.signing_kid);
    let (_, confirm) = web.follow(logout).await;
    let form = confirm.form("the provider's logout page", "/session/end/confirm");
    let (_, signed_out) = web
        .follow(web.submit(&form, &[("logout", "yes")]).await)
        .await;
    signed_out.expect("bob signed out", 200, "You are signed out");

    // The old key retired: a fresh cache knows only the new key and refuses the old tokens.
    let retired = op.retire_old_keys().await;
    assert_eq!(
        retired.published_kids,
        std::slice::from_ref(&rotated.signing_kid)
    );
    let fresh = Provider::builder(op.issuer())
        .build()
        .await
        .expect("discovery");
    assert_eq!(
        fresh.jwks().kids(),
        std::slice::from_ref(&rotated.signing_kid)
    );
    let fresh_url = format!("{}/me", start_datasource(&fresh).await);
    let (status, _, _) = call_with(&fresh_url, old.expose()).await;
    assert_eq!(status, 401, "a token signed with a retired key");
    let (status, _, body) = call_with(&fresh_url, new.expose()).await;
    assert_eq!(status, 200, "{body}");
}
