//! Oversized and malformed requests against both examples: huge URLs, headers, header counts,
//! cookies and bodies, and request-smuggling shapes. hyper refuses what is too big with 4xx
//! before the app runs; what it lets through, the app answers normally.

use std::net::SocketAddr;

use crate::apps::Apps;
use crate::table::Case;
use crate::wire::Request;

/// Cases for the login app (`login`) and the data source (`datasource`); `valid` is a good
/// bearer token for the data source.
pub fn cases(apps: &Apps, valid: &str) -> Vec<Case> {
    let ds: SocketAddr = apps.datasource;
    let mut t = Vec::new();
    let mut add =
        |name: &str, request: Request, status: u16| t.push(Case::new(name, request, status));

    add(
        "path_of_60k",
        Request::get(format!("/{}", "a".repeat(60 * 1024))),
        404,
    );
    add(
        "path_of_65k_over_the_uri_limit",
        Request::get(format!("/{}", "a".repeat(65 * 1024))),
        414,
    );
    add(
        "query_of_60k_on_home",
        Request::get(format!("/?q={}", "q".repeat(60 * 1024))),
        200,
    );
    add(
        "path_of_1m",
        Request::get(format!("/{}", "a".repeat(1024 * 1024))),
        431,
    );
    add(
        "header_of_64k",
        Request::get("/").header("X-Pad", "p".repeat(64 * 1024)),
        200,
    );
    add(
        "header_of_1m",
        Request::get("/").header("X-Pad", "p".repeat(1024 * 1024)),
        431,
    );
    add(
        "cookie_header_of_1m",
        Request::get("/me")
            .header("Accept", "application/json")
            .header(
                "Cookie",
                format!("feide_session={}", "A".repeat(1024 * 1024)),
            ),
        431,
    );
    add(
        "cookie_header_of_200k",
        Request::get("/me")
            .header("Accept", "application/json")
            .header(
                "Cookie",
                format!("feide_session={}", "A".repeat(200 * 1024)),
            ),
        401,
    );
    add(
        "headers_150",
        (0..150).fold(Request::get("/"), |r, i| r.header(&format!("X-H{i}"), "v")),
        431,
    );
    add(
        "headers_90",
        (0..90).fold(Request::get("/"), |r, i| r.header(&format!("X-H{i}"), "v")),
        200,
    );
    add(
        "cookie_headers_90",
        (0..90).fold(
            Request::get("/me").header("Accept", "application/json"),
            |r, i| r.header("Cookie", format!("feide_session.{i}=x")),
        ),
        401,
    );
    add(
        "body_1m_on_login_post",
        Request::post("/login").body(vec![b'x'; 1024 * 1024]),
        405,
    );
    add(
        "body_256k_on_get_home",
        Request::get("/").body(vec![b'x'; 256 * 1024]),
        200,
    );
    add(
        "content_length_larger_than_body",
        Request::get("/").header("Content-Length", "99999999999"),
        200,
    );
    add(
        "content_length_not_a_number",
        Request::get("/").header("Content-Length", "ten"),
        400,
    );
    add(
        "content_length_twice_differing",
        Request::post("/logout")
            .header("Content-Length", "1")
            .header("Content-Length", "2")
            .body(b"ab".to_vec()),
        400,
    );
    // RFC 9112 §6.3: Transfer-Encoding wins over Content-Length, and hyper closes afterwards.
    add(
        "content_length_and_chunked_chunked_wins",
        Request::post("/logout")
            .header("Content-Length", "4")
            .header("Transfer-Encoding", "chunked")
            .body(b"0\r\n\r\n".to_vec()),
        303,
    );
    add(
        "transfer_encoding_unknown",
        Request::post("/logout")
            .header("Transfer-Encoding", "gzip, identity")
            .body(b"x".to_vec()),
        400,
    );
    add(
        "host_header_missing_value",
        Request::get("/").header("Host", ""),
        200,
    );
    add(
        "absolute_form_target_other_host",
        Request::get("http://evil.example/"),
        200,
    );
    add(
        "method_unknown",
        Request {
            method: "BREW",
            ..Request::get("/")
        },
        405,
    );
    add(
        "method_huge",
        Request {
            method: "GETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGET",
            ..Request::get("/")
        },
        405,
    );

    // The data source.
    add(
        "ds_authorization_of_1m",
        Request::get("/me").header(
            "Authorization",
            format!("Bearer {}", "A".repeat(1024 * 1024)),
        ),
        431,
    );
    let many = (0..50).fold(Request::get("/me"), |r, _| r.bearer(valid));
    add("ds_fifty_authorization_headers", many, 401);
    add(
        "ds_body_1m_with_valid_token",
        Request::get("/me")
            .bearer(valid)
            .body(vec![b'x'; 1024 * 1024]),
        200,
    );
    add(
        "ds_path_of_60k",
        Request::get(format!("/me/{}", "a".repeat(60 * 1024))).bearer(valid),
        404,
    );
    for case in t.iter_mut().filter(|c| c.name.starts_with("ds_")) {
        case.at = Some(ds);
    }
    t
}
