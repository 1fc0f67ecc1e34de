// Discovery, JWKS, the authorization-code flow, the interactive login page
// and end-session, over real HTTP.

use crate::common::*;
use feide_tower::testkit::{FakeFeide, FakeUser};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn discovery_document_describes_the_endpoints() -> TestResult {
    let feide = FakeFeide::builder().callback_iss(true).start().await?;
    let base = feide.issuer();
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with('/'));
    assert_eq!(base, format!("http://{}", feide.addr()));
    let doc: Value = http()
        .get(feide.url("/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(doc["issuer"], base);
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/oauth/authorization")
    );
    assert_eq!(doc["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(doc["userinfo_endpoint"], format!("{base}/openid/userinfo"));
    assert_eq!(doc["jwks_uri"], format!("{base}/openid/jwks"));
    assert_eq!(
        doc["end_session_endpoint"],
        format!("{base}/openid/endsession")
    );
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!([
            "authorization_code",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange"
        ])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert!(
        doc["scopes_supported"]
            .as_array()
            .ok_or("scopes")?
            .contains(&"openid".into())
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);

    feide.set_discovery_issuer(Some("https://evil.example".into()));
    let doc: Value = http()
        .get(feide.url("/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(doc["issuer"], "https://evil.example");
    assert_eq!(doc["token_endpoint"], format!("{base}/oauth/token"));
    feide.set_discovery_issuer(None);
    let doc: Value = http()
        .get(feide.url("/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(doc["issuer"], base);
    Ok(())
}

async fn jwks(feide: &FakeFeide) -> Result<(Option<String>, Value), Error> {
    let resp = http().get(feide.url("/openid/jwks")).send().await?;
    let cache = resp
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((cache, resp.json().await?))
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn jwks_publishes_keys_and_rotates() -> TestResult {
    let feide = FakeFeide::start().await?;
    let (cache, doc) = jwks(&feide).await?;
    assert_eq!(cache, None);
    assert_eq!(kids(&doc), ["fake-rsa-1"]);
    let key = &doc["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");
    assert!(key["n"].as_str().ok_or("n")?.len() > 300);
    assert_eq!(feide.signing_kid(), "fake-rsa-1");

    assert_eq!(feide.rotate_keys(), "fake-rsa-2");
    assert_eq!(feide.signing_kid(), "fake-rsa-2");
    assert_eq!(kids(&jwks(&feide).await?.1), ["fake-rsa-2"]);

    feide.publish_keys(&["fake-rsa-1", "fake-rsa-2", "fake-ec-1"]);
    let (_, doc) = jwks(&feide).await?;
    assert_eq!(kids(&doc), ["fake-rsa-1", "fake-rsa-2", "fake-ec-1"]);
    let ec = &doc["keys"][2];
    assert_eq!(ec["kty"], "EC");
    assert_eq!(ec["crv"], "P-256");
    assert_eq!(ec["alg"], "ES256");
    assert!(ec["x"].is_string() && ec["y"].is_string());

    // Rotation keeps the EC key, drops the other RSA keys, and wraps around.
    assert_eq!(feide.rotate_keys(), "fake-rsa-3");
    assert_eq!(kids(&jwks(&feide).await?.1), ["fake-rsa-3", "fake-ec-1"]);
    assert_eq!(feide.rotate_keys(), "fake-rsa-1");

    feide.set_jwks_max_age(Some(300));
    assert_eq!(jwks(&feide).await?.0.as_deref(), Some("max-age=300"));
    let feide = FakeFeide::builder().jwks_max_age(Some(60)).start().await?;
    assert_eq!(jwks(&feide).await?.0.as_deref(), Some("max-age=60"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn code_flow_with_basic_auth_and_verified_id_token() -> TestResult {
    let feide = start().await?;
    let (verifier, challenge) = pkce("basic");
    let mut params = auth_params(&challenge);
    params.push(("acr_values", "urn:mace:feide.no:auth:level:fad08:3".into()));
    let q = authorize(&feide, &params).await?;
    assert_eq!(q.get("state").map(String::as_str), Some("st-1"));
    assert!(!q.contains_key("iss"));
    let code = q.get("code").ok_or("code")?;

    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &verifier),
    ];
    let (status, body) = token_basic(&feide, APP_ID, APP_SECRET, &form).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid profile email userid-feide");
    assert!(body["expires_in"].as_u64().ok_or("expires_in")? > 0);
    let access = body["access_token"].as_str().ok_or("access_token")?;
    assert_eq!(access.split('.').count(), 1, "access token must be opaque");

    let id_token = body["id_token"].as_str().ok_or("id_token")?;
    let header = jsonwebtoken::decode_header(id_token)?;
    assert_eq!(header.kid.as_deref(), Some("fake-rsa-1"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let claims = verify(&feide, id_token, APP_ID).await?;
    let alice = &feide.users()[0];
    assert_eq!(claims["sub"], alice.sub.as_str());
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["acr"], "urn:mace:feide.no:auth:level:fad08:3");
    assert_eq!(claims["name"], "Alice Student");
    assert_eq!(claims["email"], alice.email.as_str());
    assert_eq!(
        claims["https://n.feide.no/claims/eduPersonPrincipalName"],
        "alice@test.feide.no"
    );
    assert!(claims["auth_time"].is_u64() && claims["iat"].is_u64());

    let (status, _, text) = bearer_get(&feide.url("/openid/userinfo"), access).await?;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&text)?;
    assert_eq!(info["sub"], alice.sub.as_str());
    assert_eq!(info["name"], "Alice Student");

    // Reuse: invalid_grant, and the token from the first use is revoked.
    let (status, body) = token_basic(&feide, APP_ID, APP_SECRET, &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _, _) = bearer_get(&feide.url("/openid/userinfo"), access).await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn code_flow_with_post_auth_and_grant_errors() -> TestResult {
    let feide = start().await?;
    let redeem = |code: String, redirect: &'static str, verifier: String| {
        let feide = feide.clone();
        async move {
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect),
                ("code_verifier", verifier.as_str()),
            ];
            token_post(&feide, APP_ID, APP_SECRET, &form).await
        }
    };

    let (code, verifier) = code(&feide, "post-ok").await?;
    let (status, body) = redeem(code, REDIRECT, verifier).await?;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());

    let (code, _) = crate::common::code(&feide, "wrong").await?;
    let (_, other_verifier) = pkce("other");
    let (status, body) = redeem(code, REDIRECT, other_verifier).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let (code, verifier) = crate::common::code(&feide, "redirect").await?;
    let (status, body) = redeem(code, "http://app.test/other", verifier).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let (status, body) = redeem("no-such-code".into(), REDIRECT, pkce("x").0).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A code belongs to its client.
    let (code, verifier) = crate::common::code(&feide, "client").await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, body) = token_post(&feide, "fake-client", "fake-secret", &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Missing verifier is a malformed request.
    let (code, _) = crate::common::code(&feide, "noverifier").await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let (status, body) = token_post(&feide, APP_ID, APP_SECRET, &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_rejects_bad_clients_and_grants() -> TestResult {
    let feide = start().await?;
    let form = [("grant_type", "client_credentials")];
    let resp = http()
        .post(feide.url("/oauth/token"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Basic realm="))
    );
    assert_eq!(
        resp.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let body: Value = resp.json().await?;
    assert_eq!(body["error"], "invalid_client");

    let (status, body) = token_basic(&feide, APP_ID, "wrong", &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token_post(&feide, "nobody", "x", &form).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // reqwest's basic_auth does not form-encode; this secret needs it.
    let resp = http()
        .post(feide.url("/oauth/token"))
        .basic_auth(APP_ID, Some(APP_SECRET))
        .form(&form)
        .send()
        .await?;
    assert_eq!(resp.status(), 401);

    let (status, body) =
        token_basic(&feide, APP_ID, APP_SECRET, &[("grant_type", "password")]).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = token_basic(&feide, APP_ID, APP_SECRET, &[("scope", "x")]).await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = token_basic(
        &feide,
        APP_ID,
        APP_SECRET,
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ],
    )
    .await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    let records = feide.token_requests();
    assert_eq!(records.len(), 7);
    assert_eq!(records[0].auth_method, "none");
    assert_eq!(records[1].auth_method, "client_secret_basic");
    assert_eq!(records[1].client_id.as_deref(), Some(APP_ID));
    assert_eq!(records[2].auth_method, "client_secret_post");
    assert_eq!(records[2].field("client_secret"), Some("<redacted>"));
    assert_eq!(records[2].client_id.as_deref(), Some("nobody"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_errors_and_user_selection() -> TestResult {
    let feide = FakeFeide::builder()
        .client(app())
        .callback_iss(true)
        .start()
        .await?;
    let (_, challenge) = pkce("authz");
    let without = |drop: &[&str]| {
        let mut p = auth_params(&challenge);
        p.retain(|(k, _)| !drop.contains(k));
        p
    };

    let q = authorize(
        &feide,
        &without(&["code_challenge", "code_challenge_method"]),
    )
    .await?;
    assert_eq!(q.get("error").map(String::as_str), Some("invalid_request"));
    assert_eq!(q.get("state").map(String::as_str), Some("st-1"));
    assert_eq!(q.get("iss"), Some(&feide.issuer()));
    assert!(!q.contains_key("code"));

    let mut plain = without(&["code_challenge_method"]);
    plain.push(("code_challenge_method", "plain".into()));
    let q = authorize(&feide, &plain).await?;
    assert_eq!(q.get("error").map(String::as_str), Some("invalid_request"));

    let mut token = without(&["response_type"]);
    token.push(("response_type", "token".into()));
    let q = authorize(&feide, &token).await?;
    assert_eq!(
        q.get("error").map(String::as_str),
        Some("unsupported_response_type")
    );

    // Bad client or redirect URI: an HTML error page, never a redirect.
    for (key, value) in [
        ("client_id", "unknown-client"),
        ("redirect_uri", "http://evil.test/cb"),
    ] {
        let mut p = without(&[key]);
        p.push((key, value.into()));
        let resp = http()
            .get(feide.url("/oauth/authorization"))
            .query(&p)
            .send()
            .await?;
        assert_eq!(resp.status(), 400);
        assert!(resp.headers().get("location").is_none());
        let text = resp.text().await?;
        assert!(text.contains("<!DOCTYPE html>"));
        assert!(!text.contains("evil.test/cb\""), "value must be escaped");
    }

    // Success carries iss; the default user is alice; hints pick users.
    let users = feide.users();
    let sub = |id: &str| {
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.sub.clone())
            .unwrap_or_default()
    };
    let with_hint = |hint: &str| {
        let mut p = auth_params(&challenge);
        p.push(("login_hint", hint.to_string()));
        p
    };
    assert_eq!(
        sub_of(&feide, authorize(&feide, &auth_params(&challenge)).await?).await?,
        sub("alice")
    );
    assert_eq!(
        sub_of(&feide, authorize(&feide, &with_hint("bob")).await?).await?,
        sub("bob")
    );
    assert_eq!(
        sub_of(
            &feide,
            authorize(&feide, &with_hint("carol@test.feide.no")).await?
        )
        .await?,
        sub("carol")
    );
    feide.set_next_user(Some("bob"));
    assert_eq!(
        sub_of(
            &feide,
            authorize(&feide, &with_hint("feide|realm|uio.no")).await?
        )
        .await?,
        sub("bob")
    );
    assert_eq!(
        sub_of(&feide, authorize(&feide, &with_hint("alice")).await?).await?,
        sub("alice")
    );
    feide.set_next_user(None);
    assert_eq!(
        sub_of(&feide, authorize(&feide, &auth_params(&challenge)).await?).await?,
        sub("alice")
    );
    Ok(())
}

/// Redeems the code in callback query `q` and returns the ID token's `sub`.
async fn sub_of(
    feide: &FakeFeide,
    q: std::collections::HashMap<String, String>,
) -> Result<String, Error> {
    assert_eq!(q.get("iss"), Some(&feide.issuer()));
    let code = q.get("code").ok_or("code")?.clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &pkce("authz").0),
    ];
    let (_, body) = token_basic(feide, APP_ID, APP_SECRET, &form).await?;
    let claims = verify(feide, body["id_token"].as_str().ok_or("id_token")?, APP_ID).await?;
    Ok(claims["sub"].as_str().ok_or("sub")?.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn interactive_login_page_and_decisions() -> TestResult {
    let feide = FakeFeide::builder()
        .interactive(true)
        .client(app())
        .user(FakeUser::new("dave", "Dave <b>Bold</b>"))
        .user(FakeUser::new("erin", "Erin Example"))
        .start()
        .await?;
    let (verifier, challenge) = pkce("interactive");
    let page = |feide: FakeFeide| {
        let params = auth_params(&challenge);
        async move {
            let resp = http()
                .get(feide.url("/oauth/authorization"))
                .query(&params)
                .send()
                .await?;
            assert_eq!(resp.status(), 200);
            assert!(
                resp.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/html"))
            );
            let html = resp.text().await?;
            let rid = html
                .split("name=\"request_id\" value=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .ok_or("no request_id")?
                .to_string();
            Ok::<_, Error>((html, rid))
        }
    };
    let (html, rid) = page(feide.clone()).await?;
    assert!(html.contains("Dave &lt;b&gt;Bold&lt;/b&gt;"));
    assert!(!html.contains("<b>Bold"));
    assert!(html.contains("value=\"erin\""));
    assert!(html.contains("Cancel"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );

    let decide = |form: Vec<(&'static str, String)>| {
        let feide = feide.clone();
        async move {
            http()
                .post(feide.url("/oauth/authorization/decision"))
                .form(&form)
                .send()
                .await
        }
    };
    let resp = decide(vec![("request_id", rid.clone()), ("user", "erin".into())]).await?;
    assert_eq!(resp.status(), 302);
    let q = location_query(&resp)?;
    assert_eq!(q.get("state").map(String::as_str), Some("st-1"));
    let code = q.get("code").ok_or("code")?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, body) = token_basic(&feide, APP_ID, APP_SECRET, &form).await?;
    assert_eq!(status, 200);
    let claims = verify(&feide, body["id_token"].as_str().ok_or("id_token")?, APP_ID).await?;
    assert_eq!(claims["name"], "Erin Example");

    // The pending request is single-use.
    let resp = decide(vec![("request_id", rid), ("user", "erin".into())]).await?;
    assert_eq!(resp.status(), 400);

    let (_, rid) = page(feide.clone()).await?;
    let resp = decide(vec![("request_id", rid), ("cancel", "1".into())]).await?;
    assert_eq!(resp.status(), 302);
    let q = location_query(&resp)?;
    assert_eq!(q.get("error").map(String::as_str), Some("access_denied"));
    assert!(q.contains_key("error_description"));
    assert_eq!(q.get("state").map(String::as_str), Some("st-1"));

    // Switching to auto-approve at run time.
    feide.set_interactive(false);
    let q = authorize(&feide, &auth_params(&challenge)).await?;
    assert!(q.contains_key("code"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn end_session_redirects_or_rejects() -> TestResult {
    let feide = start().await?;
    let id_token = feide
        .mint()
        .claims(serde_json::json!({
            "iss": feide.issuer(), "aud": APP_ID, "sub": "x", "iat": 1, "exp": 2
        }))
        .sign();
    let end = |params: Vec<(&'static str, String)>| {
        let feide = feide.clone();
        async move {
            http()
                .get(feide.url("/openid/endsession"))
                .query(&params)
                .send()
                .await
        }
    };
    // Expired hints are fine for logout.
    let resp = end(vec![
        ("id_token_hint", id_token.clone()),
        ("post_logout_redirect_uri", LOGGED_OUT.into()),
        ("state", "bye".into()),
    ])
    .await?;
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("http://app.test/logged-out?state=bye")
    );

    let resp = end(vec![
        ("id_token_hint", id_token.clone()),
        ("post_logout_redirect_uri", "http://evil.test/".into()),
    ])
    .await?;
    assert_eq!(resp.status(), 400);
    assert!(resp.headers().get("location").is_none());

    let resp = end(vec![("post_logout_redirect_uri", LOGGED_OUT.into())]).await?;
    assert_eq!(resp.status(), 400);

    let mut forged = id_token.clone();
    forged.push('A');
    let resp = end(vec![
        ("id_token_hint", forged),
        ("post_logout_redirect_uri", LOGGED_OUT.into()),
    ])
    .await?;
    assert_eq!(resp.status(), 400);

    let resp = end(vec![("id_token_hint", id_token)]).await?;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await?.contains("You are signed out"));
    Ok(())
}
