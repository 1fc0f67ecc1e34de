//! Optional authentication: no credential passes as anonymous; a bad one is still refused.

use crate::harness::{SCOPE, STACKS, api_get, start};

#[tokio::test]
async fn no_credential_passes_as_anonymous() {
    for stack in STACKS {
        let app = start(stack, |b| b.optional(true)).await;
        let reply = api_get(&app.url("/api"), None, None).await;
        assert_eq!(reply.status, 200, "{stack:?}");
        assert_eq!(reply.kind(), "anonymous", "{stack:?}");
        assert!(reply.set_cookies().is_empty(), "{stack:?}");

        let token = app.token(SCOPE);
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
        assert_eq!(reply.kind(), "bearer", "{stack:?}");

        let browser = app.signed_in_browser().await;
        let reply = crate::harness::Reply::from(browser.get(&app.url("/api")).await).await;
        assert_eq!(reply.kind(), "session", "{stack:?}");
    }
}

#[tokio::test]
async fn garbage_credentials_are_still_refused() {
    for stack in STACKS {
        let app = start(stack, |b| b.optional(true)).await;
        for authorization in [
            "Bearer garbage",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Bearer a b",
        ] {
            let reply = api_get(&app.url("/api"), Some(authorization), None).await;
            assert_eq!(reply.status, 401, "{stack:?} {authorization:?}");
            assert!(reply.get("www-authenticate").unwrap().starts_with("Bearer"));
        }
        let under = app.token("otherScope");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {under}")), None).await;
        assert_eq!(reply.status, 403, "{stack:?}");
    }
}

#[tokio::test]
async fn a_broken_cookie_passes_as_anonymous_and_is_cleared() {
    for stack in STACKS {
        let app = start(stack, |b| b.optional(true)).await;
        let cookie = format!("{}=v1.tampered", app.cookie_name);
        let reply = api_get(&app.url("/api"), None, Some(&cookie)).await;
        assert_eq!(reply.status, 200, "{stack:?}");
        assert_eq!(reply.kind(), "anonymous", "{stack:?}");
        let cleared = reply.set_cookies();
        assert!(
            cleared
                .iter()
                .any(|c| c.starts_with(&format!("{}=", app.cookie_name)) && c.contains("Max-Age=0")),
            "{stack:?}: {cleared:?}"
        );
    }
}
