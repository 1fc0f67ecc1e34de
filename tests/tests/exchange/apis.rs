//! Feide API clients (userinfo, extended userinfo, groups): typed answers and errors, and the
//! data source's exchange-then-call helpers with their one retry.

use std::time::Duration;

use feide_tower::Provider;
use feide_tower::apis::{self, ApiError, Group};
use feide_tower::exchange::{ExchangeError, TokenExchange};
use feide_tower::provider::{ProviderError, Secret};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_DATASOURCE_AUDIENCE, DEFAULT_DATASOURCE_CLIENT_ID,
    DEFAULT_DATASOURCE_CLIENT_SECRET, Endpoint, Failure, FakeFeide, FakeUser,
};
use serde_json::json;

use crate::common::{Downstream, TestResult, start, token_calls};

const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;

fn data_source(provider: &Provider) -> TokenExchange {
    TokenExchange::data_source(provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .build()
        .unwrap()
}

fn incoming(fake: &FakeFeide, user: &str) -> Secret {
    Secret::new(fake.access_token_for(user, AUD, "readUser"))
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_are_typed() -> TestResult {
    let (fake, provider) = start().await;
    fake.add_user(FakeUser::new("dave", "Dave Teacher").group(json!({
        "id": "fc:fs:fs:emne:test.feide.no:INF1000:1",
        "type": "fc:fs:emne",
        "displayName": "Introduction to programming",
        "parent": "fc:org:test.feide.no",
        "membership": {"basic": "admin", "fsroles": ["LECTURER"]},
    })));
    let exchange = data_source(&provider);

    let groups = exchange.groups(&incoming(&fake, "dave")).await?;
    let org = groups
        .iter()
        .find(|g| g.kind == "fc:org")
        .expect("the organisation");
    assert_eq!(org.id, "fc:org:test.feide.no");
    assert!(org.parent.is_none());
    assert!(!org.display_name.is_empty());
    let course: &Group = groups
        .iter()
        .find(|g| g.kind == "fc:fs:emne")
        .expect("the course");
    assert_eq!(course.display_name, "Introduction to programming");
    assert_eq!(course.parent.as_deref(), Some("fc:org:test.feide.no"));
    assert_eq!(
        course.membership.as_ref().expect("membership")["fsroles"],
        json!(["LECTURER"])
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn extended_userinfo_and_userinfo_through_the_exchange() -> TestResult {
    let (fake, provider) = start().await;
    let exchange = data_source(&provider);
    let alice = incoming(&fake, "alice");
    fake.reset_counts();

    let ext = exchange.extended_userinfo(&alice).await?;
    assert_eq!(
        ext["eduPersonPrincipalName"],
        json!(["alice@test.feide.no"])
    );
    let feide = exchange.provider();
    let info = exchange
        .with_token(&alice, |token| async move {
            apis::userinfo(feide, &token, None).await
        })
        .await?;
    assert!(info["sub"].is_string());
    exchange.groups(&alice).await?;
    assert_eq!(token_calls(&fake), 1, "one exchange for three API calls");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn api_errors_are_typed() -> TestResult {
    let (fake, provider) = start().await;
    let exchange = data_source(&provider);

    // 404: carol is not a Feide user.
    let err = exchange
        .extended_userinfo(&incoming(&fake, "carol"))
        .await
        .expect_err("not a Feide user");
    assert!(
        matches!(err, ExchangeError::Api(ApiError::NotFound)),
        "{err:?}"
    );

    // 403: the API says no.
    fake.fail(Endpoint::Groups, Failure::Status(403));
    let err = exchange
        .groups(&incoming(&fake, "alice"))
        .await
        .expect_err("403");
    assert!(
        matches!(err, ExchangeError::Api(ApiError::Forbidden)),
        "{err:?}"
    );

    // Not the JSON expected: an error that does not quote the body.
    fake.fail(
        Endpoint::Groups,
        Failure::Body {
            status: 200,
            content_type: "application/json".into(),
            body: r#"{"secret-looking": "BODY-TEXT-1234"}"#.into(),
        },
    );
    let err = exchange
        .groups(&incoming(&fake, "alice"))
        .await
        .expect_err("not groups");
    assert!(!err.to_string().contains("BODY-TEXT"), "{err}");

    // No groups URL configured.
    let bare = Provider::builder(fake.issuer())
        .timeout(Duration::from_secs(5))
        .build()
        .await?;
    let err = apis::groups(&bare, &Secret::new("x"))
        .await
        .expect_err("no URL");
    assert!(
        matches!(err, ApiError::Provider(ProviderError::Config(_))),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_from_a_feide_api_earns_one_new_exchange_not_a_loop() -> TestResult {
    let (fake, provider) = start().await;
    let exchange = data_source(&provider);
    let alice = incoming(&fake, "alice");
    exchange.groups(&alice).await?;
    fake.reset_counts();

    fake.fail(Endpoint::Groups, Failure::Status(401));
    let err = exchange.groups(&alice).await.expect_err("always 401");
    assert!(
        matches!(err, ExchangeError::Api(ApiError::Unauthorized)),
        "{err:?}"
    );
    assert_eq!(fake.requests(Endpoint::Groups), 2);
    assert_eq!(token_calls(&fake), 1);

    fake.clear_failure(Endpoint::Groups);
    exchange.groups(&alice).await?;
    assert_eq!(token_calls(&fake), 1, "the new token stayed cached");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn get_json_calls_a_data_source_with_the_exchanged_token() -> TestResult {
    let (fake, provider) = start().await;
    let downstream = Downstream::start().await;
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    let session_token = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    fake.reset_counts();

    let answer: serde_json::Value = exchange
        .get_json(&downstream.url("/me"), &session_token)
        .await?;
    assert_eq!(answer, json!({"ok": true}));

    downstream.unauthorized(1);
    let answer: serde_json::Value = exchange
        .get_json(&downstream.url("/me"), &session_token)
        .await?;
    assert_eq!(answer, json!({"ok": true}));
    let seen = downstream.seen();
    assert_eq!(seen.len(), 3);
    assert_ne!(seen[1], seen[2]);
    assert_eq!(token_calls(&fake), 2);

    let err = exchange
        .get_json::<Vec<u32>>(&downstream.url("/me"), &session_token)
        .await
        .expect_err("wrong shape");
    assert!(
        matches!(err, ExchangeError::Api(ApiError::Provider(_))),
        "{err:?}"
    );
    Ok(())
}
