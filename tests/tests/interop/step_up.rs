//! Step-up at the certified provider (issue 17, item 4): a route that requires Feide's MFA
//! level sends the browser to the provider with `acr_values`.
//!
//! - oidc-provider configured with no `acrValues` (op.mjs's default) cannot confirm it and
//!   issues an ID token without `acr`, which the app must refuse rather than accept as the
//!   level asked for;
//! - configured with the level (op.mjs's `acr_values`), it makes a session without it sign in
//!   again and issues an ID token with `acr` = that level: the app's plain session steps up and
//!   lands back on the page it asked for.

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::login::{FEIDE_MFA_ACR, FeideLogin};
use feide_tower::session::FeideSession;
use serde_json::{Value, json};

use crate::apps::{ALICE, LOGIN_CLIENT_ID, LOGIN_CLIENT_SECRET, SESSION_KEY, bind_app, query};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::{Page, Web};

#[tokio::test(flavor = "multi_thread")]
async fn an_unconfirmed_level_from_a_certified_provider_is_refused() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("step-up-unconfirmed");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let provider = Provider::builder(op.issuer())
        .client(LOGIN_CLIENT_ID, LOGIN_CLIENT_SECRET)
        .build()
        .await
        .expect("discovery");
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(SESSION_KEY)
        .build()
        .expect("login");
    let app = Router::new()
        .route(
            "/mfa",
            get(|| async { "strong" }).route_layer(login.require_acr([FEIDE_MFA_ACR]).unwrap()),
        )
        .layer(login.layer());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let web = Web::new();

    let (visited, form) = web.visit(&format!("{base}/mfa")).await;
    assert_eq!(
        query(&visited[1])["acr_values"],
        FEIDE_MFA_ACR,
        "{visited:?}"
    );
    form.expect("the provider's login form", 200, "Sign-in");
    let form = form.form("the provider's login form", "/interaction/");
    let submitted = web
        .submit(&form, &[("login", ALICE.0), ("password", "any password")])
        .await;
    let (_, consent) = web.follow(submitted).await;
    let form = consent.form("the provider's consent page", "/interaction/");
    let (visited, landed) = web.follow(web.submit(&form, &[]).await).await;
    assert!(
        visited
            .iter()
            .any(|u| u.as_str().starts_with(&format!("{base}/callback?"))),
        "{visited:?}"
    );
    landed.expect(
        "the app refuses an ID token without the level",
        403,
        "Multi-factor authentication required",
    );
    let again = web.get(&format!("{base}/mfa")).await;
    assert_eq!(again.status, 302, "still not signed in at that level");
}

/// The session's user and level, as a route sees them.
async fn describe(session: FeideSession, uri: http::Uri) -> axum::Json<Value> {
    axum::Json(json!({
        "path": uri.to_string(),
        "sub": session.sub(),
        "acr": session.acr(),
        "auth_time": session.claim("auth_time"),
    }))
}

/// At the provider's login form: signs `user` in, and consents if asked; the page the browser
/// ends on and every URL visited on the way.
async fn sign_in_at_provider(web: &Web, form_page: Page, user: &str) -> (Vec<url::Url>, Page) {
    form_page.expect("the provider's login form", 200, "Sign-in");
    let form = form_page.form("the provider's login form", "/interaction/");
    let submitted = web
        .submit(&form, &[("login", user), ("password", "any password")])
        .await;
    let (mut visited, page) = web.follow(submitted).await;
    if page.status != 200 || !page.text().contains("Continue") {
        return (visited, page);
    }
    let form = page.form("the provider's consent page", "/interaction/");
    let (more, landed) = web.follow(web.submit(&form, &[]).await).await;
    visited.extend(more);
    (visited, landed)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_session_steps_up_at_the_certified_provider_and_lands_back() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("step-up-confirmed");
    let (listener, base) = bind_app().await;
    let mut settings = op::settings(&base);
    settings["acr_values"] = json!(["urn:mace:feide.no:auth:level:fad08:2", FEIDE_MFA_ACR]);
    let op = Op::start(&artifacts, &settings);
    let discovery: Value = reqwest::get(op.url("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("discovery JSON");
    assert_eq!(
        discovery["acr_values_supported"],
        json!(["urn:mace:feide.no:auth:level:fad08:2", FEIDE_MFA_ACR])
    );
    let provider = Provider::builder(op.issuer())
        .client(LOGIN_CLIENT_ID, LOGIN_CLIENT_SECRET)
        .build()
        .await
        .expect("discovery");
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(SESSION_KEY)
        .build()
        .expect("login");
    let app = Router::new()
        .route("/", get(describe))
        .route("/me", get(describe))
        .route(
            "/mfa",
            get(describe).route_layer(login.require_acr([FEIDE_MFA_ACR]).unwrap()),
        )
        .layer(login.layer());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let web = Web::new();

    // A plain login: no acr_values, no level.
    let (visited, form) = web.visit(&format!("{base}/login")).await;
    assert!(
        !query(&visited[1]).contains_key("acr_values"),
        "{visited:?}"
    );
    let (_, landed) = sign_in_at_provider(&web, form, ALICE.0).await;
    assert_eq!(landed.status, 200, "{landed:?}");
    let (status, me) = web.get_json(&format!("{base}/me")).await;
    assert_eq!(status, 200);
    assert_eq!(me["sub"], ALICE.0);
    assert_eq!(me["acr"], Value::Null, "a plain login has no level: {me}");

    // The MFA route sends the browser to the provider with the level; although the user is
    // still signed in there, the provider asks again and the browser lands back on the page.
    let (visited, form) = web.visit(&format!("{base}/mfa?tab=keys")).await;
    let authorize = &visited[1];
    assert!(
        authorize.as_str().starts_with(&op.url("/auth?")),
        "{visited:?}"
    );
    assert_eq!(query(authorize)["acr_values"], FEIDE_MFA_ACR, "{visited:?}");
    let (visited, landed) = sign_in_at_provider(&web, form, ALICE.0).await;
    assert!(
        visited
            .iter()
            .any(|u| u.as_str().starts_with(&format!("{base}/callback?"))),
        "{visited:?}"
    );
    assert_eq!(
        visited.last().map(url::Url::as_str),
        Some(format!("{base}/mfa?tab=keys").as_str()),
        "back on the same page: {visited:?}"
    );
    assert_eq!(landed.status, 200, "{landed:?}");
    let page: Value = serde_json::from_str(&landed.body).expect("the page's JSON");
    assert_eq!(page["path"], "/mfa?tab=keys");
    assert_eq!(page["sub"], ALICE.0);
    assert_eq!(page["acr"], FEIDE_MFA_ACR, "{page}");

    // The stepped-up session stays: the route lets it through without the provider.
    let again = web.get(&format!("{base}/mfa")).await;
    assert_eq!(again.status, 200, "{again:?}");
    let (_, me) = web.get_json(&format!("{base}/me")).await;
    assert_eq!(me["acr"], FEIDE_MFA_ACR);
}
