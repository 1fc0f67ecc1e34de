//! Issue 13, finding 7: users versus clients. A token without `sub` is invalid (401); service
//! accounts of other providers (Keycloak, Entra ID, Auth0) are clients, not users; every 403
//! `insufficient_scope` names the scopes required, the refusal of a client's own token included.

use feide_tower::bearer::BearerJwtLayer;
use feide_tower::testkit::{FakeFeide, TokenMinter};
use feide_tower::token::{Claims, ClientRule};
use integration_tests::fake_and_provider;
use serde_json::json;

use crate::common::{AUD, REALM, Stack, challenge, get_bearer, protected};

/// The 403 for a token without a user, naming the scopes the layer requires.
fn user_required(scope: &str) -> String {
    format!(
        r#"Bearer realm="{REALM}", error="insufficient_scope", error_description="The access token is not issued on behalf of a user", scope="{scope}""#
    )
}

/// A token of the fake's issuer with only the registered claims an access token needs.
fn bare(fake: &FakeFeide) -> TokenMinter {
    let now = integration_tests::now();
    fake.mint().claims(json!({
        "iss": fake.issuer(),
        "aud": AUD,
        "exp": now + 600,
        "iat": now,
        "scope": "readUser",
    }))
}

/// Service-account tokens as other providers issue them: `sub` is not the client id.
fn service_accounts(fake: &FakeFeide) -> Vec<(&'static str, String)> {
    vec![
        (
            "Keycloak service account",
            bare(fake)
                .claim("sub", "5f3a7d2e-1c4b-4e8f-9a6d-2b7c8e9f0a1b")
                .claim("azp", "svc-reporting")
                .claim("typ", "Bearer")
                .claim("preferred_username", "service-account-svc-reporting")
                .claim("client_id", "svc-reporting")
                .sign(),
        ),
        (
            "Keycloak service account, older (no client_id claim)",
            bare(fake)
                .claim("sub", "5f3a7d2e-1c4b-4e8f-9a6d-2b7c8e9f0a1b")
                .claim("azp", "svc-reporting")
                .claim("preferred_username", "service-account-svc-reporting")
                .sign(),
        ),
        (
            "Entra ID app-only token (oid = sub)",
            bare(fake)
                .claim("sub", "0b6e7c1d-aaaa-4bbb-8ccc-1234567890ab")
                .claim("oid", "0b6e7c1d-aaaa-4bbb-8ccc-1234567890ab")
                .claim("azp", "6731de76-14a6-49ae-97bc-6eba6914391e")
                .claim("roles", json!(["Reports.Read.All"]))
                .sign(),
        ),
        (
            "Entra ID app-only token (idtyp: app)",
            bare(fake)
                .claim("sub", "opaque-pairwise-subject")
                .claim("oid", "0b6e7c1d-aaaa-4bbb-8ccc-1234567890ab")
                .claim("idtyp", "app")
                .claim("azp", "6731de76-14a6-49ae-97bc-6eba6914391e")
                .sign(),
        ),
        (
            "Auth0 machine-to-machine token",
            bare(fake)
                .claim("sub", "Xy12abc@clients")
                .claim("azp", "Xy12abc")
                .claim("gty", "client-credentials")
                .sign(),
        ),
        (
            "sub = azp (RFC 9068 §2.2)",
            bare(fake)
                .claim("sub", "some-client")
                .claim("azp", "some-client")
                .sign(),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_sub_is_an_invalid_token_not_a_403() {
    let (fake, provider) = fake_and_provider().await;
    for allow_clients in [false, true] {
        let layer = BearerJwtLayer::builder(&provider)
            .audience(AUD)
            .realm(REALM)
            .allow_clients(allow_clients)
            .build()
            .unwrap();
        let url = format!("{}/me", protected(Stack::Hyper, layer).await);
        let no_sub = fake.mint().remove("sub").sign();
        get_bearer(&url, &no_sub).await.assert_refusal(
            401,
            &challenge::invalid_token(),
            &[&no_sub],
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refusal_of_a_client_token_names_the_scopes_required() {
    let (fake, provider) = fake_and_provider().await;
    let layer = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .require_scope("readUser")
        .require_scope("writeUser")
        .build()
        .unwrap();
    let url = format!("{}/me", protected(Stack::Axum, layer).await);
    // Feide's own client-credentials token: sub = client_id.
    let client = fake
        .mint()
        .claim("sub", "fake-datasource")
        .claim("client_id", "fake-datasource")
        .claim("scope", "readUser writeUser")
        .sign();
    get_bearer(&url, &client).await.assert_refusal(
        403,
        &user_required("readUser writeUser"),
        &[&client],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn service_accounts_of_other_providers_are_clients() {
    let (fake, provider) = fake_and_provider().await;
    let builder = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .require_scope("readUser");
    let users_only = format!(
        "{}/me",
        protected(Stack::Axum, builder.clone().build().unwrap()).await
    );
    let clients_too = format!(
        "{}/me",
        protected(Stack::Hyper, builder.allow_clients(true).build().unwrap()).await
    );
    for (name, token) in service_accounts(&fake) {
        get_bearer(&users_only, &token).await.assert_refusal(
            403,
            &user_required("readUser"),
            &[&token],
        );
        let reply = get_bearer(&clients_too, &token).await;
        assert_eq!(reply.status, 200, "{name}: {reply:?}");
        assert_eq!(reply.body["user"], json!(false), "{name}");
    }
    // A user of these providers is still a user.
    let users = [
        (
            "Keycloak user",
            bare(&fake)
                .claim("sub", "8d2b7c1e-0000-4000-8000-000000000001")
                .claim("azp", "web-app")
                .claim("typ", "Bearer")
                .claim("preferred_username", "alice")
                .sign(),
        ),
        (
            "Entra ID user (pairwise sub, oid of the user)",
            bare(&fake)
                .claim("sub", "opaque-pairwise-subject")
                .claim("oid", "11111111-2222-4333-8444-555555555555")
                .claim("azp", "6731de76-14a6-49ae-97bc-6eba6914391e")
                .claim("scp", "Reports.Read")
                .sign(),
        ),
        ("Feide user", fake.mint().claim("scope", "readUser").sign()),
    ];
    for (name, token) in &users {
        let reply = get_bearer(&users_only, token).await;
        assert_eq!(reply.status, 200, "{name}: {reply:?}");
        assert_eq!(reply.body["user"], json!(true), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rule_can_be_chosen_per_layer() {
    let (fake, provider) = fake_and_provider().await;
    let builder = BearerJwtLayer::builder(&provider)
        .audience(AUD)
        .realm(REALM)
        .require_scope("readUser");
    // Feide's rule, chosen explicitly (it is the default only for Feide's own issuer): only
    // sub = client_id makes a client; a Keycloak service account passes as a user.
    let feide_rule = format!(
        "{}/me",
        protected(
            Stack::Axum,
            builder
                .clone()
                .client_rule(ClientRule::feide())
                .build()
                .unwrap()
        )
        .await
    );
    let (_, keycloak) = service_accounts(&fake).remove(0);
    let reply = get_bearer(&feide_rule, &keycloak).await;
    assert_eq!((reply.status, &reply.body["user"]), (200, &json!(true)));
    let feide_client = fake
        .mint()
        .claim("sub", "fake-datasource")
        .claim("client_id", "fake-datasource")
        .claim("scope", "readUser")
        .sign();
    get_bearer(&feide_rule, &feide_client).await.assert_refusal(
        403,
        &user_required("readUser"),
        &[&feide_client],
    );
    // A rule of one's own.
    let custom = format!(
        "{}/me",
        protected(
            Stack::Hyper,
            builder
                .client_rule(ClientRule::custom(|c: &Claims| {
                    c.extra_str("token_use") == Some("client")
                }))
                .build()
                .unwrap()
        )
        .await
    );
    let marked = fake
        .mint()
        .claim("scope", "readUser")
        .claim("token_use", "client")
        .sign();
    get_bearer(&custom, &marked)
        .await
        .assert_refusal(403, &user_required("readUser"), &[&marked]);
    assert_eq!(get_bearer(&custom, &keycloak).await.status, 200);
}
