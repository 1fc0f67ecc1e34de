//! Open-redirect attempts in `return_to` fall back to `/` after a real login.

use crate::harness::{Browser, Stack, log_in, start};

#[tokio::test(flavor = "multi_thread")]
async fn open_redirects_fall_back_to_the_root() {
    let app = start(Stack::Axum, |b| b).await;
    let payloads = [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%2F%2Fevil.example",
        "/\tevil.example",
        "/\r\nLocation: https://evil.example",
        "\t//evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "///evil.example",
        "http:evil.example",
        "/%5Cevil.example",
    ];
    for payload in payloads {
        let browser = Browser::new();
        let query = format!(
            "return_to={}",
            form_urlencoded::byte_serialize(payload.as_bytes()).collect::<String>()
        );
        let (visited, page) = log_in(&browser, &app, &query).await;
        assert_eq!(visited.last().unwrap(), &app.url("/"), "{payload:?}");
        assert_eq!(page.status(), 200);
    }
    // A same-origin path is kept.
    let browser = Browser::new();
    let (visited, _) = log_in(&browser, &app, "return_to=%2Fcourses%3Fid%3D7").await;
    assert_eq!(visited.last().unwrap(), &app.url("/courses?id=7"));
}
