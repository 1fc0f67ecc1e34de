//! No token, cookie or secret in the logs of the access layer or the introspector.

use std::sync::{Arc, Mutex, OnceLock};

use feide_tower::testkit::{Endpoint, Failure};
use integration_tests::logs::assert_span;

use crate::harness::{CLIENT_SECRET, STACKS, api_get};

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

fn capture() -> Arc<Mutex<Vec<u8>>> {
    Arc::clone(LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Writer(Arc::clone(&writer)))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    }))
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tokens_cookies_and_secrets_never_reach_the_logs() {
    let logs = capture();
    let mut secrets = vec![CLIENT_SECRET.to_owned(), "v1.tampered-cookie".to_owned()];
    for stack in STACKS {
        let app = crate::introspection::start(stack, CLIENT_SECRET).await;
        let good = crate::introspection::opaque(&app, "read");
        let under = crate::introspection::opaque(&app, "write");
        for token in [&good, &under, &"never-issued-token".to_owned()] {
            api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
        }
        app.fake.fail(Endpoint::Introspection, Failure::Status(500));
        let failing = crate::introspection::opaque(&app, "read");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {failing}")), None).await;
        assert_eq!(reply.status, 503);
        let cookie = format!("{}=v1.tampered-cookie", app.cookie_name);
        api_get(&app.url("/api"), None, Some(&cookie)).await;
        secrets.extend([good, under, failing, "never-issued-token".to_owned()]);
    }
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(text.contains("introspection failed"), "logs were captured");
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "a secret value was logged");
    }
}

/// One `feide.access` span per decision, with `outcome` and `reason`; the bearer decision
/// inside is its child; never the token.
#[tokio::test]
async fn each_access_decision_has_one_span_with_its_outcome() {
    let logs = capture();
    let app = crate::harness::start(crate::harness::Stack::Axum, |b| b).await;
    let good = app.token(crate::harness::SCOPE);
    let under = app.token("openid");
    let allowed = api_get(&app.url("/api"), Some(&format!("Bearer {good}")), None).await;
    assert_eq!(allowed.status, 200);
    let forbidden = api_get(&app.url("/api"), Some(&format!("Bearer {under}")), None).await;
    assert_eq!(forbidden.status, 403);
    let nobody = api_get(&app.url("/api"), None, None).await;
    assert_eq!(nobody.status, 401);
    let browser = app.signed_in_browser().await;
    drop(browser);

    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert_span(&text, "feide.access", &["outcome=bearer"]);
    assert_span(
        &text,
        "feide.access",
        &["outcome=refused", "reason=insufficient_scope"],
    );
    assert_span(&text, "feide.access", &["outcome=login_required"]);
    assert_span(&text, "feide.access", &["outcome=session"]);
    assert!(
        text.lines()
            .any(|l| l.contains("feide.access") && l.contains(":feide.bearer{")),
        "the bearer decision is a child of the access decision"
    );
    for token in [&good, &under] {
        assert!(!text.contains(token.as_str()), "a token in the logs");
    }
}
