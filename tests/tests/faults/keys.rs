//! JWKS faults under a running bearer-protected data source (the axum-datasource example's
//! router): garbage, 404, 500, an empty key set, keys with the wrong `use` or `alg`, a hang.
//! The cached keys keep validating tokens of the key they know; a token of a new key gets 503
//! ("try again"), never a 200 and never a wrongful 401; once the JWKS is healthy again the new
//! key validates without intervention. Also a cold cache, and JWKS fetch counts per row.

use std::time::Instant;

use feide_tower::Provider;
use feide_tower::testkit::{Endpoint, Failure, FakeFeide};
use serde_json::{Value, json};

use crate::app::{datasource_app, provider, serve_datasource};
use crate::panics;

/// `GET {base}/me` with a fresh token from the fake's current signing key (a new `jti`, so the
/// verified-token cache never answers for it) or with the given key.
async fn me(base: &str, fake: &FakeFeide, kid: Option<&str>) -> u16 {
    let minter = fake.mint().claim("scope", "openid readUser");
    let token = match kid {
        Some(kid) => minter.key(kid).sign(),
        None => minter.sign(),
    };
    reqwest::Client::new()
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn body(status: u16, body: Value) -> Failure {
    Failure::Body {
        status,
        content_type: "application/json".into(),
        body: body.to_string(),
    }
}

/// The JWKS FakeFeide publishes now, with `edit` applied to every key.
async fn jwks_with(fake: &FakeFeide, edit: impl Fn(&mut Value)) -> Value {
    let mut doc: Value = reqwest::get(fake.url("/openid/jwks"))
        .await
        .expect("JWKS")
        .json()
        .await
        .expect("JWKS JSON");
    if let Some(keys) = doc["keys"].as_array_mut() {
        keys.iter_mut().for_each(edit);
    }
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_faults_keep_bearer_validation_working() {
    panics::install();
    let (fake, provider, base) = datasource_app().await;
    let jwks = provider.jwks().clone();
    assert_eq!(me(&base, &fake, None).await, 200, "healthy");

    type Make =
        fn(&FakeFeide) -> std::pin::Pin<Box<dyn std::future::Future<Output = Failure> + Send + '_>>;
    let rows: Vec<(&str, Make)> = vec![
        ("garbage_html", |_| {
            Box::pin(async {
                Failure::Body {
                    status: 200,
                    content_type: "text/html".into(),
                    body: "<html>maintenance</html>".into(),
                }
            })
        }),
        ("not_found_404", |_| {
            Box::pin(async { Failure::Status(404) })
        }),
        ("server_error_500", |_| {
            Box::pin(async { Failure::Status(500) })
        }),
        ("empty_key_set", |_| {
            Box::pin(async { body(200, json!({"keys": []})) })
        }),
        ("keys_not_an_array", |_| {
            Box::pin(async { body(200, json!({"keys": {"kid": "x"}})) })
        }),
        ("keys_with_use_enc", |f| {
            Box::pin(async move { body(200, jwks_with(f, |k| k["use"] = json!("enc")).await) })
        }),
        ("keys_with_alg_hs256", |f| {
            Box::pin(async move { body(200, jwks_with(f, |k| k["alg"] = json!("HS256")).await) })
        }),
        ("rsa_keys_with_alg_es256", |f| {
            Box::pin(async move { body(200, jwks_with(f, |k| k["alg"] = json!("ES256")).await) })
        }),
        ("keys_with_modulus_not_base64url", |f| {
            Box::pin(async move {
                body(
                    200,
                    jwks_with(f, |k| k["n"] = json!("!!not base64!!")).await,
                )
            })
        }),
        ("hangs", |_| Box::pin(async { Failure::Hang })),
    ];
    let mut matrix = Vec::new();
    for (name, make) in rows {
        let old_kid = fake.signing_kid();
        let new_kid = fake.rotate_keys();
        let failure = make(&fake).await;
        let hangs = failure == Failure::Hang;
        fake.fail(Endpoint::Jwks, failure);
        let fetches_before = jwks.fetch_count();

        // A token of the new key needs a refresh, which fails: 503, not 401, not 200. A token of
        // the cached key keeps working, also while that refresh hangs.
        let started = Instant::now();
        let new_key = tokio::spawn({
            let (base, fake, kid) = (base.clone(), fake.clone(), new_kid.clone());
            async move { (me(&base, &fake, Some(&kid)).await, started.elapsed()) }
        });
        let cached = me(&base, &fake, Some(&old_kid)).await;
        let cached_after = started.elapsed();
        let (new_status, new_took) = new_key.await.expect("task");
        assert_eq!(cached, 200, "{name}: the cached key still validates");
        assert_eq!(
            new_status, 503,
            "{name}: a token of an unknown key while the JWKS is broken"
        );
        if hangs {
            assert!(
                cached_after < new_took,
                "{name}: cached-key request answered in {cached_after:?}, not held up by the hanging refresh ({new_took:?})"
            );
        }
        assert_eq!(
            me(&base, &fake, Some(&old_kid)).await,
            200,
            "{name}: still, after the failed refresh"
        );
        let failed_fetches = jwks.fetch_count() - fetches_before;

        fake.clear_failure(Endpoint::Jwks);
        let recovered = me(&base, &fake, Some(&new_kid)).await;
        assert_eq!(
            recovered, 200,
            "{name}: the new key validates once the JWKS is healthy"
        );
        let recovery_fetches = jwks.fetch_count() - fetches_before - failed_fetches;
        assert_eq!(recovery_fetches, 1, "{name}: one fetch to recover");
        matrix.push(format!("{name}={new_status}"));
        panics::report(&format!(
            "faults: jwks {name:<32} cached-key=200 in {:>4} ms, new-key={new_status} in {:>4} ms, fetches while broken={failed_fetches}, recovered with {recovery_fetches} fetch",
            cached_after.as_millis(),
            new_took.as_millis()
        ));
    }
    panics::report(&format!(
        "faults: jwks rows={} [{}] total JWKS fetches={}",
        matrix.len(),
        matrix.join(" "),
        jwks.fetch_count()
    ));
    panics::assert_none("jwks faults");
}

/// A JWKS whose only key has a 17-bit RSA modulus (a finding of issue #9). The key parses, so
/// the set replaces the good one, and it verifies nothing: every token is refused (401), none
/// is let through. Because its `kid` is then known, a token naming it causes no refresh: the
/// bad key stays until the next scheduled refresh (the JWKS TTL, 1 h by default) or
/// `Jwks::refresh_now()`, even after the provider has fixed its JWKS. Refusing RSA moduli under
/// 2048 bits when parsing would turn this into the 503-and-keep-the-old-keys case above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwks_of_tiny_rsa_keys_does_not_replace_the_good_keys() {
    panics::install();
    let (fake, provider, base) = datasource_app().await;
    let old_kid = fake.signing_kid();
    let new_kid = fake.rotate_keys();
    fake.fail(
        Endpoint::Jwks,
        body(200, jwks_with(&fake, |k| k["n"] = json!("AQAB")).await),
    );
    // A 17-bit modulus is refused when the JWKS is read: the set has no usable key, the refresh
    // counts as failed and the last good keys stay.
    let new_key = me(&base, &fake, Some(&new_kid)).await;
    let old_key = me(&base, &fake, Some(&old_kid)).await;
    assert_eq!(
        new_key, 503,
        "the new key cannot be had: try again later, never a 200"
    );
    assert_eq!(old_key, 200, "the cached key keeps working");
    fake.clear_failure(Endpoint::Jwks);
    provider
        .jwks()
        .refresh_now()
        .await
        .expect("the JWKS is healthy again");
    assert_eq!(me(&base, &fake, Some(&new_kid)).await, 200, "recovered");
    panics::report(&format!(
        "faults: jwks tiny_rsa_modulus new-key={new_key} cached-key={old_key} (bad keys refused, good keys kept), then 200"
    ));
    panics::assert_none("tiny RSA keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_cache_fails_closed_then_recovers() {
    panics::install();
    let fake = FakeFeide::start().await.expect("FakeFeide");
    fake.fail(Endpoint::Jwks, Failure::Status(503));
    let provider: Provider = provider(&fake)
        .await
        .expect("a JWKS outage at start-up is not fatal");
    let base = serve_datasource(&provider).await;
    let down = me(&base, &fake, None).await;
    assert_eq!(down, 503, "no keys at all: try again later, never a 200");
    fake.clear_failure(Endpoint::Jwks);
    let up = me(&base, &fake, None).await;
    assert_eq!(up, 200, "recovers on the next request");
    panics::report(&format!(
        "faults: jwks cold_cache_503 -> {down}, then {up} once the JWKS answers"
    ));
    panics::assert_none("cold cache");
}
