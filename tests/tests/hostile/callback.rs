//! Abuse of axum-login's `/callback`: duplicate, missing and huge parameters, a foreign RFC 9207
//! `iss`, provider errors, flow-cookie tricks, replays. A refusal is a 4xx page and never a
//! session; the positive controls complete the login.

use feide_tower::login::DEFAULT_LOGIN_NAME;
use feide_tower::session::KeyRing;
use feide_tower::session::cookie::{CookieCodec, Envelope};
use serde_json::Value;

use crate::apps::{Approved, Apps, SESSION_KEY, approve, form};
use crate::table::{Case, Check};
use crate::wire::Request;

async fn flow(apps: &Apps) -> Approved {
    approve(apps, b"").await.expect("a login is approved")
}

/// The flow cookie of `a`, re-sealed after `edit` (with the app's own key).
fn resealed(a: &Approved, name: &str, edit: impl FnOnce(&mut Envelope<Value>)) -> (String, String) {
    let codec = CookieCodec::login_flow(
        KeyRing::from_secrets(&[SESSION_KEY]).expect("key"),
        DEFAULT_LOGIN_NAME,
    );
    let now = integration_tests::now() as u64;
    let mut envelope: Envelope<Value> = codec
        .open_envelope(&a.flow_cookie.0, &a.flow_cookie.1, now, None)
        .expect("the flow cookie opens with the app's key");
    edit(&mut envelope);
    (
        name.to_owned(),
        codec.reseal_envelope(name, &envelope).expect("reseal"),
    )
}

pub async fn cases(apps: &Apps) -> Vec<Case> {
    let issuer = apps.fake.issuer();
    let mut t: Vec<Case> = Vec::new();

    // Positive controls.
    let a = flow(apps).await;
    t.push(
        Case::new(
            "control_complete_login",
            a.callback(&a.original_query()),
            302,
        )
        .check(Check::Session),
    );
    let a = flow(apps).await;
    let q = Approved::query(&[("code", &a.param("code")), ("state", &a.param("state"))]);
    // RFC 9207: FakeFeide advertises `iss` and sends it; a callback without it is refused.
    t.push(
        Case::new("iss_absent_refused_when_advertised", a.callback(&q), 400)
            .check(Check::NoSession),
    );

    // Replay: the same callback twice; the second finds its flow cookie consumed (the browser
    // would have deleted it; an attacker replays it anyway).
    let a = flow(apps).await;
    t.push(
        Case::new("replay_first_use", a.callback(&a.original_query()), 302).check(Check::Session),
    );
    t.push(
        Case::new("replay_second_use", a.callback(&a.original_query()), 400)
            .check(Check::NoSession),
    );

    // Each of the rest on its own fresh flow.
    type Build = fn(&Approved, &str) -> Request;
    let rows: Vec<(&str, Build, u16)> = vec![
        (
            "state_missing",
            |a, i| a.callback(&Approved::query(&[("code", &a.param("code")), ("iss", i)])),
            400,
        ),
        (
            "state_empty",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", ""),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "state_duplicate_same_value",
            |a, _| {
                a.callback(&format!(
                    "{}&state={}",
                    a.original_query(),
                    form(&a.param("state"))
                ))
            },
            400,
        ),
        (
            "state_duplicate_other_value",
            |a, _| a.callback(&format!("{}&state={}", a.original_query(), "A".repeat(43))),
            400,
        ),
        (
            "state_duplicate_first_bogus",
            |a, _| a.callback(&format!("state=x&{}", a.original_query())),
            400,
        ),
        (
            "code_missing",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "code_empty",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", ""),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "code_duplicate_same_value",
            |a, _| {
                a.callback(&format!(
                    "{}&code={}",
                    a.original_query(),
                    form(&a.param("code"))
                ))
            },
            400,
        ),
        (
            "code_duplicate_other_value",
            |a, _| a.callback(&format!("{}&code=other", a.original_query())),
            400,
        ),
        (
            "iss_duplicate",
            |a, i| a.callback(&format!("{}&iss={}", a.original_query(), form(i))),
            400,
        ),
        ("all_params_missing", |a, _| a.callback(""), 400),
        (
            "code_garbage",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", "not-a-code"),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "code_huge",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &"C".repeat(6000)),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "code_with_crlf",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", "x\r\nSet-Cookie: feide_session=evil"),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "state_huge",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &"S".repeat(6000)),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "query_over_8k_is_ignored",
            |a, _| a.callback(&format!("{}&pad={}", a.original_query(), "p".repeat(9000))),
            400,
        ),
        (
            "query_of_200k_refused_by_hyper",
            |a, _| {
                a.callback(&format!(
                    "{}&pad={}",
                    a.original_query(),
                    "p".repeat(200_000)
                ))
            },
            414,
        ),
        (
            "state_with_crlf",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &format!("{}\r\n", a.param("state"))),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "state_with_nul",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &format!("{}\0", a.param("state"))),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "state_unicode",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", "søt-ståte-✓"),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "state_and_code_semicolon_joined",
            |a, _| {
                a.callback(&format!(
                    "state={};code={}",
                    a.param("state"),
                    a.param("code")
                ))
            },
            400,
        ),
        (
            "code_smuggled_in_state",
            |a, _| {
                a.callback(&format!(
                    "state={}%26code%3D{}",
                    a.param("state"),
                    a.param("code")
                ))
            },
            400,
        ),
        (
            "iss_mismatch",
            |a, _| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &a.param("state")),
                    ("iss", "https://evil.example"),
                ]))
            },
            400,
        ),
        (
            "iss_trailing_slash",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &a.param("state")),
                    ("iss", &format!("{i}/")),
                ]))
            },
            400,
        ),
        (
            "iss_empty",
            |a, _| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &a.param("state")),
                    ("iss", ""),
                ]))
            },
            400,
        ),
        (
            "iss_upper_case",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &a.param("state")),
                    ("iss", &i.to_uppercase()),
                ]))
            },
            400,
        ),
        (
            "iss_real_feide_not_ours",
            |a, _| {
                a.callback(&Approved::query(&[
                    ("code", &a.param("code")),
                    ("state", &a.param("state")),
                    ("iss", "https://auth.dataporten.no"),
                ]))
            },
            400,
        ),
        (
            "error_access_denied",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("error", "access_denied"),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            403,
        ),
        (
            "error_and_code_together",
            |a, _| a.callback(&format!("{}&error=server_error", a.original_query())),
            400,
        ),
        (
            "error_html_injection",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("error", "<script>alert(1)</script>"),
                    ("error_description", "<img src=x onerror=alert(1)>"),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "error_duplicate",
            |a, i| {
                a.callback(&format!(
                    "{}&error=a&error=b",
                    Approved::query(&[("state", &a.param("state")), ("iss", i)])
                ))
            },
            400,
        ),
        (
            "error_huge",
            |a, i| {
                a.callback(&Approved::query(&[
                    ("error", &"e".repeat(7000)),
                    ("state", &a.param("state")),
                    ("iss", i),
                ]))
            },
            400,
        ),
        (
            "no_flow_cookie",
            |a, _| {
                Request::get(format!("/callback?{}", a.original_query()))
                    .header("Accept", "text/html")
            },
            400,
        ),
        (
            "flow_cookie_duplicated",
            |a, _| {
                Request::get(format!("/callback?{}", a.original_query()))
                    .cookie(&[a.flow_cookie.clone(), a.flow_cookie.clone()])
            },
            400,
        ),
        (
            "flow_cookie_tampered",
            |a, _| {
                let (n, v) = &a.flow_cookie;
                let mut v = v.clone().into_bytes();
                let mid = v.len() / 2;
                v[mid] = if v[mid] == b'A' { b'B' } else { b'A' };
                Request::get(format!("/callback?{}", a.original_query()))
                    .cookie(&[(n.clone(), String::from_utf8_lossy(&v).into_owned())])
            },
            400,
        ),
        (
            "flow_cookie_truncated",
            |a, _| {
                let (n, v) = &a.flow_cookie;
                Request::get(format!("/callback?{}", a.original_query()))
                    .cookie(&[(n.clone(), v[..v.len() - 8].to_owned())])
            },
            400,
        ),
        (
            "flow_cookie_garbage",
            |a, _| {
                Request::get(format!("/callback?{}", a.original_query()))
                    .cookie(&[(a.flow_cookie.0.clone(), "v1.!!!!".to_owned())])
            },
            400,
        ),
        (
            "flow_cookie_expired",
            |a, _| {
                let cookie = resealed(a, &a.flow_cookie.0, |e| {
                    e.expires_at = e.issued_at.saturating_sub(1)
                });
                Request::get(format!("/callback?{}", a.original_query())).cookie(&[cookie])
            },
            400,
        ),
        (
            "flow_cookie_other_return_to_resealed_with_wrong_name",
            |a, _| {
                let cookie = resealed(a, "feide_flow_other", |_| {});
                Request::get(format!("/callback?{}", a.original_query()))
                    .cookie(&[(a.flow_cookie.0.clone(), cookie.1)])
            },
            400,
        ),
        (
            "session_cookie_name_used_as_flow",
            |a, _| {
                Request::get(format!("/callback?{}", a.original_query()))
                    .cookie(&[("feide_session".to_owned(), a.flow_cookie.1.clone())])
            },
            400,
        ),
    ];
    for (name, build, status) in rows {
        let a = flow(apps).await;
        t.push(Case::new(name, build(&a, &issuer), status).check(Check::NoSession));
    }

    // Two flows crossed: the state and cookie of one, the code of the other (PKCE and nonce bind
    // the code to its own flow).
    let (a, b) = (flow(apps).await, flow(apps).await);
    let crossed = Approved::query(&[
        ("code", &b.param("code")),
        ("state", &a.param("state")),
        ("iss", &issuer),
    ]);
    t.push(Case::new("code_of_another_flow", a.callback(&crossed), 400).check(Check::NoSession));
    let (a, b) = (flow(apps).await, flow(apps).await);
    let wrong_cookie = Request::get(format!("/callback?{}", b.original_query()))
        .cookie(std::slice::from_ref(&a.flow_cookie));
    t.push(Case::new("flow_cookie_of_another_flow", wrong_cookie, 400).check(Check::NoSession));
    let (a, b) = (flow(apps).await, flow(apps).await);
    let renamed = Request::get(format!("/callback?{}", b.original_query()))
        .cookie(&[(b.flow_cookie.0.clone(), a.flow_cookie.1.clone())]);
    t.push(
        Case::new("flow_cookie_value_moved_to_other_state", renamed, 400).check(Check::NoSession),
    );

    // Wrong methods.
    let a = flow(apps).await;
    let mut post = a.callback(&a.original_query());
    post.method = "POST";
    t.push(Case::new("callback_by_post", post, 405).check(Check::NoSession));
    let a = flow(apps).await;
    let mut put = a.callback(&a.original_query());
    put.method = "PUT";
    t.push(Case::new("callback_by_put", put, 405).check(Check::NoSession));
    t
}
