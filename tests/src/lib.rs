//! Helpers shared by the workspace integration tests in `tests/tests/`.
//!
//! Every test talks only to servers it starts itself on 127.0.0.1 (FakeFeide and the app under
//! test), so the suite runs offline.

use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::Provider;
use feide_tower::testkit::FakeFeide;

/// A FakeFeide in auto-approve mode and a Provider discovered from it.
pub async fn fake_and_provider() -> (FakeFeide, Provider) {
    let fake = FakeFeide::start()
        .await
        .expect("FakeFeide starts on 127.0.0.1:0");
    let provider = Provider::builder(fake.issuer())
        .build()
        .await
        .expect("discovery against FakeFeide");
    (fake, provider)
}

/// A compact JWS from raw JSON header and claims with an arbitrary signature, for tokens that
/// must be refused before their signature matters (or whose signature is meant to be wrong).
pub fn raw_token(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    signature: &[u8],
) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    feide_tower::token::now()
}

/// Polls `check` until it returns true or `deadline` passes; returns whether it became true.
/// Tests wait on conditions, never on fixed sleeps.
pub async fn eventually<F, Fut>(deadline: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let until = Instant::now() + deadline;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
