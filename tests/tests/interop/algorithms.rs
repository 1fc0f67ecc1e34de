//! ID-token algorithms from discovery (issue 17): the axum-login example, configured only
//! through its environment names, signs in at the certified provider when that provider signs
//! ID tokens with ES256 only or with EdDSA (Ed25519) only, and advertises just that.

use serde_json::json;

use crate::apps::{ALICE, LoginApp, bind_app, jwt_part, query, sign_in};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

async fn signs_in_when_the_provider_signs_only_with(alg: &str) {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for(&format!("algorithms-{}", alg.to_lowercase()));
    let (listener, base) = bind_app().await;
    let mut settings = op::settings(&base);
    settings["id_token_algs"] = json!([alg]);
    settings["clients"][0]["id_token_signed_response_alg"] = json!(alg);
    let op = Op::start(&artifacts, &settings);
    let web = Web::new();
    let (status, discovery) = web
        .get_json(&op.url("/.well-known/openid-configuration"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!([alg]),
        "the provider advertises {alg} only"
    );
    let app = LoginApp::start(listener, &op).await;

    let (user, name) = ALICE;
    let signed_in = sign_in(&web, &app, &op, user).await;
    signed_in
        .landed
        .expect("home, signed in", 200, &format!("Signed in as {name}"));
    let session = app.session(&web).expect("the browser holds a session");
    assert_eq!(session.sub(), user);

    // The ID token the app verified was the provider's {alg} one: it comes back as the hint.
    let logout = web.post(&app.url("/logout"), &[]).await;
    assert_eq!(logout.status, 303);
    let end_session = logout.redirect("POST /logout");
    let hint = query(&end_session);
    let header = jwt_part(&hint["id_token_hint"], 0);
    assert_eq!(header["alg"], alg, "{header}");
    assert_eq!(jwt_part(&hint["id_token_hint"], 1)["sub"], user);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_es256_only_provider_with_default_settings() {
    signs_in_when_the_provider_signs_only_with("ES256").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_eddsa_only_provider_with_default_settings() {
    signs_in_when_the_provider_signs_only_with("EdDSA").await;
}
