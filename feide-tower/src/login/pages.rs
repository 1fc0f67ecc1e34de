//! The few HTML pages the login flow shows: small, escaped, no external assets.

use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::require_login::is_browser;
use crate::answer::Answer;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An error page: a title, one sentence, and a link to try again. All text is escaped.
pub(crate) fn error_page(
    status: StatusCode,
    title: &str,
    message: &str,
    retry_href: &str,
) -> Answer {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}}\
a{{color:#1f4698}}</style></head><body><h1>{title}</h1><p>{message}</p>\
<p><a href=\"{href}\">Sign in again</a> · <a href=\"/\">Home</a></p></body></html>",
        title = escape(title),
        message = escape(message),
        href = escape(retry_href),
    );
    Answer::page(status, html)
}

/// `503 Service Unavailable` with `Retry-After: retry_after` seconds: an HTML page (`title`,
/// `message`, a link to `login_path`) for browsers, `{"error":"temporarily_unavailable"}` for API
/// callers. No cookie is touched.
pub(crate) fn unavailable_page(
    headers: &HeaderMap,
    login_path: &str,
    title: &str,
    message: &str,
    retry_after: u64,
) -> Answer {
    let mut response = if is_browser(headers) {
        error_page(StatusCode::SERVICE_UNAVAILABLE, title, message, login_path)
    } else {
        Answer::json(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":"temporarily_unavailable"}"#,
        )
    };
    response
        .headers
        .insert(RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        let page = error_page(
            StatusCode::BAD_REQUEST,
            "<t>",
            "<script>alert('x')</script>",
            "/login\"><x",
        );
        let body = std::str::from_utf8(&page.body).unwrap();
        assert!(!body.contains("<script>") && !body.contains("<t>") && !body.contains("\"><x"));
        assert!(body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    }
}
