//! Open-redirect payloads in `/login?return_to=...` against axum-login, each through a complete
//! login: wherever the browser lands must be a path on this site. Unsafe values fall back to
//! `/`; harmless same-origin paths are kept; bytes the HTTP parser refuses never reach the app.
//!
//! Each row is the raw `/login` query as sent on the wire (so `%2F` reaches the app as `/`, and
//! `%252F` as `%2F`), the status `/login` must answer, and where the login must land.

use crate::apps::{Apps, approve};
use crate::table::Case;
use crate::wire::{self, Request};

/// One open-redirect attempt.
pub struct Redirect {
    pub name: &'static str,
    /// The whole `/login` query, byte for byte.
    pub query: &'static [u8],
    pub expected_status: u16,
    /// The callback's `Location` after a completed login (for 302 rows).
    pub lands_on: Option<&'static str>,
}

const fn fallback(name: &'static str, query: &'static [u8]) -> Redirect {
    Redirect {
        name,
        query,
        expected_status: 302,
        lands_on: Some("/"),
    }
}

const fn kept(name: &'static str, query: &'static [u8], lands_on: &'static str) -> Redirect {
    Redirect {
        name,
        query,
        expected_status: 302,
        lands_on: Some(lands_on),
    }
}

const fn refused(name: &'static str, query: &'static [u8]) -> Redirect {
    Redirect {
        name,
        query,
        expected_status: 400,
        lands_on: None,
    }
}

/// `return_to=/` followed by 2100 `a`s: over the 2048-byte limit.
const TOO_LONG: &[u8] = &{
    let mut q = [b'a'; 2111];
    let prefix = b"return_to=/";
    let mut i = 0;
    while i < prefix.len() {
        q[i] = prefix[i];
        i += 1;
    }
    q
};

pub const TABLE: &[Redirect] = &[
    // Scheme-relative and backslash tricks.
    fallback("scheme_relative", b"return_to=//evil.example"),
    fallback("scheme_relative_encoded", b"return_to=%2F%2Fevil.example"),
    fallback("triple_slash", b"return_to=///evil.example"),
    fallback("quadruple_slash", b"return_to=////evil.example"),
    fallback("triple_slash_encoded", b"return_to=%2F%2F%2Fevil.example"),
    fallback("slash_encoded_slash", b"return_to=/%2F/evil.example"),
    fallback("slash_backslash", b"return_to=%2F%5Cevil.example"),
    fallback("slash_backslash_slash", b"return_to=/%5C/evil.example"),
    fallback("double_backslash", b"return_to=%5C%5Cevil.example"),
    fallback("backslash_slash", b"return_to=%5C%2Fevil.example"),
    fallback("slash_slash_backslash", b"return_to=/%2F%5Cevil.example"),
    fallback("backslash_double_encoded", b"return_to=/%255Cevil.example"),
    // Absolute URLs and schemes.
    fallback("https_url", b"return_to=https://evil.example"),
    fallback("https_url_encoded", b"return_to=https%3A%2F%2Fevil.example"),
    fallback("https_upper_case", b"return_to=HTTPS://evil.example"),
    fallback("http_no_slashes", b"return_to=http:evil.example"),
    fallback("http_one_slash", b"return_to=http:/evil.example"),
    fallback("https_backslashes", b"return_to=https:%5C%5Cevil.example"),
    fallback("javascript", b"return_to=javascript:alert(1)"),
    fallback(
        "javascript_mixed_case_encoded_colon",
        b"return_to=JaVaScRiPt%3Aalert(1)",
    ),
    fallback(
        "data_url",
        b"return_to=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ),
    fallback("vbscript", b"return_to=vbscript:msgbox(1)"),
    fallback("bare_host", b"return_to=evil.example"),
    fallback("dot_host", b"return_to=.evil.example"),
    fallback("at_host", b"return_to=@evil.example"),
    fallback("userinfo_trick", b"return_to=//evil.example@127.0.0.1"),
    fallback(
        "userinfo_trick_reversed",
        b"return_to=//127.0.0.1@evil.example",
    ),
    fallback(
        "scheme_relative_with_port",
        b"return_to=//evil.example:443/path",
    ),
    fallback(
        "ideographic_full_stop_host",
        b"return_to=//evil%E3%80%82example",
    ),
    // Percent-encoding layers (the app decodes up to three more times).
    fallback(
        "double_encoded_slashes",
        b"return_to=/%252F%252Fevil.example",
    ),
    fallback(
        "double_encoded_slashes_lower",
        b"return_to=/%252f%252fevil.example",
    ),
    fallback(
        "triple_encoded_slashes",
        b"return_to=/%25252F%25252Fevil.example",
    ),
    fallback(
        "quadruple_encoded_slashes",
        b"return_to=/%2525252F%2525252Fevil.example",
    ),
    kept(
        "quintuple_encoded_slashes_stay_a_path",
        b"return_to=/%252525252F%252525252Fevil.example",
        "/%2525252F%2525252Fevil.example",
    ),
    fallback(
        "percent_of_percent_digits",
        b"return_to=/%%32%46%%32%46evil.example",
    ),
    // Whitespace and control characters.
    fallback("tab_prefix", b"return_to=%09//evil.example"),
    fallback("tab_inside", b"return_to=/%09/evil.example"),
    fallback("tab_double_encoded", b"return_to=/%2509/evil.example"),
    fallback("newline_inside", b"return_to=/%0A/evil.example"),
    fallback(
        "crlf_header_injection",
        b"return_to=/%0D%0ALocation:%20https://evil.example",
    ),
    fallback(
        "crlf_set_cookie_double_encoded",
        b"return_to=/%250d%250aSet-Cookie:x=y",
    ),
    fallback("nul_inside", b"return_to=/%00//evil.example"),
    fallback("space_prefix", b"return_to=%20//evil.example"),
    fallback("plus_as_space_prefix", b"return_to=+//evil.example"),
    fallback("space_inside", b"return_to=/%20//evil.example"),
    fallback("delete_char", b"return_to=/%7F"),
    fallback(
        "zero_width_space_prefix",
        b"return_to=%E2%80%8B//evil.example",
    ),
    fallback(
        "zero_width_space_inside",
        b"return_to=/%E2%80%8B/evil.example",
    ),
    fallback("bom_prefix", b"return_to=%EF%BB%BF//evil.example"),
    // Unicode look-alikes.
    fallback(
        "fullwidth_solidus",
        b"return_to=%EF%BC%8F%EF%BC%8Fevil.example",
    ),
    fallback(
        "fullwidth_solidus_after_slash",
        b"return_to=/%EF%BC%8Fevil.example",
    ),
    fallback(
        "division_slash_after_slash",
        b"return_to=/%E2%88%95evil.example",
    ),
    fallback(
        "overlong_utf8_slash",
        b"return_to=/%C0%AF%C0%AFevil.example",
    ),
    kept(
        "overlong_utf8_slash_encoded_stays_a_path",
        b"return_to=/%25C0%25AF%25C0%25AFevil.example",
        "/%C0%AF%C0%AFevil.example",
    ),
    kept(
        "fullwidth_solidus_encoded_stays_a_path",
        b"return_to=/%25EF%25BC%258Fevil.example",
        "/%EF%BC%8Fevil.example",
    ),
    kept(
        "iis_unicode_escape_stays_a_path",
        b"return_to=/%u002F%u002Fevil.example",
        "/%u002F%u002Fevil.example",
    ),
    // Dot segments (issue 13, finding 12): a browser resolves them away, leaving the path
    // `//evil.example`, scheme-relative wherever it is used as a URL again.
    fallback("dot_slash_slash", b"return_to=/.//evil.example"),
    fallback("dot_dot_slash_slash", b"return_to=/..//evil.example"),
    fallback(
        "dot_dot_slash_slash_encoded_once",
        b"return_to=/%2e%2e//evil.example",
    ),
    fallback(
        "dot_dot_encoded_slash_slash",
        b"return_to=/%252e%252e//evil.example",
    ),
    fallback(
        "dot_dot_upper_encoded_slash_slash",
        b"return_to=/%252E%252E//evil.example",
    ),
    fallback("encoded_dot_slash_slash", b"return_to=/%252e//evil.example"),
    fallback(
        "dot_mixed_encoded_dot_slash_slash",
        b"return_to=/.%252E//evil.example",
    ),
    fallback("dot_then_dot_dot", b"return_to=/./..//evil.example"),
    fallback("segment_then_dot_dot", b"return_to=/a/..//evil.example"),
    fallback(
        "two_segments_then_two_dot_dots",
        b"return_to=/a/b/../..//evil.example",
    ),
    fallback(
        "dot_then_encoded_slashes",
        b"return_to=/.%252F%252Fevil.example",
    ),
    fallback(
        "dot_dot_triple_encoded",
        b"return_to=/%25252e%25252e//evil.example",
    ),
    fallback(
        "dot_then_backslashes",
        b"return_to=/.%255C%255Cevil.example",
    ),
    fallback("dot_dot_then_backslash", b"return_to=/..%255Cevil.example"),
    fallback(
        "dot_slash_slash_with_query",
        b"return_to=/.//evil.example%3Fx%3D1",
    ),
    kept("dot_dot_inside_stays", b"return_to=/a/../b", "/a/../b"),
    kept("dot_inside_stays", b"return_to=/a/./b", "/a/./b"),
    kept(
        "dot_segments_in_query_stay",
        b"return_to=/x%3Fnext%3D/.//evil.example",
        "/x?next=/.//evil.example",
    ),
    kept("at_path", b"return_to=/@evil.example", "/@evil.example"),
    kept(
        "markup_in_path",
        b"return_to=/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/<script>alert(1)</script>",
    ),
    kept(
        "login_loop_is_same_origin",
        b"return_to=/login%3Freturn_to%3D%2F%2Fevil.example",
        "/login?return_to=//evil.example",
    ),
    // Parameter tricks.
    fallback("empty", b"return_to="),
    fallback(
        "duplicate_safe_then_evil",
        b"return_to=%2Fok&return_to=%2F%2Fevil.example",
    ),
    fallback("duplicate_same_value", b"return_to=%2Fok&return_to=%2Fok"),
    fallback("name_upper_case", b"RETURN_TO=%2Fok"),
    fallback("whole_pair_encoded", b"return_to%3D%2Fok"),
    fallback("too_long", TOO_LONG),
    // Bytes the HTTP parser refuses before the app sees them.
    refused("raw_space", b"return_to=/ /evil.example"),
    refused("raw_crlf", b"return_to=/\r\nLocation: https://evil.example"),
    refused("raw_tab", b"return_to=/\t/evil.example"),
    refused("raw_nul", b"return_to=/\0/evil.example"),
    refused("raw_delete", b"return_to=/\x7f"),
    // Positive controls: same-origin paths are kept.
    kept("control_root", b"return_to=%2F", "/"),
    kept(
        "control_path_with_query",
        b"return_to=%2Fcourses%3Fid%3D7",
        "/courses?id=7",
    ),
    kept(
        "control_path_with_fragment",
        b"return_to=%2Fa%2Fb%23top",
        "/a/b#top",
    ),
    kept(
        "control_encoded_space_in_path",
        b"return_to=/search%3Fq%3Da%2520b",
        "/search?q=a%20b",
    ),
];

/// Whether `location`, followed by a browser on `base`, stays on `base`'s origin.
fn same_origin(base: &str, location: &str) -> bool {
    let Ok(base) = url::Url::parse(base) else {
        return false;
    };
    base.join(location)
        .is_ok_and(|target| target.origin() == base.origin())
}

/// Runs the table; returns the number of rows (each a distinct payload).
pub async fn run(apps: &Apps) -> usize {
    let base = format!("http://{}/", apps.login);
    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in TABLE {
        assert!(seen.insert(row.query), "duplicate payload in {}", row.name);
        let case = Case::new(
            row.name,
            Request::get([b"/login?".as_slice(), row.query].concat()).header("Accept", "text/html"),
            row.expected_status,
        );
        let Some(lands_on) = row.lands_on else {
            match wire::send(apps.login, &case.request).await {
                Ok(reply) if reply.status == row.expected_status => {}
                Ok(reply) => failures.push(format!(
                    "{}: status {} (expected {})",
                    row.name, reply.status, row.expected_status
                )),
                Err(e) => failures.push(format!("{}: no answer: {e}", row.name)),
            }
            continue;
        };
        let approved = match approve(apps, row.query).await {
            Ok(approved) => approved,
            Err(e) => {
                failures.push(format!("{}: {e}", row.name));
                continue;
            }
        };
        if approved.login_status != row.expected_status {
            failures.push(format!(
                "{}: /login answered {}",
                row.name, approved.login_status
            ));
            continue;
        }
        match wire::send(apps.login, &approved.callback(&approved.original_query())).await {
            Ok(reply) => {
                let location = reply.header("location").unwrap_or_default();
                if reply.status != 302 || location != lands_on {
                    failures.push(format!(
                        "{}: callback {} to {location:?}, expected 302 to {lands_on:?}",
                        row.name, reply.status
                    ));
                } else if !same_origin(&base, location) {
                    failures.push(format!("{}: {location:?} leaves the site", row.name));
                }
            }
            Err(e) => failures.push(format!("{}: callback: {e}", row.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "return_to: {} of {} rows failed:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
    crate::panics::assert_none("return_to");
    TABLE.len()
}
