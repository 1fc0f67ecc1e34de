//! The scenarios, each over a fresh store given by the caller (memory or Redis).

use std::sync::Arc;
use std::time::{Duration, Instant};

use feide_tower::store::SessionStore;
use futures_util::future::join_all;
use integration_tests::eventually;
use serde_json::Value;

use crate::harness::{BOUND, Browser, COOKIE, Options, Replicas, me, sign_in, start};

/// `name=value` of a `Set-Cookie` header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// `GET /me` on `instance` with exactly this cookie (a copy, as a thief or an in-flight
/// request holds it); the status.
async fn me_with(replicas: &Replicas, cookie: &str, instance: usize) -> u16 {
    reqwest::Client::new()
        .get(replicas.url(instance, "/me"))
        .header("accept", "application/json")
        .header("cookie", cookie)
        .send()
        .await
        .expect("the instance answers")
        .status()
        .as_u16()
}

fn sub_of(body: &str) -> String {
    let json: Value = serde_json::from_str(body).expect("/me answers JSON");
    json["sub"].as_str().expect("sub").to_owned()
}

/// Sign in on A, use the session on B and C; the cookie is one small sealed reference holding
/// no token.
pub async fn sign_in_on_one_use_on_all(store: Arc<dyn SessionStore>) {
    let replicas = start(store, Options::default()).await;
    let browser = Browser::new();
    let cookie = sign_in(&replicas, &browser, "alice").await;
    let value = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("name=value");
    assert!(value.len() <= 200, "cookie value of {} bytes", value.len());
    assert!(
        cookie.len() <= 200 + 100,
        "Set-Cookie of {} bytes",
        cookie.len()
    );
    let mut subs = Vec::new();
    for instance in 0..3 {
        let (status, body) = me(&replicas, &browser, instance).await;
        assert_eq!(status, 200, "instance {instance}: {body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        let token = json["access_token"].as_str().unwrap();
        assert!(!value.contains(token), "the cookie holds no token");
        subs.push(sub_of(&body));
    }
    assert!(subs.iter().all(|s| s == &subs[0]));
}

/// Sign out on B: refused on A and C within the bound. Returns the time it took.
pub async fn sign_out_on_one_refused_on_all(store: Arc<dyn SessionStore>) -> Duration {
    let replicas = start(store, Options::default()).await;
    let browser = Browser::new();
    // Keep a copy of the cookie, as a thief would: the browser's is deleted by the logout.
    let copy = pair(&sign_in(&replicas, &browser, "alice").await);
    // Every instance has the session in its near cache.
    for instance in 0..3 {
        assert_eq!(me_with(&replicas, &copy, instance).await, 200);
    }
    let logout = browser.post(&replicas.url(1, "/logout")).await;
    assert!(
        logout.status().is_redirection(),
        "logout: {}",
        logout.status()
    );
    let started = Instant::now();
    for instance in [0usize, 2] {
        let refused = eventually(BOUND + Duration::from_millis(500), || async {
            me_with(&replicas, &copy, instance).await == 401
        })
        .await;
        assert!(
            refused,
            "instance {instance} still serves the revoked session"
        );
    }
    let took = started.elapsed();
    assert!(
        took <= BOUND + Duration::from_millis(300),
        "revocation took {took:?}"
    );
    // And on the instance that logged out, at once.
    assert_eq!(me_with(&replicas, &copy, 1).await, 401);
    took
}

/// "Sign out everywhere" for one user ends all of their sessions and nobody else's.
pub async fn sign_out_everywhere_leaves_others(store: Arc<dyn SessionStore>) {
    let replicas = start(store, Options::default()).await;
    let alice_laptop = Browser::new();
    let alice_phone = Browser::new();
    let bob = Browser::new();
    sign_in(&replicas, &alice_laptop, "alice").await;
    sign_in(&replicas, &alice_phone, "alice").await;
    sign_in(&replicas, &bob, "bob").await;
    let (_, body) = me(&replicas, &alice_laptop, 0).await;
    let alice = sub_of(&body);
    let listed = replicas.logins[2].sessions_of(&alice).await.unwrap();
    assert_eq!(listed.len(), 2, "alice's two sessions are listed");
    let ended = replicas.logins[2]
        .revoke_all_sessions(&alice)
        .await
        .unwrap();
    assert_eq!(ended, 2);
    for browser in [&alice_laptop, &alice_phone] {
        for instance in 0..3 {
            let refused = eventually(BOUND + Duration::from_millis(500), || async {
                me(&replicas, browser, instance).await.0 == 401
            })
            .await;
            assert!(refused, "alice is signed out on instance {instance}");
        }
    }
    for instance in 0..3 {
        assert_eq!(
            me(&replicas, &bob, instance).await.0,
            200,
            "bob is untouched"
        );
    }
    assert!(
        replicas.logins[0]
            .sessions_of(&alice)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Revoking one session by its key (an admin page listing the user's devices).
pub async fn revoke_one_session(store: Arc<dyn SessionStore>) {
    let replicas = start(store, Options::default()).await;
    let laptop = Browser::new();
    let phone = Browser::new();
    sign_in(&replicas, &laptop, "alice").await;
    sign_in(&replicas, &phone, "alice").await;
    let alice = sub_of(&me(&replicas, &laptop, 0).await.1);
    let sessions = replicas.logins[0].sessions_of(&alice).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert!(
        replicas.logins[1]
            .revoke_session(&sessions[0].key)
            .await
            .unwrap()
    );
    let left = replicas.logins[1].sessions_of(&alice).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key, sessions[1].key);
    let mut statuses = Vec::new();
    for browser in [&laptop, &phone] {
        eventually(BOUND + Duration::from_millis(500), || async {
            me(&replicas, browser, 2).await.0 == 401
        })
        .await;
        statuses.push(me(&replicas, browser, 2).await.0);
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        vec![200, 401],
        "exactly one of the two sessions ended"
    );
}

/// Logout racing 20 in-flight requests over the three instances: the session stays deleted.
pub async fn logout_racing_requests_stays_deleted(store: Arc<dyn SessionStore>) {
    let replicas = start(Arc::clone(&store), Options::default()).await;
    let browser = Browser::new();
    let copy = pair(&sign_in(&replicas, &browser, "alice").await);
    let alice = sub_of(&me(&replicas, &browser, 0).await.1);
    let requests = (0..20).map(|i| {
        let replicas = &replicas;
        let copy = &copy;
        async move { me_with(replicas, copy, i % 3).await }
    });
    let logout = async { browser.post(&replicas.url(1, "/logout")).await.status() };
    let (statuses, logout) = tokio::join!(join_all(requests), logout);
    assert!(logout.is_redirection());
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
    assert!(
        replicas.logins[0]
            .sessions_of(&alice)
            .await
            .unwrap()
            .is_empty()
    );
    // Nothing in flight re-created it: refused everywhere once the near caches expire.
    for instance in 0..3 {
        let refused = eventually(BOUND + Duration::from_millis(500), || async {
            me_with(&replicas, &copy, instance).await == 401
        })
        .await;
        assert!(refused, "instance {instance}");
    }
    let gone = eventually(BOUND + Duration::from_millis(500), || async {
        replicas.logins[2]
            .sessions_of(&alice)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    assert!(gone);
}

/// 60 concurrent requests over the three instances when a refresh is due: one refresh grant at
/// the provider, and every request served with the refreshed token.
pub async fn one_refresh_grant_across_replicas(store: Arc<dyn SessionStore>) -> usize {
    let replicas = start(
        store,
        Options {
            refresh: true,
            ..Options::default()
        },
    )
    .await;
    let browser = Browser::new();
    sign_in(&replicas, &browser, "alice").await;
    // Landing after the callback refreshed once (the login's token is inside the margin, and so
    // is the refreshed one): still due.
    replicas
        .fake
        .set_access_token_lifetime(Duration::from_secs(3600));
    let before = replicas.fake.refresh_grants();
    let requests = (0..60).map(|i| {
        let replicas = &replicas;
        let browser = &browser;
        async move { me(replicas, browser, i % 3).await }
    });
    let answers = join_all(requests).await;
    let grants = replicas.fake.refresh_grants() - before;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "every request is served: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    let tokens: std::collections::HashSet<String> = answers
        .iter()
        .map(|(_, body)| {
            let json: Value = serde_json::from_str(body).unwrap();
            json["access_token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(grants, 1, "one refresh grant for 60 requests on 3 replicas");
    assert_eq!(tokens.len(), 1, "all served with the one refreshed token");
    grants
}

/// A cookie session from before the store was configured signs the user out cleanly.
pub async fn a_cookie_session_is_signed_out_cleanly(store: Arc<dyn SessionStore>) {
    let replicas = start(store, Options::default()).await;
    let browser = Browser::new();
    let _ = browser;
    let response = reqwest::Client::new()
        .get(replicas.url(0, "/me"))
        .header("accept", "application/json")
        .header(
            "cookie",
            format!("{COOKIE}=v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let cleared = crate::harness::set_cookies(&response)
        .into_iter()
        .any(|c| c.starts_with(&format!("{COOKIE}=;")) || c.contains("Max-Age=0"));
    assert!(cleared, "the unusable cookie is deleted");
}

/// A provider that cannot refresh an expired access token: 503 with `Retry-After`, the session
/// and its cookie kept; back to 200 when the provider is. A refused refresh token ends the
/// session everywhere: the record is deleted.
pub async fn refresh_faults_keep_or_end_the_session(store: Arc<dyn SessionStore>) {
    use feide_tower::testkit::{Endpoint, Failure};

    let replicas = start(
        store,
        Options {
            refresh: true,
            ..Options::default()
        },
    )
    .await;
    // Every access token expires at once: every request is due.
    replicas
        .fake
        .set_token_expires_in(Some(serde_json::json!(0)));
    let browser = Browser::new();
    sign_in(&replicas, &browser, "alice").await;
    let alice = replicas.logins[0]
        .sessions_of(&replicas.fake.users()[0].sub)
        .await
        .unwrap();
    assert_eq!(alice.len(), 1);
    replicas.fake.fail(Endpoint::Token, Failure::Status(502));
    for instance in 0..3 {
        let response = browser
            .client
            .get(replicas.url(instance, "/me"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "instance {instance}");
        assert!(response.headers().contains_key("retry-after"));
        assert!(
            crate::harness::set_cookies(&response).is_empty(),
            "the cookie is kept"
        );
    }
    replicas.fake.clear_failure(Endpoint::Token);
    assert_eq!(me(&replicas, &browser, 1).await.0, 200, "served again");
    replicas.fake.revoke_refresh_tokens();
    assert_eq!(
        me(&replicas, &browser, 2).await.0,
        401,
        "a refused refresh ends the session"
    );
    assert!(
        replicas.logins[0]
            .sessions_of(&replicas.fake.users()[0].sub)
            .await
            .unwrap()
            .is_empty(),
        "and deletes its record"
    );
}
