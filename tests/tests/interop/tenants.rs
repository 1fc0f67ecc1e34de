//! Tenants at the certified provider (issue 17): one app process serves two institutions by
//! host name (`Tenants::by_host`), `http://localhost:PORT` and `http://127.0.0.1:PORT`, each a
//! client of its own at oidc-provider with its own redirect URI. A sign-in through each host
//! goes out as that host's client and comes back to a session of that host's login; a host
//! that is not configured gets `421` and never reaches the provider.

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::login::{FeideLogin, Tenants};
use feide_tower::session::FeideSession;
use serde_json::{Value, json};

use crate::apps::{ALICE, BOB, SESSION_KEY, bind_app, query};
use crate::op::Op;
use crate::setup::{self, artifacts_for};
use crate::web::{Page, Web};

/// The two tenants: login name, client id, client secret, host.
const UIA: (&str, &str, &str, &str) = (
    "uia",
    "feide-tower-uia",
    "uia-secret-0123456789",
    "localhost",
);
const UIT: (&str, &str, &str, &str) = (
    "uit",
    "feide-tower-uit",
    "uit secret+with/odd&chars",
    "127.0.0.1",
);

/// A client of the provider for a tenant at `base`.
fn client(tenant: (&str, &str, &str, &str), base: &str) -> Value {
    json!({
        "client_id": tenant.1,
        "client_secret": tenant.2,
        "redirect_uris": [format!("{base}/callback")],
        "post_logout_redirect_uris": [format!("{base}/post-logout")],
    })
}

/// The login of a tenant at `base`, with its own client.
async fn login(op: &Op, tenant: (&str, &str, &str, &str), base: &str) -> FeideLogin {
    let provider = Provider::builder(op.issuer())
        .client(tenant.1, tenant.2)
        .build()
        .await
        .expect("discovery");
    FeideLogin::builder(&provider)
        .name(tenant.0)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(SESSION_KEY)
        .scopes("openid profile")
        .build()
        .expect("tenant login")
}

async fn me(session: FeideSession) -> axum::Json<Value> {
    axum::Json(json!({
        "login": session.provider(),
        "sub": session.sub(),
        "iss": session.issuer(),
        "aud": session.id_token_claims().get("aud"),
    }))
}

/// From `base`'s `/login` through the provider's pages (login form unless the browser is
/// already signed in there, consent for a client it has not consented to) back to the app.
/// The authorization request and the page landed on.
async fn sign_in(web: &Web, base: &str, op: &Op, user: &str) -> (url::Url, Page) {
    let start = web.get(&format!("{base}/login")).await;
    let authorize = start.redirect("GET /login");
    assert!(
        authorize.as_str().starts_with(&op.url("/auth?")),
        "{authorize}"
    );
    let (_, mut page) = web.follow(start).await;
    for _ in 0..2 {
        if !page.url.as_str().starts_with(op.issuer()) || page.status != 200 {
            break;
        }
        let form = page.form("a page of the provider", "/interaction/");
        let fields: &[(&str, &str)] = if page.text().contains("Sign-in") {
            &[("login", user), ("password", "any password")]
        } else {
            &[]
        };
        page = web.follow(web.submit(&form, fields).await).await.1;
    }
    assert!(
        page.url.as_str().starts_with(base),
        "back at {base}: {page:?}"
    );
    (authorize, page)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tenants_by_host_are_two_clients_at_the_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("tenants");
    let (listener, base_a) = bind_app().await;
    let port = listener.local_addr().expect("bound").port();
    assert_eq!(base_a, format!("http://{}:{port}", UIA.3));
    let base_b = format!("http://{}:{port}", UIT.3);
    let op = Op::start(
        &artifacts,
        &json!({"clients": [client(UIA, &base_a), client(UIT, &base_b)]}),
    );
    let tenants = Tenants::by_host([
        login(&op, UIA, &base_a).await,
        login(&op, UIT, &base_b).await,
    ])
    .expect("tenants");
    let app = Router::new()
        .route("/", get(|| async { "home" }))
        .route("/me", get(me).route_layer(tenants.require_login()))
        .layer(tenants.layer());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Each host signs in as its own client, with its own redirect URI.
    for (tenant, base, user) in [(UIA, &base_a, ALICE.0), (UIT, &base_b, BOB.0)] {
        let web = Web::new();
        let (authorize, landed) = sign_in(&web, base, &op, user).await;
        let params = query(&authorize);
        assert_eq!(params["client_id"], tenant.1, "{authorize}");
        assert_eq!(params["redirect_uri"], format!("{base}/callback"));
        assert_eq!(landed.status, 200, "{landed:?}");
        let (status, session) = web.get_json(&format!("{base}/me")).await;
        assert_eq!(status, 200, "signed in at {base}");
        assert_eq!(session["login"], tenant.0, "{session}");
        assert_eq!(session["aud"], tenant.1, "{session}");
        assert_eq!(session["iss"], op.issuer());
        assert_eq!(session["sub"], user);
    }

    // One browser at both hosts: signed in at the provider once, it consents to the second
    // client and holds two sessions, each of its own tenant.
    let web = Web::new();
    sign_in(&web, &base_a, &op, ALICE.0).await;
    let (status, _) = web.get_json(&format!("{base_b}/me")).await;
    assert_eq!(status, 401, "a session at one host is none at the other");
    sign_in(&web, &base_b, &op, ALICE.0).await;
    for (tenant, base) in [(UIA, &base_a), (UIT, &base_b)] {
        let (status, session) = web.get_json(&format!("{base}/me")).await;
        assert_eq!(status, 200);
        assert_eq!(
            (&session["login"], &session["aud"]),
            (&json!(tenant.0), &json!(tenant.1)),
            "{session}"
        );
    }

    // A host that is not configured: 421, and nothing sent to the provider.
    for path in ["/", "/me", "/login", "/callback?code=x&state=y"] {
        let response = reqwest::Client::new()
            .get(format!("{base_b}{path}"))
            .header("host", format!("tenant.example:{port}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 421, "{path}");
        assert!(response.headers().get("location").is_none(), "{path}");
    }
}
