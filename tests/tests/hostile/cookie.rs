//! Session-cookie abuse against axum-login's `/me` (asked for as an API client, so "no session"
//! is a 401 rather than a redirect): bad base64, truncation, bit flips, foreign keys and names,
//! swapped, missing, duplicated and a hundred chunks, and the replay of a session after logout,
//! which stateless cookies cannot prevent (a documented known limit).

use feide_tower::login::DEFAULT_LOGIN_NAME;
use feide_tower::session::KeyRing;
use feide_tower::session::cookie::{CookieCodec, Envelope};
use feide_tower::testkit::FakeUser;
use serde_json::Value;

use crate::apps::{Apps, SESSION_KEY, log_in};
use crate::table::{Case, Check};
use crate::wire::Request;

const NAME: &str = "feide_session";

type Jar = Vec<(String, String)>;

fn me(cookies: &[(String, String)]) -> Request {
    let request = Request::get("/me").header("Accept", "application/json");
    if cookies.is_empty() {
        request
    } else {
        request.cookie(cookies)
    }
}

fn one(value: impl Into<String>) -> Jar {
    vec![(NAME.to_owned(), value.into())]
}

fn codec(secret: &str) -> CookieCodec {
    CookieCodec::login_session(
        KeyRing::from_secrets(&[secret]).expect("key"),
        DEFAULT_LOGIN_NAME,
    )
}

fn now() -> u64 {
    integration_tests::now() as u64
}

fn flip(value: &str, at: usize) -> String {
    let mut bytes = value.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8_lossy(&bytes).into_owned()
}

pub async fn cases(apps: &Apps) -> Vec<Case> {
    let alice = &apps.fake.users()[0];
    let session = log_in(apps, &alice.id).await;
    assert_eq!(session.len(), 1, "a small session is one cookie");
    let value = session[0].1.clone();

    apps.fake
        .add_user(FakeUser::new("bigname", "B".repeat(2500)));
    let big_sub = apps
        .fake
        .users()
        .iter()
        .find(|u| u.id == "bigname")
        .map(|u| u.sub.clone())
        .unwrap_or_default();
    let chunks = log_in(apps, "bigname").await;
    assert!(
        chunks.len() >= 2,
        "a large session is chunked: {:?}",
        chunks.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    let other_chunks = log_in(apps, "bigname").await;

    let ours = codec(SESSION_KEY);
    let envelope: Envelope<Value> = ours
        .open_envelope(NAME, &value, now(), None)
        .expect("the session opens with the app's key");
    let reseal = |edit: &dyn Fn(&mut Envelope<Value>)| {
        let mut e = envelope.clone();
        edit(&mut e);
        ours.reseal_envelope(NAME, &e).expect("reseal")
    };

    let mut t: Vec<Case> = Vec::new();
    let mut add = |name: &str, jar: Jar, status: u16| t.push(Case::new(name, me(&jar), status));

    add("no_cookie", vec![], 401);
    add("empty_value", one(""), 401);
    add("bad_base64", one("v1.!!!!****"), 401);
    add(
        "standard_base64_alphabet",
        one(value.replace('-', "+").replace('_', "/") + "+/"),
        401,
    );
    add("base64_padding_added", one(format!("{value}==")), 401);
    add(
        "no_version_prefix",
        one(value.trim_start_matches("v1.")),
        401,
    );
    add(
        "future_version_prefix",
        one(value.replacen("v1.", "v2.", 1)),
        401,
    );
    add("only_the_prefix", one("v1."), 401);
    add("truncated_by_one", one(&value[..value.len() - 1]), 401);
    add("truncated_to_half", one(&value[..value.len() / 2]), 401);
    add("truncated_to_nonce", one(&value[..3 + 22]), 401);
    add("extended", one(format!("{value}AAAA")), 401);
    add("bit_flip_key_hint", one(flip(&value, 4)), 401);
    add("bit_flip_nonce", one(flip(&value, 12)), 401);
    add(
        "bit_flip_ciphertext",
        one(flip(&value, value.len() / 2)),
        401,
    );
    add("bit_flip_tag", one(flip(&value, value.len() - 2)), 401);
    add("doubled_value", one(format!("{value}{value}")), 401);
    add(
        "sealed_under_another_name",
        one(ours.seal("other", value.as_bytes())),
        401,
    );
    add(
        "plaintext_json_sealed_as_bytes",
        one(ours.seal(NAME, br#"{"sub":"mallory"}"#)),
        401,
    );
    add(
        "sealed_with_another_key",
        one(codec("p9k30rfRkFsRYrhlWOW7iW7+PnubaESzFpiYLod4tJk=")
            .reseal_envelope(NAME, &envelope)
            .expect("reseal")),
        401,
    );
    add("expired", one(reseal(&|e| e.expires_at = now() - 1)), 401);
    add(
        "idle_too_long",
        one(reseal(&|e| e.seen = now() - 2 * 3600)),
        401,
    );
    add(
        "issued_in_the_future_still_valid_is_fine",
        one(reseal(&|e| e.issued_at = now() + 30)),
        200,
    );
    add("unicode_value", one("v1.søt-øl-✓"), 401);
    add(
        "huge_single_cookie",
        one(format!("v1.{}", "A".repeat(30_000))),
        401,
    );
    add(
        "name_case_changed",
        vec![("Feide_Session".to_owned(), value.clone())],
        401,
    );
    add(
        "secure_prefix_name",
        vec![("__Host-feide_session".to_owned(), value.clone())],
        401,
    );
    add(
        "two_whole_cookies_same_value",
        vec![session[0].clone(), session[0].clone()],
        401,
    );
    add(
        "two_whole_cookies_good_and_bad",
        vec![session[0].clone(), (NAME.to_owned(), "v1.x".to_owned())],
        401,
    );
    add(
        "two_hundred_unrelated_cookies_and_the_session",
        (0..200)
            .map(|i| (format!("junk{i}"), "x".repeat(20)))
            .chain(session.iter().cloned())
            .collect(),
        200,
    );

    // Chunks.
    let mut swapped = chunks.clone();
    let (v0, v1) = (swapped[0].1.clone(), swapped[1].1.clone());
    swapped[0].1 = v1;
    swapped[1].1 = v0;
    add("chunks_swapped", swapped, 401);
    add(
        "chunks_in_reverse_order_named_right",
        chunks.iter().rev().cloned().collect(),
        200,
    );
    add("chunk_zero_missing", chunks[1..].to_vec(), 401);
    add(
        "last_chunk_missing",
        chunks[..chunks.len() - 1].to_vec(),
        401,
    );
    add(
        "chunk_duplicated",
        chunks.iter().cloned().chain([chunks[0].clone()]).collect(),
        401,
    );
    add(
        "chunks_of_two_sessions_mixed",
        vec![chunks[0].clone(), other_chunks[1].clone()]
            .into_iter()
            .chain(chunks[2..].iter().cloned())
            .collect(),
        401,
    );
    add(
        "chunk_truncated",
        chunks
            .iter()
            .enumerate()
            .map(|(i, (n, v))| {
                (
                    n.clone(),
                    if i == 0 {
                        v[..v.len() - 5].to_owned()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect(),
        401,
    );
    add(
        "hundred_chunks",
        (0..100)
            .map(|i| (format!("{NAME}.{i}"), "A".repeat(30)))
            .collect(),
        401,
    );
    add(
        "six_chunks_over_the_cap",
        (0..6)
            .map(|i| (format!("{NAME}.{i}"), "A".repeat(100)))
            .collect(),
        401,
    );
    add(
        "chunk_index_overflowing_usize",
        vec![(format!("{NAME}.99999999999999999999999"), value.clone())],
        401,
    );
    add(
        "chunk_index_negative_is_not_a_chunk",
        vec![(format!("{NAME}.-1"), value.clone())],
        401,
    );
    add(
        "single_value_as_chunk_zero",
        vec![(format!("{NAME}.0"), value.clone())],
        200,
    );
    add(
        "whole_cookie_beside_stale_chunks_wins",
        session
            .iter()
            .cloned()
            .chain(chunks.iter().cloned())
            .collect(),
        200,
    );
    add(
        "garbage_whole_cookie_beside_good_chunks",
        one("v1.x")
            .into_iter()
            .chain(chunks.iter().cloned())
            .collect(),
        401,
    );

    // Controls.
    t.push(
        Case::new("control_session", me(&session), 200).check(Check::Subject(alice.sub.clone())),
    );
    t.push(Case::new("control_chunked_session", me(&chunks), 200).check(Check::Subject(big_sub)));

    // Logout, then replay: deleted in that browser, still valid wherever a copy is replayed
    // until it expires. The known limit of stateless sessions (SECURITY.md).
    let logout = Request::post("/logout")
        .cookie(&session)
        .header("Accept", "text/html");
    let replay_here = me(&session);
    let replay_twin = me(&session);
    t.push(Case::new("logout_post", logout, 303));
    t.push(
        Case::new(
            "known_limit_replay_after_logout_same_instance",
            replay_here,
            200,
        )
        .check(Check::Subject(alice.sub.clone())),
    );
    t.push(
        Case::new(
            "known_limit_replay_after_logout_other_instance",
            replay_twin,
            200,
        )
        .check(Check::Subject(alice.sub.clone()))
        .at(apps.login_twin),
    );
    t
}
