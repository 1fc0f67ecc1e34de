//! Tracing: one `feide.bearer` span per request with the outcome, the subject only hashed, and
//! never the token, whatever the outcome.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use feide_tower::bearer::BearerJwtLayer;
use integration_tests::logs::assert_span;
use integration_tests::{fake_and_provider, now};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::common::{AUD, Stack, get_bearer, get_with, protected};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The process-wide capture. A scoped (`set_default`) subscriber is unreliable while other tests
/// run on other threads (tracing's interest cache is global), so this test installs a global one
/// for feide-tower's events and checks whatever every test logged.
fn captured() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_env_filter(EnvFilter::new("feide_tower=trace,warn"))
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_carry_outcomes_and_never_a_token_or_a_subject() {
    let logs = captured();
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .require_scope("readUser")
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    let good = fake.access_token_for("alice", AUD, "readUser");
    let tokens = [
        good.clone(),
        fake.mint().claim("exp", now() - 600).sign(),
        fake.access_token_for("alice", AUD, "openid"),
        fake.mint().claim("aud", "fake-client").sign(),
        fake.mint().kid(Some("unknown")).sign(),
    ];
    assert_eq!(get_bearer(&url, &good).await.status, 200);
    assert_eq!(get_bearer(&url, &good).await.status, 200);
    for token in &tokens[1..] {
        assert_ne!(get_bearer(&url, token).await.status, 200);
    }
    get_with(&url, &[&format!("Bearer {}", tokens[1]), "Bearer x"]).await;

    let text = logs.text();
    for expected in [
        "feide.bearer",
        "outcome=\"allowed\"",
        "cache=\"miss\"",
        "cache=\"hit\"",
        "outcome=\"invalid_token\"",
        "reason=\"expired\"",
        "reason=\"wrong_audience\"",
        "reason=\"unknown_kid\"",
        "outcome=\"insufficient_scope\"",
        "outcome=\"invalid_request\"",
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    for token in &tokens {
        for part in token.split('.') {
            assert!(!text.contains(part), "a token part was logged:\n{text}");
        }
    }
    let alice = &fake.users()[0];
    assert!(
        !text.contains(&alice.sub),
        "the subject is logged only hashed"
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, alice.sub.as_bytes());
    let hashed: String = digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        text.contains(&format!("sub={hashed}")),
        "the subject is there, hashed:\n{text}"
    );
}

/// A per-route scope check is its own `feide.require_scope` span, a sibling of the bearer
/// decision: `allowed`, or `forbidden` with `reason=insufficient_scope`; never the token.
#[tokio::test(flavor = "multi_thread")]
async fn route_scope_decisions_have_their_own_span() {
    let logs = captured();
    let (fake, provider) = fake_and_provider().await;
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .build()
        .unwrap();
    let app = axum::Router::new()
        .route(
            "/write",
            axum::routing::get(|| async { "written" })
                .route_layer(bearer.require_scope("writeUser").unwrap()),
        )
        .layer(bearer);
    let url = format!("{}/write", crate::common::serve_axum(app).await);
    let writer = fake.access_token_for("alice", AUD, "writeUser");
    let reader = fake.access_token_for("alice", AUD, "readUser");
    assert_eq!(get_bearer(&url, &writer).await.status, 200);
    assert_eq!(get_bearer(&url, &reader).await.status, 403);

    let text = logs.text();
    assert_span(&text, "feide.require_scope", &["outcome=allowed"]);
    assert_span(
        &text,
        "feide.require_scope",
        &["outcome=forbidden", "reason=insufficient_scope"],
    );
    for token in [&writer, &reader] {
        for part in token.split('.') {
            assert!(!text.contains(part), "a token part was logged");
        }
    }
}
