//! Following a list across pages: `Link: <…>; rel="next"` (RFC 8288), bounded.
//!
//! Feide documents its group lists as plain JSON arrays without paging. Should an answer carry a
//! `rel="next"` link, the client follows it — only to the same origin as the first URL (the token
//! is sent along), and at most a fixed number of pages, so a hostile or broken server cannot make
//! it loop.

use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::bearer_get::{ApiError, get_json_page, invalid};
use crate::provider::{Provider, Secret};
use crate::telemetry::labels::Endpoint;

/// Pages followed by default before giving up.
pub(crate) const DEFAULT_MAX_PAGES: usize = 20;
/// Most items collected over all pages.
const MAX_ITEMS: usize = 100_000;

/// GETs `first` and every following page, each an array of `T`. More than `max_pages` pages,
/// a next link to another origin, or an answer that is not an array of `T` is an error; an
/// element that is not a `T` fails the whole list (fail closed).
pub(crate) async fn get_list<T: DeserializeOwned>(
    provider: &Provider,
    endpoint: Endpoint,
    what: &'static str,
    first: &str,
    token: &Secret,
    max_pages: usize,
) -> Result<Vec<T>, ApiError> {
    let origin = Url::parse(first)
        .map_err(|_| invalid(what, first, "not a URL"))?
        .origin();
    let mut url = first.to_owned();
    let mut items: Vec<T> = Vec::new();
    for _ in 0..max_pages.max(1) {
        let (body, links) = get_json_page(provider, Some(endpoint), what, &url, token).await?;
        let Value::Array(page) = body else {
            return Err(invalid(what, &url, "not a JSON array"));
        };
        if items.len().saturating_add(page.len()) > MAX_ITEMS {
            return Err(invalid(what, &url, "too many items"));
        }
        for item in page {
            items.push(
                serde_json::from_value(item)
                    .map_err(|_| invalid(what, &url, "an element has an unexpected shape"))?,
            );
        }
        let Some(next) = next_link(&links) else {
            return Ok(items);
        };
        let next = Url::parse(&url)
            .and_then(|here| here.join(&next))
            .map_err(|_| invalid(what, &url, "the next-page link is not a URL"))?;
        if next.origin() != origin {
            return Err(invalid(
                what,
                &url,
                "the next-page link leaves the API's origin",
            ));
        }
        url = next.into();
    }
    Err(invalid(what, first, "more pages than the client follows"))
}

/// The target of the first `rel="next"` link in `Link` header values, if any.
pub(crate) fn next_link(values: &[String]) -> Option<String> {
    values
        .iter()
        .flat_map(|v| split_links(v))
        .find_map(|(target, params)| {
            params
                .split(';')
                .filter_map(|p| p.split_once('='))
                .any(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("rel")
                        && value
                            .trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|rel| rel.eq_ignore_ascii_case("next"))
                })
                .then(|| target.to_owned())
        })
}

/// `<target>; params, <target>; params` → `(target, params)` pairs. A target never contains `>`,
/// and a comma only separates links outside `<…>`.
fn split_links(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let target = &after[..close];
        let tail = &after[close + 1..];
        let end = tail.find(',').unwrap_or(tail.len());
        out.push((target, &tail[..end]));
        rest = &tail[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        vec![s.to_owned()]
    }

    #[test]
    fn finds_the_next_link() {
        assert_eq!(
            next_link(&v(r#"<https://x/a?page=2>; rel="next""#)).as_deref(),
            Some("https://x/a?page=2")
        );
        assert_eq!(
            next_link(&v(r#"</a?p=1>; rel="prev", </a?p=3>; rel="last next""#)).as_deref(),
            Some("/a?p=3")
        );
        assert_eq!(
            next_link(&v("</a?p=3>; rel=next")).as_deref(),
            Some("/a?p=3")
        );
        assert_eq!(next_link(&v(r#"</a>; rel="prev""#)), None);
        assert_eq!(next_link(&v("garbage <unterminated")), None);
        assert_eq!(next_link(&[]), None);
    }
}
