use std::time::Duration;

use http::HeaderValue;

use crate::session::cookie::{
    CHUNK_SIZE, ChunkError, Chunker, CookieError, CookieOptions, DEFAULT_MAX_CHUNKS, SameSite,
};

fn text(header: &HeaderValue) -> &str {
    header.to_str().unwrap()
}

fn attributes(header: &HeaderValue) -> Vec<&str> {
    text(header).split("; ").skip(1).collect()
}

#[test]
fn defaults_are_secure() {
    let header = CookieOptions::default()
        .set_cookie("session", "v1.abc")
        .unwrap();
    assert!(text(&header).starts_with("session=v1.abc; "));
    let mut attrs = attributes(&header);
    attrs.sort_unstable();
    assert_eq!(attrs, ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"]);
}

#[test]
fn every_option_is_rendered() {
    let options = CookieOptions {
        path: "/app".to_owned(),
        secure: false,
        http_only: true,
        same_site: SameSite::Strict,
        max_age: Some(Duration::from_secs(3600)),
        domain: Some("example.org".to_owned()),
    };
    let header = options.set_cookie("session", "v1.abc").unwrap();
    let mut attrs = attributes(&header);
    attrs.sort_unstable();
    assert_eq!(
        attrs,
        [
            "Domain=example.org",
            "HttpOnly",
            "Max-Age=3600",
            "Path=/app",
            "SameSite=Strict"
        ]
    );

    let none = CookieOptions {
        same_site: SameSite::None,
        max_age: Some(Duration::MAX),
        ..CookieOptions::default()
    };
    let header = none.set_cookie("s", "v").unwrap();
    assert!(attributes(&header).contains(&"SameSite=None"));
    assert!(attributes(&header).contains(&"Secure"));
    assert!(
        attributes(&header)
            .iter()
            .any(|a| a.starts_with("Max-Age="))
    );
}

#[test]
fn removal_matches_the_cookie_it_deletes() {
    let options = CookieOptions {
        path: "/app".to_owned(),
        domain: Some("example.org".to_owned()),
        max_age: Some(Duration::from_secs(3600)),
        ..CookieOptions::default()
    };
    let header = options.removal("session.1").unwrap();
    assert!(
        text(&header).starts_with("session.1=; "),
        "{}",
        text(&header)
    );
    let attrs = attributes(&header);
    for expected in [
        "Max-Age=0",
        "Path=/app",
        "Domain=example.org",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(
            attrs.contains(&expected),
            "{expected} missing from {attrs:?}"
        );
    }
    assert!(attrs.iter().any(|a| a.starts_with("Expires=")));
}

#[test]
fn bad_configuration_is_refused() {
    let ok = CookieOptions::default();
    for name in ["", "a b", "a;b", "a=b", "a,b", "sessiön", "a\"b", "a\tb"] {
        assert_eq!(ok.validate(name), Err(CookieError::InvalidName), "{name:?}");
    }
    assert_eq!(ok.validate("__Secure-session.0"), Ok(()));
    for path in ["", "app", "/a;b", "/a\nb", "/å"] {
        let options = CookieOptions {
            path: path.to_owned(),
            ..CookieOptions::default()
        };
        assert_eq!(
            options.validate("s"),
            Err(CookieError::InvalidPath),
            "{path:?}"
        );
    }
    for domain in ["", "a b", "a;b", "ex\u{e6}mple.org"] {
        let options = CookieOptions {
            domain: Some(domain.to_owned()),
            ..CookieOptions::default()
        };
        assert_eq!(
            options.validate("s"),
            Err(CookieError::InvalidDomain),
            "{domain:?}"
        );
    }
    let insecure_none = CookieOptions {
        same_site: SameSite::None,
        secure: false,
        ..CookieOptions::default()
    };
    assert_eq!(
        insecure_none.validate("s"),
        Err(CookieError::SameSiteNoneNeedsSecure)
    );

    let host = Err(CookieError::PrefixRules { prefix: "__Host-" });
    assert_eq!(ok.validate("__Host-s"), Ok(()));
    let sub_path = CookieOptions {
        path: "/app".to_owned(),
        ..CookieOptions::default()
    };
    assert_eq!(sub_path.validate("__Host-s"), host);
    let with_domain = CookieOptions {
        domain: Some("example.org".to_owned()),
        ..CookieOptions::default()
    };
    assert_eq!(with_domain.validate("__Host-s"), host);
    let insecure = CookieOptions {
        secure: false,
        ..CookieOptions::default()
    };
    assert_eq!(insecure.validate("__Host-s"), host);
    assert_eq!(
        insecure.validate("__Secure-s"),
        Err(CookieError::PrefixRules {
            prefix: "__Secure-"
        })
    );
    assert_eq!(
        insecure.set_cookie("__Secure-s", "v"),
        Err(CookieError::PrefixRules {
            prefix: "__Secure-"
        })
    );
    assert_eq!(insecure.validate("s"), Ok(()));
}

#[test]
fn values_that_would_break_the_header_are_refused() {
    let options = CookieOptions::default();
    for value in [
        "a;b",
        "a b",
        "\"",
        "a\\b",
        "a,b",
        "a\r\nSet-Cookie: x=y",
        "æ",
    ] {
        assert_eq!(
            options.set_cookie("s", value),
            Err(CookieError::InvalidValue),
            "{value:?}"
        );
    }
    assert!(options.set_cookie("s", "").is_ok());
}

#[test]
fn set_cookies_clears_stale_chunks() {
    let options = CookieOptions::default();
    let chunker = Chunker::new();
    let short = "v1.short";
    let long = "x".repeat(3 * CHUNK_SIZE);

    // 3 chunks rewritten as 1: the 3 go.
    let request = [("s.0", "a"), ("s.1", "b"), ("s.2", "c"), ("other", "o")];
    let headers = options.set_cookies(&chunker, "s", short, request).unwrap();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| text(h).split('=').next().unwrap())
        .collect();
    assert_eq!(names, ["s", "s.0", "s.1", "s.2"]);
    assert!(text(&headers[0]).starts_with("s=v1.short;"));
    assert!(
        headers[1..]
            .iter()
            .all(|h| attributes(h).contains(&"Max-Age=0"))
    );

    // 1 rewritten as 3: the plain cookie must go, or it would shadow the chunks.
    let headers = options
        .set_cookies(
            &chunker,
            "s",
            &long,
            [("s", "old"), ("s.4", "z"), ("s.99", "z")],
        )
        .unwrap();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| text(h).split('=').next().unwrap())
        .collect();
    // `s.99` is beyond the cap: never ours, never deleted.
    assert_eq!(names, ["s.0", "s.1", "s.2", "s", "s.4"]);
    assert!(
        headers[..3]
            .iter()
            .all(|h| !attributes(h).contains(&"Max-Age=0"))
    );
    assert!(
        headers[3..]
            .iter()
            .all(|h| attributes(h).contains(&"Max-Age=0"))
    );

    // Same shape: nothing to delete.
    let headers = options
        .set_cookies(&chunker, "s", short, [("s", "old")])
        .unwrap();
    assert_eq!(headers.len(), 1);

    let err = options
        .set_cookies(&chunker, "s", &"x".repeat(19_001), [])
        .unwrap_err();
    assert_eq!(
        err,
        CookieError::Chunk(ChunkError::TooLarge {
            len: 19_001,
            max: 19_000
        })
    );
}

#[test]
fn clear_cookies_deletes_every_piece() {
    let options = CookieOptions::default();
    let request = [
        ("s", "a"),
        ("s.0", "b"),
        ("t", "c"),
        ("s.4", "d"),
        ("s.7", "e"),
    ];
    let headers = options
        .clear_cookies(&Chunker::new(), "s", request)
        .unwrap();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| text(h).split('=').next().unwrap())
        .collect();
    // Every piece we could have written; `s.7` is beyond the cap of 5.
    assert_eq!(names, ["s", "s.0", "s.4"]);
    assert!(headers.iter().all(|h| attributes(h).contains(&"Max-Age=0")));
}

/// Issue 13, finding 1: thousands of bogus chunk cookies give at most `max_chunks + 1`
/// removals, whether a value is written or cleared.
#[test]
fn bogus_chunks_give_a_bounded_number_of_removals() {
    let options = CookieOptions::default();
    let chunker = Chunker::new();
    let names: Vec<String> = (0..5_000)
        .map(|i| format!("s.{i}"))
        .chain((0..100).map(|i| format!("s.0{i}")))
        .chain(["s".to_owned(), "s.0".to_owned(), "s".to_owned()])
        .collect();
    let request = || names.iter().map(|n| (n.as_str(), "x"));
    let cleared = options.clear_cookies(&chunker, "s", request()).unwrap();
    assert_eq!(cleared.len(), DEFAULT_MAX_CHUNKS + 1);
    let written = options
        .set_cookies(&chunker, "s", "v1.short", request())
        .unwrap();
    assert_eq!(
        written.len(),
        DEFAULT_MAX_CHUNKS + 1,
        "s itself, and s.0 to s.4 removed"
    );
}
