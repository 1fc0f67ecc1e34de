//! Login request controls at the certified provider (issue 17, item 5): `prompt=none` with and
//! without a session there, and `max_age`, through the axum-login example's `/login`.

use std::time::Duration;

use url::Url;

use crate::apps::{ALICE, LoginApp, bind_app, query, sign_in};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};
use crate::web::{Page, Web};

fn callback_of<'a>(visited: &'a [Url], app: &LoginApp) -> &'a Url {
    visited
        .iter()
        .find(|u| u.as_str().starts_with(&app.url("/callback?")))
        .unwrap_or_else(|| panic!("the provider never came back to the callback: {visited:?}"))
}

fn no_interaction(visited: &[Url], op: &Op) {
    assert!(
        !visited
            .iter()
            .any(|u| u.as_str().starts_with(&op.url("/interaction/"))),
        "the provider showed a page: {visited:?}"
    );
}

/// The session's ID token `auth_time`, from the example's `/me`.
async fn auth_time(web: &Web, app: &LoginApp) -> i64 {
    let (status, me) = web.get_json(&app.url("/me")).await;
    assert_eq!(status, 200, "{me}");
    me["id_token_claims"]["auth_time"]
        .as_i64()
        .unwrap_or_else(|| panic!("an auth_time: {me}"))
}

/// Signs in again at the provider's login form `page` (consent is already given).
async fn log_in_again(web: &Web, page: Page, user: &str) -> (Vec<Url>, Page) {
    page.expect("the provider's login form", 200, "Sign-in");
    let form = page.form("the provider's login form", "/interaction/");
    let submitted = web
        .submit(&form, &[("login", user), ("password", "any password")])
        .await;
    web.follow(submitted).await
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_login_with_and_without_a_session_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("controls-silent");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let web = Web::new();

    // Not signed in at the provider: it answers login_required, and the browser is back on the
    // page it asked for, signed out, with no error page.
    let (visited, landed) = web
        .visit(&app.url("/login?prompt=none&return_to=%2F"))
        .await;
    assert_eq!(query(&visited[1])["prompt"], "none", "{visited:?}");
    no_interaction(&visited, &op);
    assert_eq!(
        query(callback_of(&visited, &app))["error"],
        "login_required"
    );
    assert_eq!(landed.url.as_str(), app.url("/"));
    landed.expect("home, signed out", 200, "You are not signed in");
    assert!(app.session(&web).is_none());

    // Signed in at the provider (and in the app); a silent login signs in without a page.
    let (user, _) = ALICE;
    sign_in(&web, &app, &op, user).await;
    let (visited, landed) = web
        .visit(&app.url("/login?prompt=none&return_to=%2Fme"))
        .await;
    no_interaction(&visited, &op);
    assert!(query(callback_of(&visited, &app)).contains_key("code"));
    assert_eq!(landed.url.as_str(), app.url("/me"));
    assert_eq!(landed.status, 200);
    assert_eq!(app.session(&web).expect("a session").sub(), user);
}

#[tokio::test(flavor = "multi_thread")]
async fn max_age_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("controls-max-age");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let web = Web::new();
    let (user, _) = ALICE;
    sign_in(&web, &app, &op, user).await;

    // Recent enough: the provider signs in without a page; the ID token carries auth_time.
    let (visited, landed) = web
        .visit(&app.url("/login?max_age=3600&ui_locales=nb+en&return_to=%2Fme"))
        .await;
    no_interaction(&visited, &op);
    let sent = query(&visited[1]);
    assert_eq!(sent["max_age"], "3600");
    assert_eq!(sent["ui_locales"], "nb en");
    assert_eq!(landed.url.as_str(), app.url("/me"));
    let first = auth_time(&web, &app).await;

    // Wait (with a deadline) until that sign-in is over a second old.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while integration_tests::now() <= first + 1 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Too old for a silent login with max_age=1: login_required, back without a new session.
    let (visited, landed) = web
        .visit(&app.url("/login?prompt=none&max_age=1&return_to=%2F"))
        .await;
    assert_eq!(
        query(callback_of(&visited, &app))["error"],
        "login_required"
    );
    assert_eq!(landed.url.as_str(), app.url("/"));
    assert_eq!(
        auth_time(&web, &app).await,
        first,
        "the session is untouched"
    );

    // Interactively: the provider asks the user to sign in again; the new auth_time is fresh.
    let (_, form) = web
        .visit(&app.url("/login?max_age=1&return_to=%2Fme"))
        .await;
    assert!(form.url.as_str().starts_with(&op.url("/interaction/")));
    let (visited, landed) = log_in_again(&web, form, user).await;
    callback_of(&visited, &app);
    assert_eq!(landed.url.as_str(), app.url("/me"), "{visited:?}");
    assert!(auth_time(&web, &app).await > first);
}
