//! RFC 7662 introspection of opaque tokens, as the bearer judge of the access layer.

use std::time::Duration;

use feide_tower::Provider;
use feide_tower::introspection::{IntrospectionConfigError, Introspector, IntrospectorBuilder};
use feide_tower::testkit::{Endpoint, Failure, FakeClient, FakeFeide};

use crate::harness::{
    CLIENT_ID, CLIENT_SECRET, REALM, STACKS, Stack, TestApp, api_get, start_with,
};

const API_AUD: &str = "https://api.example.org";
const OTHER_CLIENT: &str = "some-client";

pub async fn start(stack: Stack, secret: &'static str) -> TestApp {
    start_configured(stack, secret, |b| b).await
}

/// [`start`], with the introspector configured further by `configure`.
pub async fn start_configured(
    stack: Stack,
    secret: &'static str,
    configure: impl FnOnce(IntrospectorBuilder) -> IntrospectorBuilder,
) -> TestApp {
    start_with(
        stack,
        |fake| {
            fake.enable_introspection(true);
            fake.set_introspection_audience(Some(API_AUD.to_owned()));
        },
        move |provider| {
            let builder = Introspector::builder(provider)
                .client(CLIENT_ID, secret)
                .audience(API_AUD)
                .require_scope("read")
                .realm(REALM);
            configure(builder).build().unwrap().into()
        },
        |b| b,
    )
    .await
}

pub fn opaque(app: &TestApp, scope: &str) -> String {
    let user = app.fake.users()[0].id.clone();
    app.fake
        .issue_opaque_token_with_scope(Some(&user), OTHER_CLIENT, scope)
}

#[tokio::test]
async fn off_by_default_like_feide() {
    let fake = FakeFeide::start().await.unwrap();
    fake.register_client(FakeClient::new(CLIENT_ID, CLIENT_SECRET));
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    assert_eq!(provider.metadata().introspection_endpoint, None);
    let err = Introspector::builder(&provider)
        .audience(API_AUD)
        .build()
        .unwrap_err();
    assert_eq!(err, IntrospectionConfigError::NoEndpoint);
    let response = reqwest::Client::new()
        .post(fake.url("/oauth/introspect"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    fake.enable_introspection(true);
    let provider = Provider::builder(fake.issuer())
        .client(CLIENT_ID, CLIENT_SECRET)
        .build()
        .await
        .unwrap();
    assert_eq!(
        provider.metadata().introspection_endpoint.as_deref(),
        Some(fake.url("/oauth/introspect").as_str())
    );
}

#[tokio::test]
async fn active_tokens_get_in_and_are_cached() {
    for stack in STACKS {
        let app = start(stack, CLIENT_SECRET).await;
        let token = opaque(&app, "openid read");
        let auth = format!("Bearer {token}");
        let reply = api_get(&app.url("/api"), Some(&auth), None).await;
        assert_eq!(reply.status, 200, "{stack:?}: {}", reply.raw_body);
        assert_eq!(reply.kind(), "bearer");
        assert_eq!(reply.body["subject"], app.fake.users()[0].sub);
        for _ in 0..3 {
            let reply = api_get(&app.url("/api"), Some(&auth), None).await;
            assert_eq!(reply.status, 200, "{stack:?}");
        }
        assert_eq!(
            app.fake.requests(Endpoint::Introspection),
            1,
            "{stack:?}: cached"
        );
    }
}

/// With the refusal cache off, every request with an inactive token asks the provider again (the
/// behaviour before issue 13; on by default now, see below).
#[tokio::test]
async fn inactive_tokens_are_401_and_not_cached_with_the_refusal_cache_off() {
    for stack in STACKS {
        let app = start_configured(stack, CLIENT_SECRET, |b| {
            b.refusal_cache_lifetime(Duration::ZERO)
        })
        .await;
        for _ in 0..2 {
            let reply = api_get(&app.url("/api"), Some("Bearer unknown-opaque-token"), None).await;
            assert_eq!(reply.status, 401, "{stack:?}");
            assert!(
                reply
                    .get("www-authenticate")
                    .unwrap()
                    .contains("invalid_token")
            );
            assert!(!reply.raw_body.contains("unknown-opaque-token"));
        }
        assert_eq!(app.fake.requests(Endpoint::Introspection), 2, "{stack:?}");
    }
}

#[tokio::test]
async fn scope_audience_and_user_rules_are_those_of_jwts() {
    for stack in STACKS {
        let app = start(stack, CLIENT_SECRET).await;
        let under = opaque(&app, "openid write");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {under}")), None).await;
        assert_eq!(reply.status, 403, "{stack:?}");
        let www = reply.get("www-authenticate").unwrap();
        assert!(
            www.contains("insufficient_scope") && www.contains("scope=\"read\""),
            "{www}"
        );

        let client_token = app
            .fake
            .issue_opaque_token_with_scope(None, OTHER_CLIENT, "read");
        let reply = api_get(
            &app.url("/api"),
            Some(&format!("Bearer {client_token}")),
            None,
        )
        .await;
        assert_eq!(reply.status, 403, "{stack:?}: clients are not allowed");
        let www = reply.get("www-authenticate").unwrap();
        assert!(
            www.contains("insufficient_scope") && www.contains("scope=\"read\""),
            "the refusal of a client token names the scopes required: {www}"
        );

        app.fake
            .set_introspection_audience(Some("https://elsewhere.example".into()));
        let other_aud = opaque(&app, "read");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {other_aud}")), None).await;
        assert_eq!(reply.status, 401, "{stack:?}: wrong audience");
        // And the answer's `aud` defaults to the token's client: still not ours.
        app.fake.set_introspection_audience(None);
        let reply = api_get(
            &app.url("/api"),
            Some(&format!("Bearer {}", opaque(&app, "read"))),
            None,
        )
        .await;
        assert_eq!(reply.status, 401, "{stack:?}");
    }
}

#[tokio::test]
async fn an_unreachable_or_refusing_endpoint_is_503() {
    for stack in STACKS {
        let app = start(stack, "wrong-secret").await;
        let token = opaque(&app, "read");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
        assert_eq!(reply.status, 503, "{stack:?}: our client is refused");
        assert!(reply.get("retry-after").is_some());

        let app = start(stack, CLIENT_SECRET).await;
        app.fake.fail(Endpoint::Introspection, Failure::Status(500));
        let token = opaque(&app, "read");
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
        assert_eq!(reply.status, 503, "{stack:?}");
        // Not cached: once the provider is back, the token works.
        app.fake.clear_failure(Endpoint::Introspection);
        let reply = api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
        assert_eq!(reply.status, 200, "{stack:?}");
    }
}

#[tokio::test]
async fn expired_tokens_are_inactive() {
    let app = start(Stack::Axum, CLIENT_SECRET).await;
    app.fake.set_access_token_lifetime(Duration::ZERO);
    let token = opaque(&app, "read");
    let reply = api_get(&app.url("/api"), Some(&format!("Bearer {token}")), None).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn cached_answers_are_not_reused_past_exp() {
    let app = start(Stack::Hyper, CLIENT_SECRET).await;
    // Lives just under a second: the answer's `exp` is now (whole seconds, rounded down).
    app.fake
        .set_access_token_lifetime(Duration::from_millis(999));
    let token = opaque(&app, "read");
    let auth = format!("Bearer {token}");
    for expected_calls in 1..=2 {
        // Accepted (within the leeway) or refused as inactive once it has really expired; either
        // way the provider is asked again rather than the cached answer reused.
        let reply = api_get(&app.url("/api"), Some(&auth), None).await;
        assert!(
            reply.status == 200 || reply.status == 401,
            "{}",
            reply.status
        );
        assert_eq!(app.fake.requests(Endpoint::Introspection), expected_calls);
    }
}

/// Issue 13, finding 13: a junk token sent again and again costs the provider one call, not one
/// per request.
#[tokio::test]
async fn a_junk_token_sent_again_costs_one_introspection_call() {
    for stack in STACKS {
        let app = start(stack, CLIENT_SECRET).await;
        for _ in 0..5 {
            let reply = api_get(&app.url("/api"), Some("Bearer junk-opaque-token"), None).await;
            assert_eq!(reply.status, 401, "{stack:?}");
            assert!(!reply.raw_body.contains("junk-opaque-token"));
        }
        assert_eq!(app.fake.requests(Endpoint::Introspection), 1, "{stack:?}");
        // Another junk token is another question.
        let reply = api_get(&app.url("/api"), Some("Bearer other-junk-token"), None).await;
        assert_eq!(reply.status, 401, "{stack:?}");
        assert_eq!(app.fake.requests(Endpoint::Introspection), 2, "{stack:?}");
    }
}

/// A failed call is never remembered as a refusal: after the outage, both the junk token and a
/// good one are asked about again.
#[tokio::test]
async fn an_outage_is_never_cached_as_a_refusal() {
    let app = start(Stack::Axum, CLIENT_SECRET).await;
    let good = format!("Bearer {}", opaque(&app, "read"));
    let calls = || app.fake.requests(Endpoint::Introspection);
    app.fake.fail(Endpoint::Introspection, Failure::Status(500));
    for _ in 0..2 {
        let reply = api_get(&app.url("/api"), Some("Bearer junk-token"), None).await;
        assert_eq!(reply.status, 503);
    }
    assert_eq!(
        api_get(&app.url("/api"), Some(&good), None).await.status,
        503
    );
    assert_eq!(calls(), 3, "every request asked during the outage");
    app.fake.clear_failure(Endpoint::Introspection);
    for _ in 0..2 {
        let reply = api_get(&app.url("/api"), Some("Bearer junk-token"), None).await;
        assert_eq!(reply.status, 401);
    }
    assert_eq!(
        calls(),
        4,
        "asked once more after the outage, then remembered"
    );
    assert_eq!(
        api_get(&app.url("/api"), Some(&good), None).await.status,
        200
    );
    assert_eq!(calls(), 5);
}
