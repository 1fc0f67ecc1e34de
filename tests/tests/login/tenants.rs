//! One deployment serving two institutions, each with its own provider and client, chosen by
//! the request's host name (`Tenants`).

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::login::{FeideLogin, TenantConfigError, Tenants};
use feide_tower::session::FeideSession;
use feide_tower::testkit::{FakeClient, FakeFeide};
use integration_tests::{bind, serve_axum};
use serde_json::{Value, json};

const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";

/// A login named `name` at `fake`, redirecting to `base`.
async fn tenant(fake: &FakeFeide, name: &str, base: &str) -> FeideLogin {
    let secret = format!("{name}-secret");
    fake.register_client(FakeClient::new(name, &secret).redirect_uri(format!("{base}/callback")));
    let provider = Provider::builder(fake.issuer())
        .client(name, &secret)
        .build()
        .await
        .unwrap();
    FeideLogin::builder(&provider)
        .name(name)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile")
        .build()
        .unwrap()
}

/// A browser for `port` on 127.0.0.1 under both host names, keeping cookies per host.
fn browser(port: u16) -> reqwest::Client {
    reqwest::Client::builder()
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in at `base` (following the redirects through the provider); `/me` afterwards.
async fn sign_in(client: &reqwest::Client, base: &str) -> Value {
    let mut next = format!("{base}/login");
    for _ in 0..6 {
        let response = client.get(&next).send().await.unwrap();
        if !response.status().is_redirection() {
            break;
        }
        let location = response.headers()["location"].to_str().unwrap();
        next = response.url().join(location).unwrap().to_string();
    }
    let me = client.get(format!("{base}/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "signed in at {base}");
    me.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tenants_resolved_by_host_name() {
    let uia_feide = FakeFeide::start().await.unwrap();
    let uit_feide = FakeFeide::start().await.unwrap();
    let (listener, base_b) = bind().await;
    let port = listener.local_addr().unwrap().port();
    let base_a = format!("http://localhost:{port}");
    let tenants = Tenants::by_host([
        tenant(&uia_feide, "uia", &base_a).await,
        tenant(&uit_feide, "uit", &base_b).await,
    ])
    .unwrap();
    assert_eq!(
        tenants.hosts().collect::<Vec<_>>(),
        ["localhost", "127.0.0.1"]
    );
    let app = Router::new()
        .route(
            "/me",
            get(|s: FeideSession| async move {
                axum::Json(json!({"login": s.provider(), "iss": s.claim("iss")}))
            })
            .route_layer(tenants.require_login()),
        )
        .layer(tenants.layer());
    serve_axum(listener, app);

    // Each host signs in at its own institution's provider.
    let (alice, bob) = (browser(port), browser(port));
    let at_a = sign_in(&alice, &base_a).await;
    assert_eq!(at_a["login"], "uia");
    assert_eq!(at_a["iss"], uia_feide.issuer());
    let at_b = sign_in(&bob, &base_b).await;
    assert_eq!(at_b["login"], "uit");
    assert_eq!(at_b["iss"], uit_feide.issuer());
    // The login path sends each host to its own provider.
    let start = alice.get(format!("{base_b}/login")).send().await.unwrap();
    let location = start.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&uit_feide.issuer()), "{location}");

    // A session of one tenant is nothing at the other, even sent there on purpose.
    let me_b_with_a = reqwest::Client::new()
        .get(format!("{base_b}/me"))
        .header("accept", "application/json")
        .header("cookie", "feide_session_uia=anything")
        .send()
        .await
        .unwrap();
    assert_eq!(me_b_with_a.status(), 401);
    let alice_at_b = alice.get(format!("{base_b}/me")).send().await.unwrap();
    assert_eq!(
        alice_at_b.status(),
        401,
        "alice has no session at the other tenant"
    );

    // A host that is not configured is answered 421, whatever the path.
    for path in ["/me", "/login", "/callback?code=x&state=y", "/"] {
        let response = reqwest::Client::new()
            .get(format!("{base_b}{path}"))
            .header("host", format!("evil.example:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 421, "{path}");
    }
}

#[tokio::test]
async fn tenants_are_checked_when_put_together() {
    let fake = FakeFeide::start().await.unwrap();
    let a = tenant(&fake, "a", "http://localhost:3000").await;
    let a2 = tenant(&fake, "a2", "http://localhost:3001").await;
    let b = tenant(&fake, "b", "http://127.0.0.1:3000").await;
    assert!(matches!(
        Tenants::by_host([a.clone(), a2]),
        Err(TenantConfigError::DuplicateHost { .. })
    ));
    assert!(matches!(
        Tenants::by_host([a.clone(), a.clone()]),
        Err(TenantConfigError::DuplicateHost { .. })
    ));
    assert!(matches!(
        Tenants::by_host(Vec::<FeideLogin>::new()),
        Err(TenantConfigError::Empty)
    ));
    let provider = Provider::builder(fake.issuer())
        .client("b", "b-secret")
        .build()
        .await
        .unwrap();
    let same_name = FeideLogin::builder(&provider)
        .name("a")
        .redirect_uri("http://[::1]:3000/callback")
        .secret_keys(KEY)
        .build()
        .unwrap();
    assert!(matches!(
        Tenants::by_host([a.clone(), same_name]),
        Err(TenantConfigError::DuplicateName { .. })
    ));
    let other_paths = FeideLogin::builder(&provider)
        .name("c")
        .redirect_uri("http://[::1]:3000/auth/cb")
        .secret_keys(KEY)
        .build()
        .unwrap();
    assert!(matches!(
        Tenants::by_host([a.clone(), other_paths]),
        Err(TenantConfigError::PathsDiffer { .. })
    ));
    assert!(Tenants::by_host([a, b]).is_ok());
}
