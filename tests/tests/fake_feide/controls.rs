// Failure injection, request counters, the token minter and shutdown.

use std::time::{Duration, Instant};

use crate::common::*;
use feide_tower::testkit::{Endpoint, Failure, FakeFeide};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn injected_failures_and_counters() -> TestResult {
    let feide = FakeFeide::start().await?;
    let discovery = feide.url("/.well-known/openid-configuration");
    let jwks = feide.url("/openid/jwks");

    feide.fail(Endpoint::Discovery, Failure::Status(503));
    let resp = http().get(&discovery).send().await?;
    assert_eq!(resp.status(), 503);
    assert!(resp.bytes().await?.is_empty());
    assert_eq!(http().get(&jwks).send().await?.status(), 200);

    feide.fail(
        Endpoint::Discovery,
        Failure::Body {
            status: 200,
            content_type: "text/html".into(),
            body: "<html>maintenance</html>".into(),
        },
    );
    let resp = http().get(&discovery).send().await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"text/html"[..])
    );
    assert_eq!(resp.text().await?, "<html>maintenance</html>");

    feide.clear_failure(Endpoint::Discovery);
    let doc: Value = http().get(&discovery).send().await?.json().await?;
    assert_eq!(doc["issuer"], feide.issuer());
    assert_eq!(feide.requests(Endpoint::Discovery), 3);
    assert_eq!(feide.requests(Endpoint::Jwks), 1);
    assert_eq!(feide.requests(Endpoint::Token), 0);

    // Token requests are recorded even when failing.
    feide.fail(Endpoint::Token, Failure::Status(500));
    let resp = http()
        .post(feide.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "fake-client"),
            ("client_secret", "fake-secret"),
        ])
        .send()
        .await?;
    assert_eq!(resp.status(), 500);
    assert_eq!(feide.requests(Endpoint::Token), 1);
    let records = feide.token_requests();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].field("client_secret"), Some("<redacted>"));

    feide.reset_counts();
    assert_eq!(feide.requests(Endpoint::Discovery), 0);
    assert!(feide.token_requests().is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn hang_and_delay() -> TestResult {
    let feide = FakeFeide::start().await?;
    let jwks = feide.url("/openid/jwks");

    feide.fail(Endpoint::Jwks, Failure::Hang);
    let hanging = {
        let jwks = jwks.clone();
        tokio::spawn(async move {
            http()
                .get(&jwks)
                .timeout(Duration::from_millis(300))
                .send()
                .await
        })
    };
    // While one request hangs, other endpoints answer.
    let deadline = Instant::now() + Duration::from_secs(5);
    while feide.requests(Endpoint::Jwks) == 0 {
        assert!(Instant::now() < deadline, "hanging request never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await; // poll interval
    }
    let resp = http()
        .get(feide.url("/.well-known/openid-configuration"))
        .send()
        .await?;
    assert_eq!(resp.status(), 200);
    let result = hanging.await?;
    assert!(result.is_err_and(|e| e.is_timeout()));

    feide.fail(Endpoint::Jwks, Failure::Delay(Duration::from_millis(150)));
    let start = Instant::now();
    let resp = http().get(&jwks).send().await?;
    assert_eq!(resp.status(), 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    let doc: Value = resp.json().await?;
    assert!(doc["keys"].is_array());
    assert_eq!(feide.requests(Endpoint::Jwks), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn minted_tokens_verify_and_carry_header_fields() -> TestResult {
    let feide = FakeFeide::start().await?;
    let aud = feide_tower::testkit::DEFAULT_DATASOURCE_AUDIENCE;
    let token = feide.mint().sign();
    let claims = verify(&feide, &token, aud).await?;
    assert_eq!(claims["sub"], feide.users()[0].sub.as_str());
    assert_eq!(claims["scope"], "openid");
    assert_eq!(claims["client_id"], "fake-client");
    assert_eq!(claims["act"]["sub"], "fake-client");

    let token = feide
        .mint()
        .claim("scope", "readUser")
        .remove("name")
        .header_field("jku", "https://evil.example/jwks")
        .header_field("crit", json!(["exp"]))
        .sign();
    let header = jsonwebtoken::decode_header(&token)?;
    assert_eq!(header.jku.as_deref(), Some("https://evil.example/jwks"));
    let (h, c) = feide
        .mint()
        .header_field("x5u", "https://evil.example/cert")
        .unsigned_parts();
    assert_eq!(h["x5u"], "https://evil.example/cert");
    assert_eq!(h["alg"], "RS256");
    assert_eq!(h["kid"], "fake-rsa-1");
    assert_eq!(c["aud"], aud);

    // EC key: verifies once published.
    feide.publish_keys(&["fake-rsa-1", "fake-ec-1"]);
    let token = feide.mint().key("fake-ec-1").sign();
    let header = jsonwebtoken::decode_header(&token)?;
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some("fake-ec-1"));
    verify(&feide, &token, aud).await?;

    // An unpublished key's token does not verify against the JWKS.
    let token = feide.mint().key("fake-rsa-3").sign();
    assert!(verify(&feide, &token, aud).await.is_err());
    let token = feide.mint().kid(None).sign();
    assert!(jsonwebtoken::decode_header(&token)?.kid.is_none());

    let token = feide
        .mint()
        .claims(json!({"only": 1}))
        .claim("extra", true)
        .sign();
    let payload = token.split('.').nth(1).ok_or("payload")?;
    use base64::Engine as _;
    let payload: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?)?;
    assert_eq!(payload, json!({"only": 1, "extra": true}));

    // access_token_for gives the exchange shape.
    let token = feide.access_token_for("bob", aud, "readUser writeUser");
    let claims = verify(&feide, &token, aud).await?;
    assert_eq!(claims["name"], "Bob Teacher");
    assert_eq!(claims["scope"], "readUser writeUser");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_methods_and_shutdown() -> TestResult {
    let feide = FakeFeide::start().await?;
    assert_eq!(http().get(feide.url("/nope")).send().await?.status(), 404);
    let resp = http().get(feide.url("/oauth/token")).send().await?;
    assert_eq!(resp.status(), 405);
    assert_eq!(
        http()
            .post(feide.url("/openid/jwks"))
            .send()
            .await?
            .status(),
        405
    );
    let big = "x".repeat(70 * 1024);
    let resp = http()
        .post(feide.url("/oauth/token"))
        .body(big)
        .send()
        .await?;
    assert_eq!(resp.status(), 413);

    // Shutdown closes hanging connections and stops accepting.
    feide.fail(Endpoint::Discovery, Failure::Hang);
    let hanging = {
        let url = feide.url("/.well-known/openid-configuration");
        tokio::spawn(async move { http().get(&url).send().await })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while feide.requests(Endpoint::Discovery) == 0 {
        assert!(Instant::now() < deadline, "request never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await; // poll interval
    }
    let clone = feide.clone();
    clone.shutdown();
    let result = hanging.await?;
    assert!(result.is_err(), "hanging request must end with the server");
    let addr = feide.addr();
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "listener still open");
        tokio::time::sleep(Duration::from_millis(5)).await; // poll interval
    }

    // Dropping the last handle stops the server too.
    let feide = FakeFeide::start().await?;
    let addr = feide.addr();
    drop(feide);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "listener still open after drop");
        tokio::time::sleep(Duration::from_millis(5)).await; // poll interval
    }
    Ok(())
}
