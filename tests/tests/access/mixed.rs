//! Bearer-or-session: a token is judged by the bearer rules only; without one the session decides.

use feide_tower::bearer::BearerAuthorizer;
use serde_json::json;

use crate::harness::{
    Browser, CLIENT_ID, REALM, SCOPE, STACKS, api_get, get_with_token, start, start_with,
};

#[tokio::test]
async fn a_valid_token_gets_in_as_bearer() {
    for stack in STACKS {
        let app = start(stack, |b| b).await;
        let token = app.token(SCOPE);
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
        assert_eq!(reply.status, 200, "{stack:?}: {}", reply.raw_body);
        assert_eq!(reply.kind(), "bearer", "{stack:?}");
        assert_eq!(reply.body["subject"], app.fake.users()[0].sub, "{stack:?}");
    }
}

#[tokio::test]
async fn bad_tokens_get_the_rfc6750_answer() {
    for stack in STACKS {
        let app = start(stack, |b| b).await;
        let under = app.token("otherScope");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {under}")), None).await;
        assert_eq!(reply.status, 403, "{stack:?}");
        let www = reply.get("www-authenticate").unwrap();
        assert!(
            www.contains("insufficient_scope") && www.contains(SCOPE),
            "{www}"
        );
        assert!(!reply.raw_body.contains(&under));

        let reply = api_get(&app.url("/api"), Some("Bearer not.a.jwt"), None).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
        assert_eq!(reply.body["error"], "invalid_token");

        // Another scheme is a credential too: the bearer answer, not the login one.
        let reply = api_get(&app.url("/api"), Some("Basic dXNlcjpwYXNz"), None).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert_eq!(
            reply.get("www-authenticate"),
            Some(format!("Bearer realm=\"{REALM}\"").as_str())
        );
        assert_eq!(reply.get("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn without_credentials_api_clients_get_401_and_browsers_a_redirect() {
    for stack in STACKS {
        let app = start(stack, |b| b).await;
        let reply = api_get(&app.url("/api?x=1"), None, None).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert_eq!(reply.body["error"], "login_required");
        assert!(reply.get("www-authenticate").is_none());

        let browser = Browser::new();
        let response = browser.get(&app.url("/api?x=1")).await;
        assert_eq!(response.status(), 302, "{stack:?}");
        assert_eq!(
            response.headers()["location"],
            "/login?return_to=%2Fapi%3Fx%3D1"
        );
    }
}

#[tokio::test]
async fn a_session_gets_in_and_a_token_is_never_downgraded_to_it() {
    for stack in STACKS {
        let app = start(stack, |b| b).await;
        let browser = app.signed_in_browser().await;
        let reply = crate::harness::Reply::from(browser.get(&app.url("/api")).await).await;
        assert_eq!(reply.status, 200, "{stack:?}");
        assert_eq!(reply.kind(), "session", "{stack:?}");
        assert_eq!(reply.body["subject"], app.fake.users()[0].sub);

        // Same browser, same valid cookie, but a bad or under-scoped token: refused.
        let reply = get_with_token(&browser, &app.url("/api"), "Bearer garbage").await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
        let under = app.token("otherScope");
        let reply = get_with_token(&browser, &app.url("/api"), &format!("Bearer {under}")).await;
        assert_eq!(reply.status, 403, "{stack:?}");

        // A good token wins over the cookie: the caller is judged as an API client.
        let token = app.token(SCOPE);
        let reply = get_with_token(&browser, &app.url("/api"), &format!("Bearer {token}")).await;
        assert_eq!(reply.status, 200, "{stack:?}");
        assert_eq!(reply.kind(), "bearer", "{stack:?}");
    }
}

#[tokio::test]
async fn a_broken_cookie_is_refused_and_cleared() {
    for stack in STACKS {
        let app = start(stack, |b| b).await;
        let cookie = format!("{}=v1.tampered", app.cookie_name);
        let reply = api_get(&app.url("/api"), None, Some(&cookie)).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        let cleared = reply.set_cookies();
        assert!(
            cleared
                .iter()
                .any(|c| c.starts_with(&format!("{}=", app.cookie_name)) && c.contains("Max-Age=0")),
            "{stack:?}: {cleared:?}"
        );
        assert!(!reply.raw_body.contains("tampered"));
    }
}

/// Issue 13, finding 3, on the access layer's bearer side: the login's ID token (same issuer,
/// audience = the login's client id, as in `id_token_hint`) is no bearer token, with or without a
/// session cookie beside it.
#[tokio::test]
async fn an_id_token_of_the_login_is_no_bearer_token() {
    for stack in STACKS {
        let app = start_with(
            stack,
            |_| {},
            |provider| {
                BearerAuthorizer::builder(provider)
                    .audience(CLIENT_ID)
                    .realm(REALM)
                    .build_authorizer()
                    .unwrap()
                    .into()
            },
            |b| b,
        )
        .await;
        let user = app.fake.users()[0].clone();
        let now = integration_tests::now();
        let id_token = app
            .fake
            .mint()
            .claims(json!({
                "iss": app.fake.issuer(), "aud": CLIENT_ID, "sub": user.sub, "iat": now,
                "exp": now + 600, "auth_time": now, "nonce": "the-login-s-nonce",
            }))
            .sign();
        let bearer = format!("Bearer {id_token}");
        let reply = api_get(&app.url("/api"), Some(&bearer), None).await;
        assert_eq!(reply.status, 401, "{stack:?}: {}", reply.raw_body);
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
        assert!(!reply.raw_body.contains(&id_token));

        let browser = app.signed_in_browser().await;
        let reply = get_with_token(&browser, &app.url("/api"), &bearer).await;
        assert_eq!(
            reply.status, 401,
            "{stack:?}: not downgraded to the session"
        );

        let access = app.fake.access_token_for(&user.id, CLIENT_ID, "openid");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {access}")), None).await;
        assert_eq!(reply.status, 200, "{stack:?}: {}", reply.raw_body);
        assert_eq!(reply.kind(), "bearer");
    }
}
