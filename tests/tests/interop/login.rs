//! Login, session and logout of the axum-login example at the certified provider.

use crate::apps::{
    ALICE, LOGIN_CLIENT_ID, LoginApp, SCOPES, bind_app, jwt_part, login_client_provider, query,
    sign_in,
};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::Web;
use feide_tower::apis::{self, ApiError};

#[tokio::test(flavor = "multi_thread")]
async fn login_session_and_logout_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("api-login");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let web = Web::new();

    // Signed out to begin with.
    web.get(&app.url("/"))
        .await
        .expect("home, signed out", 200, "You are not signed in");

    // Sign in: the authorization request is what a strict provider wants, and it took it.
    let (user, name) = ALICE;
    let signed_in = sign_in(&web, &app, &op, user).await;
    let q = query(&signed_in.authorize);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], LOGIN_CLIENT_ID);
    assert_eq!(q["redirect_uri"], app.url("/callback"));
    assert_eq!(q["scope"], SCOPES);
    assert_eq!(q["code_challenge_method"], "S256");
    let back = query(&signed_in.callback);
    assert_eq!(back["state"], q["state"], "the provider echoes state");
    assert_eq!(
        back["iss"],
        op.issuer(),
        "oidc-provider sends RFC 9207 iss; the app checked it equals the issuer"
    );
    assert_eq!(signed_in.landed.url.as_str(), app.url("/"));
    signed_in
        .landed
        .expect("home, signed in", 200, &format!("Signed in as {name}"));

    // The session: ID-token claims from the provider, userinfo with the granted scopes.
    let (status, me) = web.get_json(&app.url("/me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sub"], user);
    let claims = &me["id_token_claims"];
    assert_eq!(claims["iss"], op.issuer());
    assert_eq!(claims["aud"], LOGIN_CLIENT_ID);
    assert_eq!(
        claims["nonce"], q["nonce"],
        "the ID token carries our nonce"
    );
    assert_eq!(me["userinfo"]["name"], name);
    assert_eq!(me["userinfo"]["email"], "alice@example.org");
    assert_eq!(
        me["userinfo"]["https://n.feide.no/claims/eduPersonPrincipalName"],
        "alice@test.feide.no"
    );
    let session = app.session(&web).expect("the browser holds a session");
    assert_eq!(session.sub(), user);
    assert_eq!(session.name(), Some(name));
    assert_eq!(session.issuer(), op.issuer());
    let provider = login_client_provider(&op).await;
    let info = apis::userinfo(&provider, session.access_token(), Some(user))
        .await
        .expect("the session's access token works at the provider's userinfo");
    assert_eq!(info["name"], name);

    // Sign out: RP-initiated logout with id_token_hint, confirmed on the provider's page.
    let logout = web.post(&app.url("/logout"), &[]).await;
    assert_eq!(logout.status, 303);
    let end_session = logout.redirect("POST /logout");
    assert!(
        end_session.as_str().starts_with(&op.url("/session/end?")),
        "{end_session}"
    );
    let hint = query(&end_session);
    assert_eq!(hint["client_id"], LOGIN_CLIENT_ID);
    assert_eq!(hint["post_logout_redirect_uri"], app.url("/post-logout"));
    let id_token = &hint["id_token_hint"];
    assert_eq!(jwt_part(id_token, 0)["alg"], "RS256");
    assert_eq!(jwt_part(id_token, 1)["sub"], user);
    let confirm = web.get(end_session.as_str()).await;
    confirm.expect(
        "the provider's logout page",
        200,
        "Do you want to sign-out from",
    );
    let form = confirm.form("the provider's logout page", "/session/end/confirm");
    let confirmed = web.submit(&form, &[("logout", "yes")]).await;
    let back = confirmed.redirect("confirming logout at the provider");
    assert!(
        back.as_str().starts_with(&app.url("/post-logout")),
        "back at the registered post-logout URI: {back}"
    );
    assert_eq!(query(&back)["state"], hint["state"]);
    let (_, signed_out) = web.follow(confirmed).await;
    signed_out.expect("signed out page", 200, "You are signed out");

    // Signed out everywhere: no session here, the provider revoked the tokens and ended its
    // own session (the next sign-in shows the login form again).
    assert!(app.session(&web).is_none());
    let protected = web.get(&app.url("/me")).await;
    assert_eq!(
        protected.redirect("GET /me after logout").as_str(),
        app.url("/login?return_to=%2Fme")
    );
    web.get(&app.url("/"))
        .await
        .expect("home after logout", 200, "You are not signed in");
    let refused = apis::userinfo(&provider, session.access_token(), None).await;
    assert!(
        matches!(refused, Err(ApiError::Unauthorized)),
        "the provider revoked the access token at logout: {refused:?}"
    );
    let (_, again) = web.visit(&app.url("/login")).await;
    again.expect("sign in again after logout", 200, "Sign-in");
    assert!(again.url.as_str().starts_with(&op.url("/interaction/")));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_at_the_provider_shows_a_cancelled_page() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("api-cancel");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let web = Web::new();

    let (_, login_page) = web.visit(&app.url("/login")).await;
    login_page.expect("the provider's login form", 200, "Sign-in");
    let abort = login_page
        .body
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|href| href.ends_with("/abort"))
        .expect("the login form has a cancel link");
    let (visited, page) = web
        .visit(login_page.url.join(abort).unwrap().as_str())
        .await;
    let callback = visited
        .iter()
        .find(|u| u.as_str().starts_with(&app.url("/callback?")))
        .expect("the provider reports the cancellation to the callback");
    assert_eq!(query(callback)["error"], "access_denied");
    page.expect("the app's cancelled page", 403, "Sign-in cancelled");
    assert!(app.session(&web).is_none());
    assert!(
        !page.body.contains("End-User aborted"),
        "the provider's error_description is not echoed"
    );
}
