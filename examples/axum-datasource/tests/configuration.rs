//! Issue 13, finding 8: the example fails closed. The demo (an in-process fake Feide whose
//! signing keys are public) runs only when no provider variable at all is set and the app
//! listens on loopback; any partial configuration is a start-up error naming every missing
//! variable, never the demo.

use std::net::SocketAddr;

/// Variables set, and the variables the error must name.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:8001".parse().unwrap()
}

#[tokio::test]
async fn a_partial_configuration_is_an_error_naming_every_missing_variable() {
    let cases: &[Case] = &[
        (
            &[("DATASOURCE_CLIENT_ID", "ds-client")],
            &[
                "DATASOURCE_AUDIENCE",
                "DATASOURCE_REQUIRED_SCOPE",
                "DATASOURCE_CLIENT_SECRET",
            ],
        ),
        (
            &[("FEIDE_ISSUER", "https://auth.example.org")],
            &["DATASOURCE_AUDIENCE", "DATASOURCE_REQUIRED_SCOPE"],
        ),
        (
            &[("FEIDE_GROUPINFO_URL", "https://groups.example.org/groups")],
            &["DATASOURCE_AUDIENCE", "DATASOURCE_REQUIRED_SCOPE"],
        ),
        (
            &[("OIDC_CLIENT_ID", "app")],
            &[
                "DATASOURCE_AUDIENCE",
                "DATASOURCE_REQUIRED_SCOPE",
                "OIDC_CLIENT_SECRET",
            ],
        ),
        (
            &[("DATASOURCE_AUDIENCE", "https://n.feide.no/datasources/x")],
            &["DATASOURCE_REQUIRED_SCOPE"],
        ),
        (
            &[("DATASOURCE_TOKEN_EXCHANGE_SCOPE", "groups")],
            &["DATASOURCE_AUDIENCE", "DATASOURCE_REQUIRED_SCOPE"],
        ),
    ];
    for (vars, missing) in cases {
        let error = match axum_datasource::configure(env(vars), loopback()).await {
            Ok(started) => panic!(
                "{vars:?} started (demo: {}) instead of refusing",
                started.fake.is_some()
            ),
            Err(error) => error.to_string(),
        };
        for name in *missing {
            assert!(error.contains(name), "{vars:?}: {name} not named: {error}");
        }
    }
}

#[tokio::test]
async fn the_demo_never_listens_beyond_loopback() {
    let everywhere: SocketAddr = "0.0.0.0:8001".parse().unwrap();
    let error = axum_datasource::configure(env(&[]), everywhere)
        .await
        .err()
        .expect("no demo on 0.0.0.0");
    assert!(error.to_string().contains("loopback"), "{error}");
}

#[tokio::test]
async fn nothing_set_on_loopback_is_the_demo() {
    let started = axum_datasource::configure(env(&[("BIND_ADDR", "127.0.0.1:8001")]), loopback())
        .await
        .expect("the demo starts");
    assert!(started.fake.is_some());
    let banner = started.banner.expect("a loud banner");
    assert!(
        banner.contains("DEMO MODE") && banner.contains("FAKE Feide"),
        "{banner}"
    );
    assert!(started.curl.is_some());
}
