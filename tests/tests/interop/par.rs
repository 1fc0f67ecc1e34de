//! Pushed Authorization Requests (RFC 9126) at the certified provider (oidc-provider's
//! `features.pushedAuthorizationRequests`): the axum-login example pushes when configured
//! (`OIDC_USE_PAR=true`), and by itself when the provider requires it, with `private_key_jwt`;
//! the browser's authorization request carries only `client_id` and `request_uri`. A refused push
//! is a login failure page.

use serde_json::json;

use crate::apps::{ALICE, LOGIN_CLIENT_ID, LoginApp, bind_app, query, sign_in};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

fn fixture(name: &str) -> String {
    format!("{}/fixtures/client-keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn sign_in_pushed(app: &LoginApp, op: &Op) {
    let web = Web::new();
    let (user, name) = ALICE;
    let signed_in = sign_in(&web, app, op, user).await;
    let mut names: Vec<String> = query(&signed_in.authorize).into_keys().collect();
    names.sort();
    assert_eq!(
        names,
        ["client_id", "request_uri"],
        "{}",
        signed_in.authorize
    );
    let q = query(&signed_in.authorize);
    assert_eq!(q["client_id"], LOGIN_CLIENT_ID);
    assert!(q["request_uri"].starts_with("urn:ietf:params:oauth:request_uri:"));
    signed_in
        .landed
        .expect("home, signed in", 200, &format!("Signed in as {name}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_par_when_configured_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("par-optional");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start_with(
        listener,
        &op,
        &[("OIDC_USE_PAR", "true".to_owned())],
        |app| app,
    )
    .await;
    sign_in_pushed(&app, &op).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn required_par_with_private_key_jwt_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("par-required-pkjwt");
    let (listener, base) = bind_app().await;
    let rsa = std::fs::read_to_string(fixture("rsa.pem")).unwrap();
    let key = feide_tower::provider::ClientKey::from_pkcs8_pem(&rsa, "client-rsa-1").unwrap();
    let mut settings = op::settings(&base);
    settings["par_required"] = json!(true);
    let client = &mut settings["clients"][0];
    client.as_object_mut().unwrap().remove("client_secret");
    client["token_endpoint_auth_method"] = json!("private_key_jwt");
    client["jwks"] = json!({"keys": [key.public_jwk()]});
    let op = Op::start(&artifacts, &settings);

    // No OIDC_USE_PAR: the provider's discovery document requires it.
    let key_env = |file: &str| {
        vec![
            ("OIDC_CLIENT_AUTH_METHOD", "private_key_jwt".to_owned()),
            ("OIDC_CLIENT_PRIVATE_KEY_FILE", fixture(file)),
            ("OIDC_CLIENT_KEY_ID", "client-rsa-1".to_owned()),
            ("OIDC_CLIENT_SECRET", String::new()),
        ]
    };
    let app = LoginApp::start_with(listener, &op, &key_env("rsa.pem"), |app| app).await;
    sign_in_pushed(&app, &op).await;

    // A key the provider does not know: the push is refused, the user sees why sign-in failed.
    let (listener, _) = bind_app().await;
    let wrong = LoginApp::start_with(listener, &op, &key_env("wrong-rsa.pem"), |app| app).await;
    let page = Web::new().get(&wrong.url("/login")).await;
    page.expect("the push refused", 502, "Sign-in failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_signs_in_and_out_with_required_par_and_private_key_jwt() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("browser-par-pkjwt");
    let (listener, base) = bind_app().await;
    let ec = std::fs::read_to_string(fixture("ec.jwk.json")).unwrap();
    let key = feide_tower::provider::ClientKey::from_jwk(&ec).unwrap();
    let mut settings = op::settings(&base);
    settings["par_required"] = json!(true);
    let client = &mut settings["clients"][0];
    client.as_object_mut().unwrap().remove("client_secret");
    client["token_endpoint_auth_method"] = json!("private_key_jwt");
    client["jwks"] = json!({"keys": [key.public_jwk()]});
    let op = Op::start(&artifacts, &settings);
    let app = LoginApp::start_with(
        listener,
        &op,
        &[
            ("OIDC_CLIENT_AUTH_METHOD", "private_key_jwt".to_owned()),
            ("OIDC_CLIENT_PRIVATE_JWK", ec),
            ("OIDC_CLIENT_SECRET", String::new()),
        ],
        |app| app,
    )
    .await;
    let url = app.base.clone();
    let (login, name) = ALICE;
    tokio::task::spawn_blocking(move || {
        crate::browser::drive_with(
            &url,
            &artifacts,
            "op",
            login,
            name,
            &[],
            &[
                "home-signed-out",
                "provider-login-page",
                "provider-consent-page",
                "signed-in",
                "provider-logout-page",
                "signed-out",
                "home-after-sign-out",
            ],
        );
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    drop(op);
}
