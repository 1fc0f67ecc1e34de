//! Both Feide exchange patterns send exactly the right form fields; RFC 6749 errors are typed.

use feide_tower::apis;
use feide_tower::exchange::{ExchangePattern, TokenExchange, TokenExchangeBuilder};
use feide_tower::provider::{ClientAuthMethod, OAuthErrorCode, Secret};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE,
    DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET,
};

use crate::common::{TestResult, claims, form, start};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const AT: &str = "urn:ietf:params:oauth:token-type:access_token";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;

#[tokio::test(flavor = "multi_thread")]
async fn login_client_sends_exactly_the_login_client_fields() -> TestResult {
    let (fake, provider) = start().await;
    let opaque = fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID);
    let exchange = TokenExchange::login_client(&provider, AUD)
        .scope("readUser")
        .build()?;
    fake.reset_counts();

    let token = exchange.exchange(&Secret::new(opaque.clone())).await?;

    let sent = fake.token_requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].auth_method, "client_secret_basic");
    assert_eq!(sent[0].client_id.as_deref(), Some(DEFAULT_CLIENT_ID));
    assert_eq!(
        form(&sent[0]),
        [
            ("grant_type", GRANT),
            ("subject_token", opaque.as_str()),
            ("subject_token_type", AT),
            ("audience", AUD),
            ("scope", "readUser"),
        ]
    );
    // What came back: a JWT for the data source, on behalf of alice.
    assert_eq!(token.issued_token_type(), Some(JWT));
    assert_eq!(token.scope(), Some("readUser"));
    let jwt = claims(token.expose());
    assert_eq!(jwt["aud"], AUD);
    assert_eq!(jwt["scope"], "readUser");
    assert_eq!(jwt["client_id"], DEFAULT_CLIENT_ID);
    assert_eq!(jwt["iss"], fake.issuer());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn login_client_without_scope_sends_no_scope() -> TestResult {
    let (fake, provider) = start().await;
    let opaque = fake.issue_opaque_token(Some("bob"), DEFAULT_CLIENT_ID);
    // A blank scope (an empty FEIDE_TOKEN_EXCHANGE_SCOPE) is not sent either.
    let exchange = TokenExchange::login_client(&provider, AUD)
        .scope("  ")
        .build()?;
    fake.reset_counts();
    let token = exchange.exchange(&Secret::new(opaque)).await?;
    let sent = fake.token_requests();
    assert!(sent[0].field("scope").is_none(), "{:?}", sent[0].form);
    assert!(sent[0].field("requested_token_type").is_none());
    // Feide then grants everything the data source defines.
    assert_eq!(claims(token.expose())["scope"], "readUser writeUser");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn data_source_sends_exactly_the_data_source_fields_with_client_secret_post() -> TestResult {
    let (fake, provider) = start().await;
    let incoming = fake.access_token_for("alice", AUD, "readUser");
    let exchange = TokenExchange::data_source(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .auth_method(ClientAuthMethod::ClientSecretPost)
        .scope("groups")
        .build()?;
    assert_eq!(exchange.audience(), fake.issuer());
    fake.reset_counts();

    let token = exchange.exchange(&Secret::new(incoming.clone())).await?;

    let sent = fake.token_requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].auth_method, "client_secret_post");
    assert_eq!(
        sent[0].client_id.as_deref(),
        Some(DEFAULT_DATASOURCE_CLIENT_ID)
    );
    let issuer = fake.issuer();
    assert_eq!(
        form(&sent[0]),
        [
            ("grant_type", GRANT),
            ("subject_token", incoming.as_str()),
            ("subject_token_type", JWT),
            ("requested_token_type", AT),
            ("audience", issuer.as_str()),
            ("scope", "groups"),
            ("client_id", DEFAULT_DATASOURCE_CLIENT_ID),
            ("client_secret", "<redacted>"),
        ]
    );
    assert_eq!(token.issued_token_type(), Some(AT));
    // The opaque token works at Feide's APIs, for alice.
    let groups = apis::groups(&provider, &token.access_token()).await?;
    assert!(groups.iter().any(|g| g.id == "fc:org:test.feide.no"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn data_source_with_basic_auth_sends_no_credentials_in_the_form() -> TestResult {
    let (fake, provider) = start().await;
    let incoming = fake.access_token_for("alice", AUD, "readUser");
    let exchange = TokenExchange::data_source(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .build()?;
    fake.reset_counts();
    exchange.exchange(&Secret::new(incoming)).await?;
    let sent = &fake.token_requests()[0];
    assert_eq!(sent.auth_method, "client_secret_basic");
    assert_eq!(
        sent.client_id.as_deref(),
        Some(DEFAULT_DATASOURCE_CLIENT_ID)
    );
    assert!(sent.field("client_id").is_none() && sent.field("client_secret").is_none());
    assert!(sent.field("scope").is_none());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_grant_is_typed_and_never_shows_the_subject_or_the_secret() -> TestResult {
    let (fake, provider) = start().await;
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;
    let subject = "SUBJECT-do-not-leak-4b1d";
    fake.reset_counts();

    let err = exchange
        .exchange(&Secret::new(subject))
        .await
        .expect_err("an unknown subject token");
    assert!(err.is_invalid_grant(), "{err:?}");
    assert_eq!(err.oauth_error(), Some(&OAuthErrorCode::InvalidGrant));
    let text = format!("{err} | {err:?}");
    assert!(!text.contains(subject), "{text}");
    assert!(!text.contains(DEFAULT_CLIENT_SECRET), "{text}");
    assert!(text.contains("invalid_grant"), "{text}");

    // Failures are not cached: asking again asks Feide again.
    assert!(exchange.exchange(&Secret::new(subject)).await.is_err());
    assert_eq!(crate::common::token_calls(&fake), 2);

    // A token issued to another client is not this client's to exchange.
    let bobs_other = fake.issue_opaque_token(Some("bob"), DEFAULT_DATASOURCE_CLIENT_ID);
    let err = exchange
        .exchange(&Secret::new(bobs_other.clone()))
        .await
        .expect_err("another client's token");
    assert!(err.is_invalid_grant());
    assert!(!err.to_string().contains(&bobs_other));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_audience_is_invalid_target_and_unknown_scope_invalid_scope() -> TestResult {
    let (fake, provider) = start().await;
    let opaque = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    let exchange = TokenExchange::login_client(&provider, AUD).build()?;

    let nowhere = exchange.with_target("https://n.feide.no/datasources/unknown", None);
    let err = nowhere
        .exchange(&opaque)
        .await
        .expect_err("unknown audience");
    assert!(err.is_invalid_target(), "{err:?}");

    let err = exchange
        .with_target(AUD, Some("deleteEverything"))
        .exchange(&opaque)
        .await
        .expect_err("undefined scope");
    assert!(err.is_invalid_scope(), "{err:?}");

    // A data source exchanging toward anything but the issuer: invalid_target too.
    let incoming = Secret::new(fake.access_token_for("alice", AUD, "readUser"));
    let err = TokenExchange::data_source(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .audience("https://api.example.org")
        .build()?
        .exchange(&incoming)
        .await
        .expect_err("wrong audience");
    assert!(err.is_invalid_target(), "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_names_of_the_reference_examples() -> TestResult {
    let (_fake, provider) = start().await;
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };

    let login = TokenExchangeBuilder::from_env_with(
        &provider,
        ExchangePattern::LoginClient,
        env(&[
            // The data source's own names must not be picked up by the web app's exchange.
            (
                "DATASOURCE_TOKEN_EXCHANGE_AUDIENCE",
                "https://n.feide.no/datasources/wrong",
            ),
            ("FEIDE_TOKEN_EXCHANGE_AUDIENCE", AUD),
            ("FEIDE_TOKEN_EXCHANGE_SCOPE", "readUser"),
        ]),
    )?
    .build()?;
    assert_eq!(login.audience(), AUD);
    assert_eq!(login.scope(), Some("readUser"));

    let missing =
        TokenExchangeBuilder::from_env_with(&provider, ExchangePattern::LoginClient, env(&[]));
    assert!(missing.is_err());

    let ds = TokenExchangeBuilder::from_env_with(
        &provider,
        ExchangePattern::DataSource,
        env(&[
            ("DATASOURCE_CLIENT_ID", DEFAULT_DATASOURCE_CLIENT_ID),
            ("DATASOURCE_CLIENT_SECRET", DEFAULT_DATASOURCE_CLIENT_SECRET),
            ("DATASOURCE_TOKEN_EXCHANGE_SCOPE", "groups"),
        ]),
    )?
    .build()?;
    assert_eq!(ds.audience(), provider.issuer());
    assert_eq!(ds.scope(), Some("groups"));
    assert!(format!("{ds:?}").contains(DEFAULT_DATASOURCE_CLIENT_ID));
    assert!(!format!("{ds:?}").contains(DEFAULT_DATASOURCE_CLIENT_SECRET));

    let half = TokenExchangeBuilder::from_env_with(
        &provider,
        ExchangePattern::DataSource,
        env(&[("DATASOURCE_CLIENT_SECRET", "s3cret-half")]),
    )
    .expect_err("secret without id");
    assert!(!half.to_string().contains("s3cret-half"));
    Ok(())
}
