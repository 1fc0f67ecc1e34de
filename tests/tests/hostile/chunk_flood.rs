//! Issue 13, finding 1: a request carrying thousands of bogus session-chunk cookies
//! (`feide_session.N`) must get an answer of bounded size. The login layer deletes only cookies
//! it could have set itself (the plain name and chunk indices below its cap of 5), so any answer
//! carries at most 6 removal `Set-Cookie` headers, for `/me`, for a session due for re-issue and
//! for logout alike.

use std::time::Duration;

use feide_tower::session::cookie::Envelope;
use serde_json::Value;

use crate::apps::{Apps, log_in, session_codec};
use crate::wire::{self, Reply, Request};

const NAME: &str = "feide_session";
/// axum-login's chunk cap (the builder's default).
const MAX_CHUNKS: usize = 5;

/// `count` distinct bogus chunk cookies, `feide_session.0` to `feide_session.{count-1}`.
fn bogus(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| (format!("{NAME}.{i}"), "A".repeat(8)))
        .collect()
}

fn removals(reply: &Reply) -> Vec<String> {
    reply
        .all("set-cookie")
        .into_iter()
        .filter(|c| c.contains("Max-Age=0"))
        .filter_map(|c| c.split_once('=').map(|(n, _)| n.trim().to_owned()))
        .collect()
}

/// At most `MAX_CHUNKS + 1` removals, each of a name the layer could have set.
fn assert_bounded(case: &str, reply: &Reply) {
    let removals = removals(reply);
    let ours: Vec<String> = std::iter::once(NAME.to_owned())
        .chain((0..MAX_CHUNKS).map(|i| format!("{NAME}.{i}")))
        .collect();
    assert!(
        removals.len() <= MAX_CHUNKS + 1,
        "{case}: {} removal headers (at most {} allowed), {} Set-Cookie in all",
        removals.len(),
        MAX_CHUNKS + 1,
        reply.all("set-cookie").len(),
    );
    for name in &removals {
        assert!(ours.contains(name), "{case}: removal of {name:?}");
    }
    let mut unique = removals.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), removals.len(), "{case}: a name removed twice");
}

async fn send(apps: &Apps, request: &Request) -> Reply {
    wire::send(apps.login, request).await.expect("answers")
}

pub async fn run(apps: &Apps) {
    let alice = &apps.fake.users()[0];
    let session = log_in(apps, &alice.id).await;
    assert_eq!(session.len(), 1, "a small session is one cookie");

    for count in [100, 5_000] {
        // No session: 401 and a bounded answer.
        let jar = bogus(count);
        let me = Request::get("/me")
            .header("Accept", "application/json")
            .cookie(&jar);
        let reply = send(apps, &me).await;
        assert_eq!(reply.status, 401, "{count} bogus chunks: not signed in");
        assert_bounded(&format!("me_with_{count}_bogus_chunks"), &reply);

        // A valid session beside them still works; re-issued (seen two minutes ago), the answer
        // writes the new cookie and at most the removals the cap allows.
        let codec = session_codec();
        let mut envelope: Envelope<Value> = codec
            .open_envelope(NAME, &session[0].1, integration_tests::now() as u64, None)
            .expect("the session opens with the app's codec");
        envelope.seen = envelope.seen.saturating_sub(120);
        let stale = codec.reseal_envelope(NAME, &envelope).expect("reseal");
        let jar: Vec<(String, String)> = std::iter::once((NAME.to_owned(), stale))
            .chain(bogus(count))
            .collect();
        let me = Request::get("/me")
            .header("Accept", "application/json")
            .cookie(&jar);
        let reply = send(apps, &me).await;
        assert_eq!(reply.status, 200, "{count} bogus chunks beside a session");
        assert!(reply.sets_session(), "the session is re-issued");
        assert_bounded(&format!("reissue_with_{count}_bogus_chunks"), &reply);
        assert!(
            reply.all("set-cookie").len() <= MAX_CHUNKS + 2,
            "the new cookie and the removals"
        );

        // Logout, with and without a session.
        for (what, jar) in [
            (
                "session",
                session.iter().cloned().chain(bogus(count)).collect(),
            ),
            ("no_session", bogus(count)),
        ] {
            let logout = Request::post("/logout")
                .header("Accept", "text/html")
                .cookie(&jar);
            let reply = send(apps, &logout).await;
            assert_eq!(reply.status, 303, "logout_{what}_{count}");
            assert_bounded(&format!("logout_{what}_with_{count}_bogus_chunks"), &reply);
        }
    }

    // Still serving a normal request promptly afterwards.
    let me = Request::get("/me")
        .header("Accept", "application/json")
        .cookie(&session);
    let reply = tokio::time::timeout(Duration::from_secs(10), send(apps, &me))
        .await
        .expect("a normal request answers");
    assert_eq!(reply.status, 200);
}

/// Median and 99th percentile of `samples`, in milliseconds.
fn summary(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1e3
    };
    (at(0.5), at(0.99))
}

/// `count` normal `/me` requests one after another, with their latencies.
async fn normal_requests(apps: &Apps, session: &[(String, String)], count: usize) -> Vec<Duration> {
    let me = Request::get("/me")
        .header("Accept", "application/json")
        .cookie(session);
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let start = std::time::Instant::now();
        let reply = send(apps, &me).await;
        samples.push(start.elapsed());
        assert_eq!(reply.status, 200);
    }
    samples
}

/// The before/after figures for the closing note of issue 13 (finding 1): one request with
/// 5,000 bogus chunk cookies (time, `Set-Cookie` count, answer size), and a normal request's
/// latency alone and while two attacker loops send such requests (bounded: at most 400 attack
/// requests or 20 s, loopback only).
pub async fn measure(apps: &Apps) {
    let alice = &apps.fake.users()[0];
    let session = log_in(apps, &alice.id).await;
    let jar = bogus(5_000);
    let attacks = [
        (
            "GET /me",
            Request::get("/me")
                .header("Accept", "application/json")
                .cookie(&jar),
        ),
        (
            "POST /logout",
            Request::post("/logout")
                .header("Accept", "text/html")
                .cookie(&jar),
        ),
    ];
    println!(
        "chunk flood: Cookie header of {} bytes with 5,000 bogus chunks",
        attacks[0].1.headers[1].1.len()
    );
    for (what, request) in &attacks {
        let mut samples = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let start = std::time::Instant::now();
            let reply = send(apps, request).await;
            samples.push(start.elapsed());
            last = Some(reply);
        }
        let reply = last.expect("five replies");
        let head: usize = reply
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        let (median, _) = summary(&mut samples);
        println!(
            "chunk flood: {what}: status {}, {} Set-Cookie headers, {head} bytes of headers, \
             median {median:.1} ms over 5",
            reply.status,
            reply.all("set-cookie").len(),
        );
    }

    let (alone, alone_p99) = summary(&mut normal_requests(apps, &session, 200).await);
    println!(
        "chunk flood: normal GET /me alone: median {alone:.2} ms, p99 {alone_p99:.2} ms (200)"
    );

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let attackers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, sent) = (stop.clone(), sent.clone());
            let (addr, request) = (apps.login, attacks[0].1.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed)
                    && std::time::Instant::now() < deadline
                    && sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 400
                {
                    let _ = wire::send(addr, &request).await;
                }
            })
        })
        .collect();
    let (under, under_p99) = summary(&mut normal_requests(apps, &session, 200).await);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for attacker in attackers {
        let _ = attacker.await;
    }
    println!(
        "chunk flood: normal GET /me during two attacker loops: median {under:.2} ms, \
         p99 {under_p99:.2} ms (200; {} attack requests sent meanwhile)",
        sent.load(std::sync::atomic::Ordering::Relaxed).min(400)
    );
}
