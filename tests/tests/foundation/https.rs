//! Issue 13, finding 9: every URL that receives a token or client credentials is https, except
//! on a loopback host (127.0.0.0/8, ::1, localhost), and anything else is refused at start-up
//! with an error naming the setting: provider endpoints from discovery, the Feide API URLs from
//! the environment or the builder. An API call with a token to a plain-http URL elsewhere is
//! refused before anything is sent.

use feide_tower::Provider;
use feide_tower::apis;
use feide_tower::exchange::TokenExchange;
use feide_tower::provider::{ProviderBuilder, ProviderError, Secret};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure,
    FakeFeide,
};
use serde_json::json;

/// Discovery from `fake`, with `endpoint` pointed at `url`.
fn discovery_naming(fake: &FakeFeide, endpoint: &str, url: &str) -> Failure {
    let mut doc = json!({
        "issuer": fake.issuer(),
        "authorization_endpoint": fake.url("/oauth/authorization"),
        "token_endpoint": fake.url("/oauth/token"),
        "userinfo_endpoint": fake.url("/openid/userinfo"),
        "jwks_uri": fake.url("/openid/jwks"),
        "end_session_endpoint": fake.url("/openid/endsession"),
    });
    doc[endpoint] = json!(url);
    Failure::Body {
        status: 200,
        content_type: "application/json".into(),
        body: doc.to_string(),
    }
}

fn insecure_setting(error: &ProviderError) -> Option<&str> {
    match error {
        ProviderError::InsecureUrl { setting, .. } => Some(setting),
        _ => None,
    }
}

#[tokio::test]
async fn discovery_naming_a_plain_http_endpoint_off_loopback_is_refused() {
    let fake = FakeFeide::start().await.unwrap();
    for endpoint in [
        "token_endpoint",
        "userinfo_endpoint",
        "end_session_endpoint",
        "introspection_endpoint",
        "jwks_uri",
        "authorization_endpoint",
    ] {
        for url in [
            "http://auth.example.org/x",
            "http://localhost.example.org/x",
            "http://127.0.0.1.nip.io/x",
            "http://[::ffff:7f00:1]:9/x",
            "http://10.0.0.1/x",
        ] {
            fake.fail(Endpoint::Discovery, discovery_naming(&fake, endpoint, url));
            let error = Provider::builder(fake.issuer())
                .client("id", "secret")
                .build()
                .await
                .expect_err(&format!("{endpoint} = {url} is refused"));
            assert_eq!(
                insecure_setting(&error),
                Some(endpoint),
                "{endpoint} = {url}: {error}"
            );
            assert!(error.to_string().contains(endpoint), "{error}");
        }
        for url in [
            "https://auth.example.org/x",
            "http://127.0.0.1:9/x",
            "http://127.3.2.1:9/x",
            "http://[::1]:9/x",
            "http://localhost:9/x",
            "http://LOCALHOST:9/x",
        ] {
            fake.fail(Endpoint::Discovery, discovery_naming(&fake, endpoint, url));
            Provider::builder(fake.issuer())
                .build()
                .await
                .unwrap_or_else(|e| panic!("{endpoint} = {url} is accepted: {e}"));
        }
    }
}

#[tokio::test]
async fn plain_http_api_urls_off_loopback_are_a_start_up_error() {
    let fake = FakeFeide::start().await.unwrap();
    let issuer = fake.issuer();
    for name in ["FEIDE_GROUPINFO_URL", "FEIDE_EXTENDED_USERINFO_URL"] {
        let vars = [
            ("FEIDE_ISSUER", issuer.as_str()),
            (name, "http://example.org/groups/me/groups"),
        ];
        let lookup = |n: &str| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        };
        let error = match ProviderBuilder::from_env_with(lookup) {
            Err(error) => error,
            Ok(builder) => builder
                .build()
                .await
                .expect_err(&format!("{name} over plain http is refused")),
        };
        assert_eq!(insecure_setting(&error), Some(name), "{error}");
    }
    // The same rule for the builder's setters, and loopback stays allowed (FakeFeide).
    let error = Provider::builder(fake.issuer())
        .groups_url("http://example.org/groups")
        .build()
        .await
        .expect_err("groups_url over plain http is refused");
    assert!(insecure_setting(&error).is_some(), "{error}");
    let error = Provider::builder(fake.issuer())
        .extended_userinfo_url("ftp://example.org/userinfo")
        .build()
        .await
        .expect_err("extended_userinfo_url over ftp is refused");
    assert!(insecure_setting(&error).is_some(), "{error}");
    Provider::builder(fake.issuer())
        .groups_url(fake.groups_url())
        .extended_userinfo_url(fake.extended_userinfo_url())
        .build()
        .await
        .expect("loopback API URLs are fine");
}

#[tokio::test]
async fn a_token_is_never_sent_to_a_plain_http_api_off_loopback() {
    let fake = FakeFeide::start().await.unwrap();
    let provider = Provider::builder(fake.issuer())
        .client(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    let exchange = TokenExchange::login_client(&provider, DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .unwrap();
    let subject = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    fake.reset_counts();
    let error = exchange
        .get_json::<serde_json::Value>("http://datasource.example.org/me", &subject)
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("https"), "{error}");
    assert_eq!(
        fake.requests(Endpoint::Token),
        0,
        "not even exchanged: the URL is refused first"
    );
    let provider = Provider::builder(fake.issuer())
        .groups_url(fake.groups_url())
        .build()
        .await
        .unwrap();
    let groups = apis::groups(&provider, &subject).await;
    assert!(groups.is_ok(), "loopback API calls work: {groups:?}");
}
