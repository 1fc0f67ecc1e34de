//! Data-source guards: each rule for each user's token; the exchange made once per subject;
//! MFA from the token; tokens without a user.

use feide_tower::login::FEIDE_MFA_ACR;
use feide_tower::testkit::Endpoint;

use super::harness::{Options, allowed, ds, start, token};

/// As for sessions; the data source's token carries no `acr`, so `/mfa` refuses everyone.
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "alice",
        &[
            "/primary-student",
            "/realm",
            "/org",
            "/course",
            "/emne",
            "/combo",
        ],
    ),
    (
        "bob",
        &[
            "/staff",
            "/realm",
            "/org",
            "/course",
            "/course-admin",
            "/fs-teacher",
            "/emne",
        ],
    ),
    ("olga", &["/staff", "/combo"]),
    ("dora", &["/realm", "/org", "/orgnr", "/adhoc"]),
];

#[tokio::test]
async fn each_rule_allows_and_refuses_callers() {
    let app = start(Options::default()).await;
    for (user, expected) in EXPECTED {
        let token = token(&app, user);
        let got = allowed(|path| {
            let (app, token) = (&app, token.clone());
            async move { ds(app, &token, path).await.0 }
        })
        .await;
        assert_eq!(&got, expected, "{user}");
    }
    let (status, headers, body) = ds(&app, &token(&app, "alice"), "/staff").await;
    assert_eq!(status, 403);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["error"], "forbidden");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("affiliation")
    );
    let (_, _, body) = ds(&app, &token(&app, "bob"), "/mfa").await;
    assert!(body["error_description"].as_str().unwrap().contains("mfa"));
}

#[tokio::test]
async fn the_token_is_exchanged_once_per_subject_and_the_facts_kept() {
    let app = start(Options::default()).await;
    let exchanges = || app.fake.requests(Endpoint::Token);
    assert_eq!(exchanges(), 0);
    let first = token(&app, "bob");
    assert_eq!(ds(&app, &first, "/member-a").await.0, 200);
    assert_eq!(exchanges(), 1);
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);
    // The same guard, another route, the same token, a new token for the same user: kept.
    let second = token(&app, "bob");
    assert_ne!(first, second);
    for (token, path) in [
        (&first, "/member-b"),
        (&second, "/member-a"),
        (&second, "/member-b"),
    ] {
        assert_eq!(ds(&app, token, path).await.0, 200);
    }
    assert_eq!(exchanges(), 1);
    assert_eq!(app.fake.requests(Endpoint::Groups), 1);
    // Another subject: one more exchange.
    assert_eq!(ds(&app, &token(&app, "alice"), "/member-a").await.0, 200);
    assert_eq!(exchanges(), 2);
    let grants: Vec<String> = app
        .fake
        .token_requests()
        .iter()
        .filter_map(|r| {
            r.form
                .iter()
                .find(|(k, _)| k == "grant_type")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert!(
        grants
            .iter()
            .all(|g| g == "urn:ietf:params:oauth:grant-type:token-exchange"),
        "{grants:?}"
    );
}

#[tokio::test]
async fn mfa_comes_from_the_tokens_acr_and_is_unknown_without_one() {
    let app = start(Options::default()).await;
    let bob = app
        .fake
        .users()
        .into_iter()
        .find(|u| u.id == "bob")
        .unwrap();
    let mfa = app
        .fake
        .mint()
        .claim("sub", bob.sub.clone())
        .claim(
            "https://n.feide.no/claims/eduPersonPrincipalName",
            bob.eppn.clone(),
        )
        .claim("acr", FEIDE_MFA_ACR)
        .sign();
    let (status, _, facts) = ds(&app, &mfa, "/staff-mfa").await;
    assert_eq!(status, 200, "{facts}");
    assert_eq!(facts["mfa"], "Yes");
    let weaker = app
        .fake
        .mint()
        .claim("sub", bob.sub.clone())
        .claim("acr", "urn:mace:feide.no:auth:level:fad08:2")
        .sign();
    assert_eq!(ds(&app, &weaker, "/staff").await.2["mfa"], "No");
    assert_eq!(ds(&app, &weaker, "/mfa").await.0, 403);
    assert_eq!(
        ds(&app, &token(&app, "bob"), "/staff").await.2["mfa"],
        "Unknown"
    );
}

#[tokio::test]
async fn a_token_without_a_user_is_forbidden_and_nothing_is_exchanged() {
    let app = start(Options::default()).await;
    let client = app.fake.mint().claim("sub", "fake-client").sign();
    let (status, _, body) = ds(&app, &client, "/member-a").await;
    assert_eq!(status, 403);
    assert!(body["error_description"].as_str().unwrap().contains("user"));
    assert_eq!(app.fake.requests(Endpoint::Token), 0);
    // No token at all: the bearer layer answers before the guard.
    let response = reqwest::get(app.ds_url("/staff")).await.unwrap();
    assert_eq!(response.status(), 401);
}
