//! [`require_secure_url`]: the one rule for URLs that receive tokens or client credentials.

use std::net::IpAddr;

use super::ProviderError;

/// Checks that `url` may receive tokens or client credentials: an absolute `https` URL, or plain
/// `http` on a loopback host (`localhost`, `127.0.0.0/8`, `::1`: tests and local fakes such as
/// FakeFeide). `setting` names where the URL came from (an environment variable, a builder
/// setting or a discovery field) in the error.
///
/// Every provider endpoint and API URL goes through this rule at start-up (the
/// [`ProviderBuilder`](crate::provider::ProviderBuilder) after discovery, and its environment reader), and
/// every API call that sends a bearer token checks its URL again before sending. Use it for your
/// own settings that name such URLs, as the examples do for `DATASOURCE_API_URL`.
///
/// ```
/// use feide_tower::provider::{ProviderError, require_secure_url};
///
/// assert!(require_secure_url("DATASOURCE_API_URL", "https://api.example.org").is_ok());
/// assert!(require_secure_url("DATASOURCE_API_URL", "http://127.0.0.1:8001").is_ok());
/// let refused = require_secure_url("DATASOURCE_API_URL", "http://api.example.org");
/// assert!(matches!(refused, Err(ProviderError::InsecureUrl { .. })));
/// ```
pub fn require_secure_url(setting: &str, url: &str) -> Result<(), ProviderError> {
    let parsed = url::Url::parse(url)
        .map_err(|_| ProviderError::Config(format!("{setting} is not an absolute URL: {url:?}")))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        _ => Err(ProviderError::InsecureUrl {
            setting: setting.to_owned(),
            url: url.to_owned(),
        }),
    }
}

/// `localhost`, or an address in `127.0.0.0/8` or `::1`. Other names that may resolve to
/// loopback (`*.localhost`, a DNS name) are not trusted to.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        // The URL parser lowercases domains.
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://auth.dataporten.no",
            "http://127.0.0.1:8080",
            "http://127.255.0.1/x",
            "http://localhost:8080",
            "http://LocalHost/",
            "http://[::1]:9/",
        ] {
            assert!(require_secure_url("x", ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://auth.dataporten.no",
            "http://localhost.example.org",
            "http://127.0.0.1.nip.io",
            "http://128.0.0.1",
            "http://[::2]",
            "http://[::ffff:127.0.0.1]",
            "ftp://localhost",
        ] {
            assert!(
                matches!(
                    require_secure_url("x", refused),
                    Err(ProviderError::InsecureUrl { .. })
                ),
                "{refused}"
            );
        }
        assert!(matches!(
            require_secure_url("x", "not a url"),
            Err(ProviderError::Config(_))
        ));
    }
}
