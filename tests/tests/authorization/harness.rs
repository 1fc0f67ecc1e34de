//! An app with one route per rule, behind a FakeFeide login (cookie or store sessions), and a
//! data source with the same routes; test users with the facts the rules ask about.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use feide_tower::Provider;
use feide_tower::authorization::{DataSourceGuard, FeideFacts, Rule, SessionGuard};
use feide_tower::bearer::BearerJwtLayer;
use feide_tower::exchange::TokenExchange;
use feide_tower::login::FeideLogin;
use feide_tower::store::SessionStore;
use feide_tower::testkit::{
    DEFAULT_DATASOURCE_AUDIENCE, DEFAULT_DATASOURCE_CLIENT_ID, DEFAULT_DATASOURCE_CLIENT_SECRET,
    FakeClient, FakeFeide, FakeUser,
};
use integration_tests::{bind, serve_axum};
use serde_json::{Value, json};

pub use integration_tests::browser::{Browser, location};

pub const KEY: &str = "118KEmgjalYOUNAl2f8oqzaNo4pJg6FZYaicBAmIShw=";
pub const CLIENT_ID: &str = "authz-app";
pub const CLIENT_SECRET: &str = "authz-app-secret";
pub const COURSE: &str = "fc:fs:fs:emne:test.feide.no:INF1000:1";
pub const ORG_NUMBER: &str = "974767880";

/// The routes and their rules (the same on the web app and the data source).
pub fn rules() -> Vec<(&'static str, Rule)> {
    vec![
        ("/staff", Rule::affiliation(["employee"])),
        ("/primary-student", Rule::primary_affiliation(["student"])),
        ("/realm", Rule::realm("test.feide.no")),
        ("/org", Rule::org_id("fc:org:test.feide.no")),
        ("/orgnr", Rule::org_number(ORG_NUMBER)),
        ("/course", Rule::group(COURSE)),
        ("/course-admin", Rule::group(COURSE).role("admin")),
        ("/course-owner", Rule::group(COURSE).role("owner")),
        ("/fs-teacher", Rule::group_type("fc:fs:*").fs_role("LÆRER")),
        ("/emne", Rule::group_type("fc:fs:emne")),
        ("/adhoc", Rule::group_type("fc:adhoc")),
        ("/mfa", Rule::mfa()),
        (
            "/staff-mfa",
            Rule::affiliation(["employee"]).and(Rule::mfa()),
        ),
        (
            "/combo",
            Rule::any_of([
                Rule::all_of([Rule::affiliation(["employee"]), Rule::realm("other.no")]),
                Rule::group_type("fc:fs:*").fs_role("STUDENT"),
            ]),
        ),
    ]
}

/// The test users: FakeFeide's alice (student, course STUDENT) and bob (employee and faculty,
/// course LÆRER, admin), plus olga (an employee of other.no) and dora (staff, with the
/// organisation number, owner of an ad-hoc group, an inactive course membership).
pub fn users() -> Vec<FakeUser> {
    vec![
        FakeUser::new("olga", "Olga Other")
            .eppn("olga@other.no")
            .affiliation("employee", &["member", "employee"]),
        FakeUser::new("dora", "Dora Staff").groups(json!([
            {"id": "fc:org:test.feide.no", "type": "fc:org", "displayName": "Test organisation",
             "norEduOrgNIN": "NO974767880",
             "membership": {"basic": "member", "affiliation": ["member", "staff"], "primaryAffiliation": "staff"}},
            {"id": "fc:adhoc:dora", "type": "fc:adhoc", "displayName": "Dora's group",
             "membership": {"basic": "owner"}},
            {"id": COURSE, "type": "fc:fs:emne", "displayName": "Old course",
             "membership": {"basic": "member", "active": false, "fsroles": ["STUDENT"]}},
        ])),
    ]
}

/// How the web app keeps sessions.
#[derive(Clone)]
pub enum Sessions {
    Cookie,
    Store(Arc<dyn SessionStore>),
}

/// Options of an app.
#[derive(Clone)]
pub struct Options {
    pub sessions: Sessions,
    /// Logins ask for Feide's MFA level.
    pub mfa: bool,
    /// How long facts are used.
    pub freshness: Duration,
    /// The login's revocation bound (how long a stored session is trusted from memory).
    pub revocation_bound: Option<Duration>,
    /// The login renders refusal bodies itself (`custom <status>` in text/plain).
    pub render: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sessions: Sessions::Cookie,
            mfa: false,
            freshness: Duration::from_secs(300),
            render: false,
            revocation_bound: None,
        }
    }
}

pub struct App {
    pub fake: FakeFeide,
    pub base: String,
    pub datasource: String,
    pub login: FeideLogin,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ds_url(&self, path: &str) -> String {
        format!("{}{path}", self.datasource)
    }
}

/// A provider on `fake` with its APIs (and `client` as its client).
pub async fn provider(fake: &FakeFeide, client: Option<(&str, &str)>) -> Provider {
    let mut builder = Provider::builder(fake.issuer())
        .extended_userinfo_url(fake.extended_userinfo_url())
        .groups_url(fake.groups_url())
        .timeout(Duration::from_secs(2));
    if let Some((id, secret)) = client {
        builder = builder.client(id, secret);
    }
    builder.build().await.unwrap()
}

pub async fn start(options: Options) -> App {
    let fake = FakeFeide::start().await.unwrap();
    for user in users() {
        fake.add_user(user);
    }
    let (listener, base) = bind().await;
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let provider = provider(&fake, Some((CLIENT_ID, CLIENT_SECRET))).await;
    let mut builder = FeideLogin::builder(&provider)
        .redirect_uri(format!("{base}/callback"))
        .secret_keys(KEY)
        .scopes("openid profile userid-feide");
    if let Sessions::Store(store) = &options.sessions {
        builder = builder.session_store(Arc::clone(store));
    }
    if options.mfa {
        builder = builder.require_mfa();
    }
    if let Some(bound) = options.revocation_bound {
        builder = builder.revocation_bound(bound);
    }
    if options.render {
        builder = builder.render_body(|denial: &feide_tower::Denial| {
            let kind = match denial {
                feide_tower::Denial::Authorization(_) => "authorization",
                _ => "other",
            };
            (
                http::HeaderValue::from_static("text/plain"),
                bytes::Bytes::from(format!("custom {kind} {}", denial.status().as_u16())),
            )
        });
    }
    let login = builder.build().unwrap();
    let mut router = Router::new();
    for (path, rule) in rules() {
        let guard = SessionGuard::builder(&login, rule)
            .freshness(options.freshness)
            .build()
            .unwrap();
        router = router.route(path, get(facts_json).route_layer(guard.layer()));
    }
    // The extractor on a route without a guard: a wiring mistake, refused.
    router = router
        .route("/unguarded", get(facts_json))
        .route("/", get(|| async { "home" }));
    serve_axum(listener, router.layer(login.layer()));
    let datasource = start_datasource(&fake, options.freshness).await;
    App {
        fake,
        base,
        datasource,
        login,
    }
}

/// The facts a handler gets (counts and non-personal shapes, for the assertions).
async fn facts_json(facts: FeideFacts) -> axum::Json<Value> {
    axum::Json(json!({
        "affiliations": facts.affiliations(),
        "primary": facts.primary_affiliation(),
        "realm": facts.home_organization().map(|o| o.realm.clone()),
        "groups": facts.groups().len(),
        "mfa": format!("{:?}", facts.mfa()),
    }))
}

/// The data source: FakeFeide's default audience, the same routes with data-source guards.
pub async fn start_datasource(fake: &FakeFeide, freshness: Duration) -> String {
    let (listener, base) = bind().await;
    let provider = provider(fake, None).await;
    let exchange = TokenExchange::data_source(&provider)
        .client(
            DEFAULT_DATASOURCE_CLIENT_ID,
            DEFAULT_DATASOURCE_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    let bearer = BearerJwtLayer::builder(&provider)
        .audience(DEFAULT_DATASOURCE_AUDIENCE)
        .build()
        .unwrap();
    let mut router = Router::new();
    for (path, rule) in rules() {
        let guard = DataSourceGuard::builder(&exchange, rule)
            .freshness(freshness)
            .build()
            .unwrap();
        router = router.route(path, get(facts_json).route_layer(guard.layer()));
    }
    // One guard on two routes: shares its facts cache.
    let shared = DataSourceGuard::builder(&exchange, Rule::affiliation(["member"]))
        .freshness(freshness)
        .build()
        .unwrap();
    router = router
        .route("/member-a", get(facts_json).route_layer(shared.layer()))
        .route("/member-b", get(facts_json).route_layer(shared.layer()));
    serve_axum(listener, router.layer(bearer));
    base
}

/// Signs `browser` in as `user`.
pub async fn sign_in(app: &App, browser: &Browser, user: &str) {
    app.fake.set_next_user(Some(user));
    let (_, response) = browser.visit(&app.url("/login")).await;
    assert_eq!(response.status(), 200, "signed in as {user}");
}

/// `GET path` as an API caller (JSON) with the browser's cookies: status and body.
pub async fn api(app: &App, browser: &Browser, path: &str) -> (u16, Value) {
    let response = browser
        .client
        .get(app.url(path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET path` on the data source with `token`: status, headers and body.
pub async fn ds(app: &App, token: &str, path: &str) -> (u16, http::HeaderMap, Value) {
    let response = reqwest::Client::new()
        .get(app.ds_url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// A data-source token for `user` (scope `readUser`).
pub fn token(app: &App, user: &str) -> String {
    app.fake
        .access_token_for(user, DEFAULT_DATASOURCE_AUDIENCE, "readUser")
}

/// Which of the rule routes `status_of` lets in, as a sorted list of paths.
pub async fn allowed<F, Fut>(mut status_of: F) -> Vec<&'static str>
where
    F: FnMut(&'static str) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let mut allowed = Vec::new();
    for (path, _) in rules() {
        let status = status_of(path).await;
        assert!(matches!(status, 200 | 403), "{path}: {status}");
        if status == 200 {
            allowed.push(path);
        }
    }
    allowed
}
