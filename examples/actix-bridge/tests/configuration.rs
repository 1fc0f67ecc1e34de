//! Issue 13, finding 8: the example fails closed. The demo (an in-process fake Feide whose
//! signing keys are public) runs only when no provider variable at all is set and the app
//! listens on loopback; any partial configuration is a start-up error naming every missing
//! variable.

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
    "127.0.0.1:8002".parse().unwrap()
}

async fn refused(vars: &[(&str, &str)], addr: SocketAddr) -> String {
    match actix_bridge::configure(env(vars), addr).await {
        Ok(configured) => panic!(
            "{vars:?} started (demo: {}) instead of refusing",
            configured.fake.is_some()
        ),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn a_partial_configuration_is_an_error_naming_every_missing_variable() {
    let all = [
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REDIRECT_URI",
        "APP_SECRET_KEY",
        "DATASOURCE_AUDIENCE",
    ];
    let cases: &[Case] = &[
        (
            &[("DATASOURCE_AUDIENCE", "https://n.feide.no/datasources/x")],
            &all[..4],
        ),
        (&[("FEIDE_ISSUER", "https://auth.example.org")], &all),
        (&[("DATASOURCE_REQUIRED_SCOPE", "readUser")], &all),
        (&[("OIDC_CLIENT_ID", "app")], &all[1..]),
    ];
    for (vars, missing) in cases {
        let error = refused(vars, loopback()).await;
        for name in *missing {
            assert!(error.contains(name), "{vars:?}: {name} not named: {error}");
        }
    }
}

#[tokio::test]
async fn the_demo_never_listens_beyond_loopback() {
    let everywhere: SocketAddr = "0.0.0.0:8002".parse().unwrap();
    let error = refused(&[], everywhere).await;
    assert!(error.contains("loopback"), "{error}");
}

#[tokio::test]
async fn nothing_set_on_loopback_is_the_demo() {
    let configured = actix_bridge::configure(env(&[]), loopback())
        .await
        .expect("the demo starts");
    assert!(configured.fake.is_some());
    let banner = configured.banner.expect("a loud banner");
    assert!(
        banner.contains("DEMO MODE") && banner.contains("FAKE Feide"),
        "{banner}"
    );
}
