//! Discovery faults: the provider suddenly states another issuer, or its discovery document is
//! down or not JSON. A new Provider (a restart, a new instance) refuses to start with a clear
//! error; the running ones keep working on what they discovered, login and bearer alike.

use std::collections::HashMap;

use feide_tower::Provider;
use feide_tower::provider::ProviderError;
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, Endpoint, Failure};

use crate::app::{Browser, log_in, login_app, me, serve_datasource};
use crate::panics;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_changing_issuer_refuses_new_providers_and_keeps_existing_ones() {
    panics::install();
    let app = login_app().await;
    let fake = app.fake.clone();
    let running = Provider::builder(fake.issuer())
        .build()
        .await
        .expect("discovery");
    let ds = serve_datasource(&running).await;
    let token = fake.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
    let bearer = |base: String, token: String| async move {
        reqwest::Client::new()
            .get(format!("{base}/me"))
            .bearer_auth(token)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };

    let mut figures = Vec::new();
    let cases: [(&str, Option<String>, Option<Failure>); 4] = [
        (
            "issuer_changed",
            Some("https://evil.example".to_owned()),
            None,
        ),
        (
            "issuer_trailing_slash",
            Some(format!("{}/", fake.issuer())),
            None,
        ),
        ("discovery_500", None, Some(Failure::Status(500))),
        (
            "discovery_html",
            None,
            Some(Failure::Body {
                status: 200,
                content_type: "text/html".into(),
                body: "<html>hi</html>".into(),
            }),
        ),
    ];
    for (name, issuer, failure) in cases {
        fake.set_discovery_issuer(issuer.clone());
        if let Some(failure) = failure {
            fake.fail(Endpoint::Discovery, failure);
        }
        let error = Provider::builder(fake.issuer())
            .build()
            .await
            .expect_err("a new provider refuses a changed or broken discovery");
        match (&issuer, &error) {
            (Some(_), ProviderError::IssuerMismatch { .. }) => {}
            (None, ProviderError::Status { .. } | ProviderError::InvalidDocument { .. }) => {}
            _ => panic!("{name}: unexpected error {error:?}"),
        }
        // The example refuses to start with the same error.
        let env = HashMap::from([
            ("FEIDE_ISSUER", fake.issuer()),
            (
                "DATASOURCE_AUDIENCE",
                DEFAULT_DATASOURCE_AUDIENCE.to_owned(),
            ),
            ("DATASOURCE_REQUIRED_SCOPE", "readUser".to_owned()),
        ]);
        let example = axum_datasource::configure(
            |n| env.get(n).cloned(),
            "127.0.0.1:0".parse().expect("addr"),
        )
        .await;
        let example_error = example.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            !example_error.is_empty(),
            "{name}: axum-datasource refuses to start"
        );

        // The running apps are unaffected.
        assert_eq!(
            bearer(ds.clone(), token.clone()).await,
            200,
            "{name}: bearer still works"
        );
        let browser = Browser::new();
        assert_eq!(
            log_in(&browser, &app).await.status(),
            302,
            "{name}: login still works"
        );
        assert_eq!(
            me(&browser, &app).await.0,
            200,
            "{name}: and gives a session"
        );

        fake.set_discovery_issuer(None);
        fake.clear_failure(Endpoint::Discovery);
        Provider::builder(fake.issuer())
            .build()
            .await
            .expect("healthy again");
        figures.push(format!("{name}=refused"));
        panics::report(&format!(
            "faults: discovery {name:<22} new Provider: {error}; example: {example_error}; running apps: bearer 200, login 302"
        ));
    }
    panics::report(&format!(
        "faults: discovery rows={} [{}]",
        figures.len(),
        figures.join(" ")
    ));
    panics::assert_none("discovery faults");
}
