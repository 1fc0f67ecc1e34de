//! Custom error bodies: the renderer chooses the body and its type, never status or headers.

use bytes::Bytes;
use feide_tower::Denial;
use http::HeaderValue;

use crate::harness::{STACKS, api_get, start};

/// A renderer that would like to turn every refusal into a 200 and drop the challenge.
fn sneaky(denial: &Denial) -> (HeaderValue, Bytes) {
    let body = format!(
        r#"{{"status":200,"custom":true,"was":{},"redirect":{}}}"#,
        denial.status().as_u16(),
        denial.is_redirect()
    );
    (
        HeaderValue::from_static("application/problem+json"),
        Bytes::from(body),
    )
}

#[tokio::test]
async fn the_renderer_sets_the_body_but_not_the_status_or_headers() {
    for stack in STACKS {
        let app = start(stack, |b| b.render_body(sneaky)).await;

        let reply = api_get(&app.url("/api"), Some("Bearer garbage"), None).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert_eq!(reply.body["custom"], true, "{stack:?}: {}", reply.raw_body);
        assert_eq!(reply.body["was"], 401);
        assert_eq!(reply.get("content-type"), Some("application/problem+json"));
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
        assert_eq!(reply.get("cache-control"), Some("no-store"));

        let under = app.token("otherScope");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {under}")), None).await;
        assert_eq!(reply.status, 403, "{stack:?}");
        assert!(
            reply
                .get("www-authenticate")
                .unwrap()
                .contains("insufficient_scope")
        );

        let reply = api_get(&app.url("/api"), None, None).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert_eq!(reply.body["custom"], true);

        // Browsers are still redirected, with our Location.
        let response = crate::harness::Browser::new().get(&app.url("/api")).await;
        assert_eq!(response.status(), 302, "{stack:?}");
        assert_eq!(response.headers()["location"], "/login?return_to=%2Fapi");

        // A broken cookie is still cleared.
        let cookie = format!("{}=v1.tampered", app.cookie_name);
        let reply = api_get(&app.url("/api"), None, Some(&cookie)).await;
        assert_eq!(reply.status, 401);
        assert!(!reply.set_cookies().is_empty(), "{stack:?}");
    }
}

#[tokio::test]
async fn without_a_renderer_the_defaults_stay() {
    for stack in STACKS {
        let app = start(stack, |b| b).await;
        let reply = api_get(&app.url("/api"), Some("Bearer garbage"), None).await;
        assert_eq!(
            reply.get("content-type"),
            Some("application/json"),
            "{stack:?}"
        );
        assert_eq!(reply.body["error"], "invalid_token");
    }
}
