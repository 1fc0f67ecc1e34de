//! Issue 13, findings 8 and 9: the example fails closed. The demo (an in-process fake Feide whose
//! signing keys are public) runs only when no provider variable at all is set and the app
//! listens on loopback; any partial configuration is a start-up error naming every missing
//! variable; `DATASOURCE_API_URL` (which receives exchanged tokens) must be https off loopback.

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
    "127.0.0.1:8000".parse().unwrap()
}

const LOGIN: [&str; 4] = [
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_REDIRECT_URI",
    "APP_SECRET_KEY",
];

async fn refused(vars: &[(&str, &str)], addr: SocketAddr) -> String {
    match axum_login::configure(env(vars), addr).await {
        Ok(started) => panic!(
            "{vars:?} started (demo: {}) instead of refusing",
            started.fake.is_some()
        ),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn a_partial_configuration_is_an_error_naming_every_missing_variable() {
    let cases: &[Case] = &[
        (&[("FEIDE_ISSUER", "https://auth.example.org")], &LOGIN),
        (&[("OIDC_CLIENT_SECRET", "s3cret-value")], &LOGIN),
        (&[("APP_SECRET_KEY", "k")], &LOGIN),
        (
            &[("OIDC_CLIENT_ID", "app")],
            &["OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URI", "APP_SECRET_KEY"],
        ),
        (
            &[("DATASOURCE_API_URL", "https://ds.example.org")],
            &[
                "OIDC_CLIENT_ID",
                "OIDC_CLIENT_SECRET",
                "OIDC_REDIRECT_URI",
                "APP_SECRET_KEY",
                "FEIDE_TOKEN_EXCHANGE_AUDIENCE",
            ],
        ),
    ];
    for (vars, missing) in cases {
        let error = refused(vars, loopback()).await;
        for name in *missing {
            assert!(error.contains(name), "{vars:?}: {name} not named: {error}");
        }
        assert!(
            !error.contains("s3cret-value"),
            "names, never values: {error}"
        );
    }
}

#[tokio::test]
async fn the_demo_never_listens_beyond_loopback() {
    let everywhere: SocketAddr = "0.0.0.0:8000".parse().unwrap();
    let error = refused(&[], everywhere).await;
    assert!(error.contains("loopback"), "{error}");
}

#[tokio::test]
async fn datasource_api_url_must_be_https_off_loopback() {
    let error = refused(
        &[
            ("OIDC_CLIENT_ID", "app"),
            ("OIDC_CLIENT_SECRET", "s3cret-value"),
            ("OIDC_REDIRECT_URI", "https://app.example.org/callback"),
            (
                "APP_SECRET_KEY",
                "2Wl5yqT1N0h3b0mJ9x8KqV7cZrF4pLsA6eDgHjUiOyQ",
            ),
            (
                "FEIDE_TOKEN_EXCHANGE_AUDIENCE",
                "https://n.feide.no/datasources/x",
            ),
            ("DATASOURCE_API_URL", "http://datasource.example.org"),
        ],
        loopback(),
    )
    .await;
    assert!(error.contains("DATASOURCE_API_URL"), "{error}");
    assert!(error.contains("https"), "{error}");
}

#[tokio::test]
async fn nothing_set_on_loopback_is_the_demo() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let started = axum_login::configure(env(&[]), listener.local_addr().unwrap())
        .await
        .expect("the demo starts");
    assert!(started.fake.is_some());
    let banner = started.banner.expect("a loud banner");
    assert!(
        banner.contains("DEMO MODE") && banner.contains("FAKE Feide"),
        "{banner}"
    );
}
