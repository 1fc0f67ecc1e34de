//! Tracing: one span per outgoing-token decision (`feide.exchange`, `feide.client_credentials`,
//! `feide.outgoing`) with `outcome`, `reason` and `cache`; never a token or secret.

use bytes::Bytes;
use feide_tower::exchange::{ClientCredentialsSource, SubjectToken, TokenExchange};
use feide_tower::provider::Secret;
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure,
};
use http::Request;
use http_body_util::Full;
use integration_tests::logs::assert_span;
use tower::{ServiceBuilder, ServiceExt};

use crate::common::{Downstream, ReqwestService, TestResult, captured, empty, start};

fn get(url: &str, subject: Option<&str>) -> Request<Full<Bytes>> {
    let mut builder = Request::get(url);
    if let Some(subject) = subject {
        builder = builder.extension(SubjectToken::new(Secret::new(subject)));
    }
    builder.body(empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_token_decision_has_one_span_with_outcome_reason_and_cache() -> TestResult {
    let logs = captured();
    let (fake, provider) = start().await;
    let exchange = TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE).build()?;
    let subject = fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID);

    // Through the outgoing layer: issued (a miss), then cached (a hit); an invalid subject fails.
    let downstream = Downstream::start().await;
    let client = ServiceBuilder::new()
        .layer(exchange.layer())
        .service(ReqwestService::new());
    for _ in 0..2 {
        let response = client
            .clone()
            .oneshot(get(&downstream.url("/me"), Some(&subject)))
            .await?;
        assert!(response.status().is_success());
    }
    let issued = exchange.exchange(&Secret::new(subject.clone())).await?;
    let bogus = "SUBJECT-never-logged-3b7d";
    assert!(
        client
            .clone()
            .oneshot(get(&downstream.url("/me"), Some(bogus)))
            .await
            .is_err()
    );

    let source = ClientCredentialsSource::builder(&provider).build()?;
    let cc = source.token().await?;
    let again = source.token().await?;
    fake.fail(Endpoint::Token, Failure::Status(500));
    let failing = ClientCredentialsSource::builder(&provider).build()?;
    assert!(failing.token().await.is_err());
    fake.clear_failure(Endpoint::Token);

    let text = logs.text();
    assert_span(&text, "feide.exchange", &["outcome=issued", "cache=miss"]);
    assert_span(&text, "feide.exchange", &["outcome=cached", "cache=hit"]);
    assert_span(
        &text,
        "feide.exchange",
        &[
            "outcome=failed",
            "reason=token_endpoint_refused",
            "cache=miss",
        ],
    );
    assert_span(&text, "feide.outgoing", &["outcome=sent", "cache=miss"]);
    assert_span(&text, "feide.outgoing", &["outcome=sent", "cache=hit"]);
    assert_span(
        &text,
        "feide.outgoing",
        &["outcome=failed", "reason=token_endpoint_refused"],
    );
    assert_span(
        &text,
        "feide.client_credentials",
        &["outcome=issued", "cache=miss"],
    );
    assert_span(
        &text,
        "feide.client_credentials",
        &["outcome=cached", "cache=hit"],
    );
    assert_span(
        &text,
        "feide.client_credentials",
        &["outcome=failed", "reason=token_endpoint_unavailable"],
    );
    for secret in [
        subject.as_str(),
        issued.expose(),
        bogus,
        cc.expose(),
        again.expose(),
        DEFAULT_CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "a secret in the logs");
    }
    Ok(())
}
