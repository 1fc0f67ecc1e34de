//! One place that GETs a JSON document from the provider with a timeout and a typed error.

use crate::telemetry;
use crate::telemetry::labels::Endpoint;
use std::time::Duration;

use super::error::ProviderError;
use super::read::{read_limited, unreachable};

/// A fetched document's body and the `max-age` its `Cache-Control` allowed.
pub(crate) struct Fetched {
    pub(crate) body: bytes::Bytes,
    pub(crate) max_age: Option<Duration>,
}

/// Largest document we read (discovery and JWKS are a few KB).
const MAX_DOCUMENT: usize = 1024 * 1024;

pub(crate) async fn get_document(
    http: &reqwest::Client,
    endpoint: Endpoint,
    what: &'static str,
    url: &str,
    timeout: Duration,
) -> Result<Fetched, ProviderError> {
    let request = async {
        let response = http
            .get(url)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable(what, url, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Status {
                what,
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        let max_age = response
            .headers()
            .get(http::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_max_age);
        let body = read_limited(response, MAX_DOCUMENT, what, url).await?;
        Ok(Fetched { body, max_age })
    };
    let timed = async {
        tokio::time::timeout(timeout, request)
            .await
            .map_err(|_| ProviderError::Timeout {
                what,
                url: url.to_owned(),
                timeout,
            })?
    };
    telemetry::provider_request(endpoint, timed).await
}

/// `max-age` from a Cache-Control value; `no-store`/`no-cache` count as zero.
pub(crate) fn parse_max_age(value: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(secs) = lower.strip_prefix("max-age=") {
            max_age = secs
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    max_age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        assert_eq!(
            parse_max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            parse_max_age("Max-Age=\"60\""),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(parse_max_age("public"), None);
        assert_eq!(parse_max_age("max-age=banana"), None);
    }
}
