//! 500 concurrent logins, each with its own cookie-keeping client and its own FakeFeide user.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use feide_tower::testkit::{FakeClient, FakeFeide, FakeUser};
use reqwest::header::{ACCEPT, LOCATION};
use tokio::sync::Barrier;

use crate::panics;

const USERS: usize = 500;
const DEADLINE: Duration = Duration::from_secs(240);
const CLIENT_ID: &str = "load-login";
const CLIENT_SECRET: &str = "load-login-secret-0123456789";

/// What one login ended with.
enum Outcome {
    /// `/me` answered with this user's `sub`.
    Own,
    /// `/me` answered with another user's `sub`.
    Mixed(String),
    Error(String),
}

async fn login(base: &str, user: &FakeUser) -> Result<Outcome, String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| e.to_string())?;
    let hop = |response: &reqwest::Response, step: &str| -> Result<String, String> {
        if response.status() != 302 {
            return Err(format!("{step}: {}", response.status()));
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(format!("{step}: no Location"))?;
        response
            .url()
            .join(location)
            .map(|u| u.to_string())
            .map_err(|e| e.to_string())
    };
    let get = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .header(ACCEPT, "text/html")
                .send()
                .await
                .map_err(|e| e.to_string())
        }
    };
    let start = get(format!("{base}/login?login_hint={}", user.id)).await?;
    let authorize = get(hop(&start, "/login")?).await?;
    let callback = get(hop(&authorize, "authorize")?).await?;
    let landed = hop(&callback, "/callback")?;
    if landed != format!("{base}/") {
        return Err(format!("landed on {landed}"));
    }
    let me = client
        .get(format!("{base}/me"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if me.status() != 200 {
        return Ok(Outcome::Error(format!("/me: {}", me.status())));
    }
    let body: serde_json::Value = me.json().await.map_err(|e| e.to_string())?;
    let sub = body["sub"].as_str().unwrap_or_default();
    Ok(if sub == user.sub {
        Outcome::Own
    } else {
        Outcome::Mixed(sub.to_owned())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_logins_each_get_their_own_session() {
    panics::install();
    let users: Vec<FakeUser> = (0..USERS)
        .map(|i| FakeUser::new(format!("user{i:03}"), format!("Load User {i}")))
        .collect();
    let fake = users
        .iter()
        .cloned()
        .fold(FakeFeide::builder(), |b, u| b.user(u))
        .start()
        .await
        .expect("FakeFeide starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    fake.register_client(
        FakeClient::new(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{base}/callback")),
    );
    let env = HashMap::from([
        ("FEIDE_ISSUER", fake.issuer()),
        ("OIDC_CLIENT_ID", CLIENT_ID.to_owned()),
        ("OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("OIDC_REDIRECT_URI", format!("{base}/callback")),
        (
            "APP_SECRET_KEY",
            "BGSQ8D1dmAVB4r8Q8Lz2WzA+Ra76mGC46/l/R0uCAcY=".to_owned(),
        ),
        (
            "OIDC_SCOPES",
            "openid profile email userid-feide".to_owned(),
        ),
    ]);
    let started = axum_login::configure(|n| env.get(n).cloned(), addr)
        .await
        .expect("axum-login");
    tokio::spawn(async move { axum::serve(listener, started.app).await });

    // Everyone starts at once.
    let gate = Arc::new(Barrier::new(USERS));
    let clock = Instant::now();
    let tasks: Vec<_> = users
        .into_iter()
        .map(|user| {
            let (base, gate) = (base.clone(), gate.clone());
            tokio::spawn(async move {
                gate.wait().await;
                match login(&base, &user).await {
                    Ok(outcome) => outcome,
                    Err(e) => Outcome::Error(e),
                }
            })
        })
        .collect();
    let outcomes = tokio::time::timeout(DEADLINE, futures_util::future::join_all(tasks))
        .await
        .expect("500 logins finish within the deadline");
    let elapsed = clock.elapsed();
    let (mut own, mut mixed, mut errors) = (0, 0, Vec::new());
    for outcome in outcomes {
        match outcome {
            Ok(Outcome::Own) => own += 1,
            Ok(Outcome::Mixed(sub)) => {
                mixed += 1;
                errors.push(format!("mixed: got {sub}"));
            }
            Ok(Outcome::Error(e)) => errors.push(e),
            Err(e) => errors.push(format!("task: {e}")),
        }
    }
    panics::report(&format!(
        "load: logins={USERS} concurrent={USERS} ok={own} errors={} mixed={mixed} elapsed={:.2}s ({:.0} logins/s) token_requests={} userinfo_requests={}",
        errors.len() - mixed,
        elapsed.as_secs_f64(),
        USERS as f64 / elapsed.as_secs_f64(),
        fake.requests(feide_tower::testkit::Endpoint::Token),
        fake.requests(feide_tower::testkit::Endpoint::Userinfo),
    ));
    errors.truncate(10);
    assert_eq!(
        own, USERS,
        "every login gets its own session; first problems: {errors:?}"
    );
    assert_eq!(mixed, 0);
    panics::assert_none("500 logins");
}
