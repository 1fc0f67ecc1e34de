//! Step-up at the certified provider (issue 17, item 4): a route that requires Feide's MFA
//! level sends the browser to the provider with `acr_values`; oidc-provider, configured with no
//! `acrValues` (as op.mjs is), cannot confirm it and issues an ID token without `acr`, which
//! the app must refuse rather than accept as the level asked for.

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::login::{FEIDE_MFA_ACR, FeideLogin};

use crate::apps::{ALICE, LOGIN_CLIENT_ID, LOGIN_CLIENT_SECRET, SESSION_KEY, bind_app, query};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;

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
