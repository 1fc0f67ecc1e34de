//! Issue 13, finding 2 (login CSRF): a login flow completes only in the browser that started it.
//!
//! The app is configured as a deployment at `https://app.example` (so its cookies are `Secure`
//! and prefixed) and served on 127.0.0.1; the clients here keep cookies by hand, as a browser
//! would for that origin. An attacker who starts a login in their own browser, stops at the
//! callback URL and plants their flow cookie in a victim's browser must not sign the victim in.
//! A sibling subdomain can plant a cookie under any name except a `__Host-` one, so the
//! attacker's replay below uses those names; that a browser refuses a planted `__Host-` cookie
//! is the browser's part (RFC 6265bis §4.1.3.2) and cannot be shown over plain HTTP.

use feide_tower::testkit::{Endpoint, FakeClient};
use http::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::harness::{CLIENT_ID, CLIENT_SECRET, Stack, TestApp, start};

/// The redirect URI of the deployment the app plays.
const PUBLIC_CALLBACK: &str = "https://app.example/callback";

/// An app whose public address is `https://app.example`.
async fn https_app() -> TestApp {
    let app = start(Stack::Axum, |b| b.redirect_uri(PUBLIC_CALLBACK)).await;
    app.fake
        .register_client(FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(PUBLIC_CALLBACK));
    app
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` pairs and the whole lines of a response's `Set-Cookie` headers.
fn set_cookies(response: &reqwest::Response) -> Vec<(String, String, String)> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| {
            let line = v.to_str().unwrap().to_owned();
            let pair = line.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), value.to_owned(), line)
        })
        .collect()
}

/// A login started at `/login` and approved at FakeFeide, stopped before the callback.
struct Started {
    /// The flow cookie as set: name, value and the whole `Set-Cookie` line.
    flow: (String, String, String),
    /// The callback query FakeFeide sent the browser back with.
    callback_query: String,
}

async fn start_login(app: &TestApp, http: &reqwest::Client) -> Started {
    let login = http
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 302);
    let mut cookies = set_cookies(&login);
    assert_eq!(cookies.len(), 1, "one flow cookie: {cookies:?}");
    let flow = cookies.remove(0);
    let authorize = login.headers()[LOCATION].to_str().unwrap().to_owned();
    let approved = http.get(authorize).send().await.unwrap();
    let callback = approved.headers()[LOCATION].to_str().unwrap();
    let (to, query) = callback.split_once('?').unwrap();
    assert_eq!(to, PUBLIC_CALLBACK);
    Started {
        flow,
        callback_query: query.to_owned(),
    }
}

/// The callback with `cookies` (a `Cookie` header line); the response and its session cookies.
async fn callback(
    app: &TestApp,
    http: &reqwest::Client,
    query: &str,
    cookies: &str,
) -> (u16, Vec<String>) {
    let response = http
        .get(app.url(&format!("/callback?{query}")))
        .header("accept", "text/html")
        .header(COOKIE, cookies)
        .send()
        .await
        .unwrap();
    let sessions = set_cookies(&response)
        .into_iter()
        .filter(|(name, value, _)| name.contains("feide_session") && !value.is_empty())
        .map(|(name, _, _)| name)
        .collect();
    (response.status().as_u16(), sessions)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_cookie_replayed_from_another_browser_under_a_plantable_name_signs_no_one_in() {
    let app = https_app().await;
    // The attacker's browser starts a login and stops at the callback URL.
    let attacker = client();
    let started = start_login(&app, &attacker).await;
    let (name, value, line) = &started.flow;
    let state = url::form_urlencoded::parse(started.callback_query.as_bytes())
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();

    // The victim's browser (a fresh jar) carries the attacker's flow cookie under a name a
    // sibling subdomain could plant, and follows the attacker's callback URL.
    let victim = client();
    app.fake.reset_counts();
    for planted in [
        format!("__Secure-feide_flow_{state}"),
        format!("feide_flow_{state}"),
        format!("__host-feide_flow_{state}"),
    ] {
        let (status, sessions) = callback(
            &app,
            &victim,
            &started.callback_query,
            &format!("{planted}={value}"),
        )
        .await;
        assert!(
            sessions.is_empty(),
            "a flow cookie planted as {planted} signed the victim in as the attacker"
        );
        assert_eq!(status, 400, "{planted}: the expired-sign-in page");
    }
    assert_eq!(
        app.fake.requests(Endpoint::Token),
        0,
        "a refused flow never redeems the code"
    );

    // Control: the name the flow was set under is `__Host-` and completes the login; in the
    // browser that started it, that is the only name it can have.
    assert_eq!(name, &format!("__Host-feide_flow_{state}"));
    for attribute in [
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Max-Age=600",
    ] {
        assert!(
            line.split("; ").any(|a| a == attribute),
            "flow cookie lacks {attribute}: {line}"
        );
    }
    assert!(!line.contains("Domain"), "a host-only cookie: {line}");
    let (status, sessions) = callback(
        &app,
        &attacker,
        &started.callback_query,
        &format!("{name}={value}"),
    )
    .await;
    assert_eq!(status, 302);
    assert_eq!(sessions, ["__Host-feide_session"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_of_one_browser_still_both_complete_with_host_cookies() {
    let app = https_app().await;
    let browser = client();
    let first = start_login(&app, &browser).await;
    let second = start_login(&app, &browser).await;
    assert_ne!(first.flow.0, second.flow.0, "one cookie per flow");
    // Both flow cookies are `Path=/`: the browser sends both to either callback.
    let jar = format!(
        "{}={}; {}={}",
        first.flow.0, first.flow.1, second.flow.0, second.flow.1
    );
    for started in [&second, &first] {
        let (status, sessions) = callback(&app, &browser, &started.callback_query, &jar).await;
        assert_eq!(status, 302);
        assert_eq!(sessions, ["__Host-feide_session"]);
    }
}
