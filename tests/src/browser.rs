//! [`Browser`]: a cookie-keeping HTTP client that behaves like a browser navigating (sends
//! `Accept: text/html`) and follows redirects one hop at a time, so each step can be checked.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, LOCATION, SET_COOKIE};

/// A browser with its own cookie jar. Redirects are never followed by themselves: use
/// [`follow`](Self::follow) or [`visit`](Self::visit).
#[derive(Clone)]
pub struct Browser {
    /// The underlying client (cookie jar, no redirects, 20 s timeout).
    pub client: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client");
        Self { client }
    }

    /// `GET url` with the browser's cookies.
    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.get_with(url, &[]).await
    }

    /// `GET url` with the browser's cookies and extra `headers`.
    pub async fn get_with(&self, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(url).header(ACCEPT, "text/html");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("the server answers")
    }

    /// `POST url` (empty body) with the browser's cookies.
    pub async fn post(&self, url: &str) -> reqwest::Response {
        self.client
            .post(url)
            .header(ACCEPT, "text/html")
            .send()
            .await
            .expect("the server answers")
    }

    /// Follows redirects from `response` until one that is not; returns the URLs visited on
    /// the way and that response. Panics after 10 hops.
    pub async fn follow(
        &self,
        mut response: reqwest::Response,
    ) -> (Vec<String>, reqwest::Response) {
        let mut visited = Vec::new();
        for _ in 0..10 {
            if !response.status().is_redirection() {
                return (visited, response);
            }
            let next = location(&response);
            visited.push(next.clone());
            response = self.get(&next).await;
        }
        panic!("redirect loop: {visited:?}");
    }

    /// `GET url` and follow every redirect.
    pub async fn visit(&self, url: &str) -> (Vec<String>, reqwest::Response) {
        let first = self.get(url).await;
        self.follow(first).await
    }
}

/// The absolute `Location` of a redirect (panics without one).
pub fn location(response: &reqwest::Response) -> String {
    let raw = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a redirect has Location");
    response
        .url()
        .join(raw)
        .expect("Location resolves")
        .to_string()
}

/// The response's `Set-Cookie` headers.
pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect()
}

/// The value the cookie `name` is set to among `set_cookies`; `None` if absent or emptied.
pub fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        let pair = c.split(';').next()?;
        let (n, v) = pair.split_once('=')?;
        (n == name && !v.is_empty()).then(|| v.to_owned())
    })
}
