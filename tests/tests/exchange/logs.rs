//! No token or secret in any log line, whatever the outcome.

use feide_tower::exchange::{ClientCredentialsSource, TokenExchange};
use feide_tower::provider::Secret;
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure,
};

use crate::common::{TestResult, captured, start};

#[tokio::test(flavor = "multi_thread")]
async fn tokens_and_secrets_never_reach_the_logs() -> TestResult {
    let (fake, provider) = start().await;
    let logs = captured();
    let exchange = TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE).build()?;

    let subject = fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID);
    let issued = exchange.exchange(&Secret::new(subject.clone())).await?;
    let bogus = "SUBJECT-never-logged-71c2";
    let err = exchange
        .exchange(&Secret::new(bogus))
        .await
        .expect_err("invalid");
    assert!(err.is_invalid_grant());

    let source = ClientCredentialsSource::builder(&provider).build()?;
    let cc = source.token().await?;
    fake.fail(Endpoint::Token, Failure::Status(500));
    let failing = ClientCredentialsSource::builder(&provider).build()?;
    assert!(failing.token().await.is_err());
    fake.clear_failure(Endpoint::Token);

    let text = logs.text();
    assert!(text.contains("token exchange: failed"), "the capture works");
    assert!(text.contains("invalid_grant"), "the code is logged");
    for secret in [
        subject.as_str(),
        issued.expose(),
        bogus,
        cc.expose(),
        DEFAULT_CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "a secret in the logs");
    }
    Ok(())
}
