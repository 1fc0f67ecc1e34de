//! The whole chain on axum: a web app signs alice in, exchanges her opaque token for a JWT to
//! the data source and calls it; the data source validates the JWT, exchanges it for a Feide
//! API token and answers with her groups.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use feide_tower::Provider;
use feide_tower::apis::Group;
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::exchange::{ExchangeError, SubjectToken, TokenExchange};
use feide_tower::login::FeideLogin;
use feide_tower::provider::{OAuthErrorCode, TokenEndpointError};
use feide_tower::testkit::{
    DEFAULT_DATASOURCE_AUDIENCE, DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET,
    FakeClient, FakeFeide,
};
use http::StatusCode;
use http::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, LOCATION};
use serde_json::Value;

use crate::common::{TestResult, start, token_calls};

const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;
const WEB_ID: &str = "web-app";
const WEB_SECRET: &str = "web-app-secret-3c1f";
const KEY: &str = "339d64e4331b77d15771d9df038f5c12c8c0ea0e3704826184a2741fc55316ae";

/// The data source: `/groups` behind the bearer layer; `/unguarded` without it.
async fn data_source(provider: &Provider, client: (&str, &str)) -> String {
    let to_feide = TokenExchange::data_source(provider)
        .client(client.0, client.1)
        .build()
        .unwrap();
    let bearer = BearerJwtLayer::builder(provider)
        .audience(AUD)
        .require_scope("readUser")
        .build()
        .unwrap();
    async fn groups(
        State(feide): State<TokenExchange>,
        subject: SubjectToken,
    ) -> Result<Json<Vec<Group>>, ExchangeError> {
        Ok(Json(feide.groups(subject.secret()).await?))
    }
    let router = Router::new()
        .route("/groups", get(groups).route_layer(bearer))
        .route("/unguarded", get(groups))
        .with_state(to_feide);
    let (listener, base) = integration_tests::bind().await;
    integration_tests::serve_axum(listener, router);
    base
}

/// The web app: login, and `/my-groups` calling the data source with an exchanged token.
async fn web_app(fake: &FakeFeide, datasource: &str) -> String {
    let (listener, base) = integration_tests::bind().await;
    fake.register_client(
        FakeClient::new(WEB_ID, WEB_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = Provider::builder(fake.issuer())
        .client(WEB_ID, WEB_SECRET)
        .build()
        .await
        .unwrap();
    let login = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile")
        .build()
        .unwrap();
    let to_datasource = TokenExchange::login_client(&provider, AUD)
        .scope("readUser")
        .build()
        .unwrap();
    let url = format!("{datasource}/groups");
    let router = Router::new()
        .route(
            "/my-groups",
            get(
                move |State(ds): State<TokenExchange>, subject: SubjectToken| async move {
                    ds.get_json::<Value>(&url, subject.secret()).await.map(Json)
                },
            ),
        )
        .layer(login.layer())
        .with_state(to_datasource);
    integration_tests::serve_axum(listener, router);
    base
}

/// Signs in through FakeFeide's auto-approve, following redirects by hand (cookies kept).
async fn signed_in_browser(app: &str) -> reqwest::Client {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = format!("{app}/login?return_to=/");
    for _ in 0..10 {
        let response = browser
            .get(&url)
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        if !response.status().is_redirection() {
            break;
        }
        let next = response.headers()[LOCATION].to_str().unwrap();
        url = response.url().join(next).unwrap().to_string();
    }
    browser
}

#[tokio::test(flavor = "multi_thread")]
async fn web_app_to_data_source_to_feide_groups() -> TestResult {
    let (fake, provider) = start().await;
    let ds = data_source(
        &provider,
        (
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        ),
    )
    .await;
    let app = web_app(&fake, &ds).await;
    let browser = signed_in_browser(&app).await;
    fake.reset_counts();

    let response = browser.get(format!("{app}/my-groups")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let groups: Vec<Value> = response.json().await?;
    assert!(
        groups
            .iter()
            .any(|g| g["id"] == "fc:org:test.feide.no" && g["type"] == "fc:org")
    );
    let requests = fake.token_requests();
    assert_eq!(requests.len(), 2, "one exchange at each hop");
    assert_eq!(requests[0].client_id.as_deref(), Some(WEB_ID));
    assert_eq!(
        requests[1].client_id.as_deref(),
        Some(DEFAULT_DATASOURCE_CLIENT_ID)
    );

    // Both exchanges are cached.
    for _ in 0..3 {
        let response = browser.get(format!("{app}/my-groups")).send().await?;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(token_calls(&fake), 2);

    // Not signed in: the extractor refuses, nothing is exchanged.
    let response = reqwest::get(format!("{app}/my-groups")).await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(token_calls(&fake), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_data_source_answers_exchange_failures_without_tokens() -> TestResult {
    let (fake, provider) = start().await;
    // A client that owns no data source may not exchange the JWT onward.
    fake.register_client(FakeClient::new("lonely", "lonely-secret"));
    let ds = data_source(&provider, ("lonely", "lonely-secret")).await;
    let jwt = fake.access_token_for("alice", AUD, "readUser");
    let http = reqwest::Client::new();

    let response = http
        .get(format!("{ds}/groups"))
        .header(AUTHORIZATION, format!("Bearer {jwt}"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let body = response.text().await?;
    // The OAuth code (the fake answers unauthorized_client), never the provider's description.
    assert_eq!(body, r#"{"error":"unauthorized_client"}"#);

    // Without the bearer layer the extractor does not take the raw header.
    let response = http
        .get(format!("{ds}/unguarded"))
        .header(AUTHORIZATION, format!("Bearer {jwt}"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[test]
fn exchange_errors_become_small_json_answers() {
    let invalid_grant = ExchangeError::from(TokenEndpointError::OAuth {
        code: OAuthErrorCode::InvalidGrant,
        status: 400,
    });
    assert_eq!(
        invalid_grant.into_response().status(),
        StatusCode::BAD_GATEWAY
    );
    let target = ExchangeError::from(TokenEndpointError::OAuth {
        code: OAuthErrorCode::InvalidTarget,
        status: 400,
    });
    assert_eq!(target.into_response().status(), StatusCode::BAD_GATEWAY);
    let forbidden = ExchangeError::Api(feide_tower::apis::ApiError::Forbidden);
    assert_eq!(forbidden.into_response().status(), StatusCode::FORBIDDEN);
    let missing = ExchangeError::NotConfigured("x".into());
    assert_eq!(
        missing.into_response().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
}
