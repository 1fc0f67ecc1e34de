// Client credentials, both token-exchange patterns and the bearer APIs.

use crate::common::*;
use feide_tower::testkit::{
    CUSTOMER_PORTAL_ID, DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeDatasource,
};
use serde_json::Value;

const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const AT: &str = "urn:ietf:params:oauth:token-type:access_token";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_token_has_no_user() -> TestResult {
    let feide = start().await?;
    let form = [("grant_type", "client_credentials"), ("scope", "groups")];
    let (status, body) = token_basic(&feide, APP_ID, APP_SECRET, &form).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "groups");
    assert!(body.get("id_token").is_none());
    let token = body["access_token"].as_str().ok_or("access_token")?;
    for url in [
        feide.url("/openid/userinfo"),
        feide.extended_userinfo_url(),
        feide.groups_url(),
    ] {
        let (status, _, _) = bearer_get(&url, token).await?;
        assert_eq!(status, 403, "{url}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn apis_answer_for_users_and_reject_bad_tokens() -> TestResult {
    let feide = start().await?;
    let alice = feide.issue_opaque_token(Some("alice"), APP_ID);
    let (status, _, text) = bearer_get(&feide.url("/openid/userinfo"), &alice).await?;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&text)?;
    assert_eq!(info["name"], "Alice Student");
    assert_eq!(
        info["https://n.feide.no/claims/eduPersonPrincipalName"],
        "alice@test.feide.no"
    );
    assert!(info["email"].is_string() && info["sub"].is_string());

    let (status, _, text) = bearer_get(&feide.extended_userinfo_url(), &alice).await?;
    assert_eq!(status, 200);
    let ext: Value = serde_json::from_str(&text)?;
    assert_eq!(
        ext["eduPersonPrincipalName"],
        serde_json::json!(["alice@test.feide.no"])
    );
    assert_eq!(
        ext["eduPersonAffiliation"],
        serde_json::json!(["member", "student"])
    );
    assert_eq!(ext["displayName"], serde_json::json!(["Alice Student"]));

    let (status, _, text) = bearer_get(&feide.groups_url(), &alice).await?;
    assert_eq!(status, 200);
    let groups: Value = serde_json::from_str(&text)?;
    let groups = groups.as_array().ok_or("array")?;
    assert_eq!(groups[0]["id"], "fc:org:test.feide.no");
    assert_eq!(groups[0]["type"], "fc:org");
    assert_eq!(groups[0]["membership"]["primaryAffiliation"], "student");
    assert!(groups.iter().any(|g| g["parent"] == "fc:org:test.feide.no"));

    let carol = feide.issue_opaque_token(Some("carol"), APP_ID);
    let (status, _, _) = bearer_get(&feide.extended_userinfo_url(), &carol).await?;
    assert_eq!(status, 404);
    let (status, _, _) = bearer_get(&feide.url("/openid/userinfo"), &carol).await?;
    assert_eq!(status, 200);

    for url in [
        feide.url("/openid/userinfo"),
        feide.extended_userinfo_url(),
        feide.groups_url(),
    ] {
        let (status, challenge, _) = bearer_get(&url, "not-a-token").await?;
        assert_eq!(status, 401);
        assert_eq!(challenge.as_deref(), Some("Bearer error=\"invalid_token\""));
        let resp = http().get(&url).send().await?;
        assert_eq!(resp.status(), 401);
    }

    // Expiry.
    feide.set_access_token_lifetime(std::time::Duration::ZERO);
    let expired = feide.issue_opaque_token(Some("bob"), APP_ID);
    let (status, _, _) = bearer_get(&feide.groups_url(), &expired).await?;
    assert_eq!(status, 401);
    Ok(())
}

/// Pattern (a): the app exchanges its login token toward the data source.
async fn exchange_a(
    feide: &feide_tower::testkit::FakeFeide,
    subject: &str,
    extra: &[(&str, &str)],
) -> Result<(u16, Value), Error> {
    let mut form = vec![
        ("grant_type", EXCHANGE),
        ("subject_token", subject),
        ("subject_token_type", AT),
    ];
    form.extend_from_slice(extra);
    token_basic(feide, APP_ID, APP_SECRET, &form).await
}

#[tokio::test(flavor = "multi_thread")]
async fn exchange_login_token_for_datasource_jwt() -> TestResult {
    let feide = start().await?;
    // A real login token.
    let (code, verifier) = code(&feide, "exchange").await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let (_, body) = token_basic(&feide, APP_ID, APP_SECRET, &form).await?;
    let login = body["access_token"]
        .as_str()
        .ok_or("access_token")?
        .to_string();

    let aud = [("audience", DEFAULT_DATASOURCE_AUDIENCE)];
    let (status, body) = exchange_a(&feide, &login, &aud).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], JWT);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "readUser writeUser");
    assert!(body["expires_in"].as_u64().ok_or("expires_in")? > 0);
    let jwt = body["access_token"].as_str().ok_or("access_token")?;
    let claims = verify(&feide, jwt, DEFAULT_DATASOURCE_AUDIENCE).await?;
    let alice = &feide.users()[0];
    assert_eq!(claims["sub"], alice.sub.as_str());
    assert_eq!(claims["client_id"], APP_ID);
    assert_eq!(claims["scope"], "readUser writeUser");
    assert_eq!(claims["act"]["sub"], APP_ID);
    assert_eq!(
        claims["act"]["https://n.feide.no/claims/customer_portal_id"],
        CUSTOMER_PORTAL_ID
    );
    assert_eq!(claims["name"], "Alice Student");
    assert_eq!(
        claims["https://n.feide.no/claims/eduPersonPrincipalName"],
        "alice@test.feide.no"
    );
    assert!(claims["nbf"].is_u64() && claims["iat"].is_u64());

    let (status, body) = exchange_a(&feide, &login, &[aud[0], ("scope", "readUser")]).await?;
    assert_eq!((status, body["scope"].as_str()), (200, Some("readUser")));

    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 5] = [
        (
            "bad scope",
            vec![aud[0], ("scope", "readUser admin")],
            "invalid_scope",
        ),
        (
            "unknown audience",
            vec![("audience", "https://n.feide.no/datasources/nope")],
            "invalid_target",
        ),
        ("no audience", vec![], "invalid_request"),
        (
            "requested type present",
            vec![aud[0], ("requested_token_type", JWT)],
            "invalid_request",
        ),
        (
            "actor token",
            vec![aud[0], ("actor_token", "x")],
            "invalid_request",
        ),
    ];
    for (what, extra, error) in cases {
        let (status, body) = exchange_a(&feide, &login, &extra).await?;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{what}"
        );
    }
    let (status, body) = exchange_a(&feide, "unknown", &aud).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Another client's token is not ours to exchange.
    let foreign = feide.issue_opaque_token(Some("bob"), "fake-client");
    let (status, body) = exchange_a(&feide, &foreign, &aud).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let form = [
        ("grant_type", EXCHANGE),
        ("subject_token", login.as_str()),
        ("subject_token_type", "urn:x:other"),
        ("audience", DEFAULT_DATASOURCE_AUDIENCE),
    ];
    let (status, body) = token_basic(&feide, APP_ID, APP_SECRET, &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // The recorded request, secret redacted, auth method and fields kept.
    let (status, _) = token_post(
        &feide,
        APP_ID,
        APP_SECRET,
        &[
            ("grant_type", EXCHANGE),
            ("subject_token", &login),
            ("subject_token_type", AT),
            ("audience", DEFAULT_DATASOURCE_AUDIENCE),
        ],
    )
    .await?;
    assert_eq!(status, 200);
    let record = feide.token_requests().pop().ok_or("no record")?;
    assert_eq!(record.auth_method, "client_secret_post");
    assert_eq!(record.client_id.as_deref(), Some(APP_ID));
    assert_eq!(record.field("grant_type"), Some(EXCHANGE));
    assert_eq!(record.field("subject_token_type"), Some(AT));
    assert_eq!(record.field("audience"), Some(DEFAULT_DATASOURCE_AUDIENCE));
    assert_eq!(record.field("client_secret"), Some("<redacted>"));
    assert!(!format!("{record:?}").contains(APP_SECRET));
    Ok(())
}

/// Pattern (b): the data source exchanges the JWT for a Feide API token.
async fn exchange_b(
    feide: &feide_tower::testkit::FakeFeide,
    client: (&str, &str),
    subject: &str,
    extra: &[(&str, &str)],
) -> Result<(u16, Value), Error> {
    let issuer = feide.issuer();
    let mut form = vec![
        ("grant_type", EXCHANGE),
        ("subject_token", subject),
        ("subject_token_type", JWT),
        ("audience", issuer.as_str()),
    ];
    form.extend_from_slice(extra);
    token_basic(feide, client.0, client.1, &form).await
}

#[tokio::test(flavor = "multi_thread")]
async fn datasource_exchanges_jwt_for_api_token() -> TestResult {
    let feide = start().await?;
    let ds = ("fake-datasource", "fake-datasource-secret");
    let at = [("requested_token_type", AT)];
    let jwt = feide.access_token_for("bob", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
    let (status, body) = exchange_b(&feide, ds, &jwt, &[at[0], ("scope", "userinfo-name")]).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], AT);
    assert_eq!(body["token_type"], "Bearer");
    let api = body["access_token"].as_str().ok_or("access_token")?;
    assert_eq!(api.split('.').count(), 1);
    let (status, _, text) = bearer_get(&feide.extended_userinfo_url(), api).await?;
    assert_eq!(status, 200);
    let ext: Value = serde_json::from_str(&text)?;
    assert_eq!(ext["displayName"], serde_json::json!(["Bob Teacher"]));
    // Empty scope is allowed.
    let (status, _) = exchange_b(&feide, ds, &jwt, &at).await?;
    assert_eq!(status, 200);

    // Also works after key rotation (any of the fake's keys verifies).
    feide.rotate_keys();
    let (status, _) = exchange_b(&feide, ds, &jwt, &at).await?;
    assert_eq!(status, 200);

    let (status, body) = exchange_b(&feide, ds, &jwt, &[]).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = exchange_b(&feide, ds, &jwt, &[("requested_token_type", JWT)]).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    let form = [
        ("grant_type", EXCHANGE),
        ("subject_token", jwt.as_str()),
        ("subject_token_type", JWT),
        ("requested_token_type", AT),
        ("audience", "https://auth.dataporten.no"),
    ];
    let (status, body) = token_basic(&feide, ds.0, ds.1, &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );

    // A client that owns no data source.
    let (status, body) = exchange_b(&feide, (APP_ID, APP_SECRET), &jwt, &at).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    // A data source that does not own the token's audience.
    feide.register_client(FakeClient::new("other-ds", "other-secret").datasource(
        FakeDatasource::new(
            "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000002",
            &["read"],
        ),
    ));
    let (status, body) = exchange_b(&feide, ("other-ds", "other-secret"), &jwt, &at).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let expired = feide
        .mint()
        .claim("exp", 1_000)
        .claim("nbf", 900)
        .claim("iat", 900)
        .sign();
    let tampered = {
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        parts[1] = feide
            .mint()
            .sign()
            .split('.')
            .nth(1)
            .ok_or("parts")?
            .to_string();
        parts.join(".")
    };
    let wrong_issuer = feide
        .mint()
        .claim("iss", "https://auth.dataporten.no")
        .sign();
    for (what, token) in [
        ("expired", expired),
        ("tampered", tampered),
        ("wrong issuer", wrong_issuer),
        ("garbage", "a.b.c".to_string()),
    ] {
        let (status, body) = exchange_b(&feide, ds, &token, &at).await?;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{what}"
        );
    }
    Ok(())
}
