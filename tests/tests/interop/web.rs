//! A browser without a browser, for the API-level suite: keeps cookies, sends `Accept: text/html`,
//! follows redirects one hop at a time (so every hop can be checked), reads pages as text and
//! submits their forms. The real browser is in `browser.rs`.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use reqwest::cookie::CookieStore as _;
use reqwest::header::{ACCEPT, COOKIE, LOCATION};
use url::Url;

/// One response, read completely.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it came from.
    pub url: Url,
    /// Its status.
    pub status: StatusCode,
    /// Its `Location`, resolved against `url`.
    pub location: Option<Url>,
    /// Its body.
    pub body: String,
}

impl Page {
    /// The visible text: tags dropped, entities decoded, whitespace collapsed.
    pub fn text(&self) -> String {
        text_of(&self.body)
    }

    /// The redirect target; panics (naming `step`) when this is not a redirect.
    pub fn redirect(&self, step: &str) -> Url {
        match (&self.location, self.status.is_redirection()) {
            (Some(location), true) => location.clone(),
            _ => panic!(
                "{step}: expected a redirect from {}, got {} with: {}",
                self.url,
                self.status,
                excerpt(&self.text())
            ),
        }
    }

    /// The forms on the page.
    pub fn forms(&self) -> Vec<Form> {
        forms(&self.body, &self.url)
    }

    /// The first form whose action path contains `part`; panics (naming `step`) if none.
    pub fn form(&self, step: &str, part: &str) -> Form {
        self.forms()
            .into_iter()
            .find(|f| f.action.path().contains(part))
            .unwrap_or_else(|| {
                panic!(
                    "{step}: no form posting to *{part}* on {} ({}): {}",
                    self.url,
                    self.status,
                    excerpt(&self.text())
                )
            })
    }

    /// Asserts the status and that the visible text contains `needle`.
    pub fn expect(&self, step: &str, status: u16, needle: &str) -> &Self {
        let text = self.text();
        assert!(
            self.status == status && text.contains(needle),
            "{step}: expected {status} with {needle:?} at {}, got {}: {}",
            self.url,
            self.status,
            excerpt(&text)
        );
        self
    }
}

/// A form: where it posts and its prefilled (hidden) fields.
#[derive(Debug, Clone)]
pub struct Form {
    /// The absolute action URL.
    pub action: Url,
    /// `id`, if any.
    pub id: Option<String>,
    /// Hidden inputs (and other inputs with a value), in order.
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The fields plus `extra`, replacing fields of the same name.
    pub fn with(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = self
            .fields
            .iter()
            .filter(|(name, _)| !extra.iter().any(|(n, _)| n == name))
            .cloned()
            .collect();
        fields.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        fields
    }
}

/// The cookie-keeping client.
pub struct Web {
    client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Web {
    pub fn new() -> Web {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .expect("HTTP client");
        Web { client, jar }
    }

    /// `GET url` as a browser would.
    pub async fn get(&self, url: &str) -> Page {
        let response = self
            .client
            .get(url)
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        read(response).await
    }

    /// `GET url` as an API caller (`Accept: application/json`).
    pub async fn get_json(&self, url: &str) -> (StatusCode, serde_json::Value) {
        let response = self
            .client
            .get(url)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// `POST url` with a form body.
    pub async fn post(&self, url: &str, fields: &[(String, String)]) -> Page {
        let response = self
            .client
            .post(url)
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        read(response).await
    }

    /// Submits `form` with `extra` fields.
    pub async fn submit(&self, form: &Form, extra: &[(&str, &str)]) -> Page {
        self.post(form.action.as_str(), &form.with(extra)).await
    }

    /// Follows redirects (as GETs) from `page`; returns every URL visited and the last page.
    pub async fn follow(&self, mut page: Page) -> (Vec<Url>, Page) {
        let mut visited = Vec::new();
        for _ in 0..12 {
            let Some(next) = page
                .location
                .clone()
                .filter(|_| page.status.is_redirection())
            else {
                return (visited, page);
            };
            visited.push(next.clone());
            page = self.get(next.as_str()).await;
        }
        panic!("redirect loop: {visited:?}");
    }

    /// GET `url` and follow every redirect.
    pub async fn visit(&self, url: &str) -> (Vec<Url>, Page) {
        let first = self.get(url).await;
        let (mut visited, last) = self.follow(first).await;
        visited.insert(0, Url::parse(url).expect("absolute URL"));
        (visited, last)
    }

    /// The `Cookie` header this browser would send to `url`, as request headers.
    pub fn cookie_headers(&self, url: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = self.jar.cookies(&Url::parse(url).expect("absolute URL")) {
            headers.insert(
                COOKIE,
                HeaderValue::from_bytes(value.as_bytes()).expect("cookie header"),
            );
        }
        headers
    }
}

async fn read(response: reqwest::Response) -> Page {
    let url = response.url().clone();
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url.join(v).ok());
    let body = response.text().await.unwrap_or_default();
    Page {
        url,
        status,
        location,
        body,
    }
}

/// The first 600 characters, for failure messages.
pub fn excerpt(text: &str) -> String {
    text.chars().take(600).collect()
}

/// The visible text of an HTML document.
pub fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tag = &rest[start..];
        // Skip the contents of <style> and <script> entirely.
        let skip_to = ["style", "script"].iter().find_map(|name| {
            tag.get(1..=name.len())
                .filter(|t| t.eq_ignore_ascii_case(name))
                .map(|_| format!("</{name}"))
        });
        let after = match skip_to {
            Some(close) => tag
                .to_ascii_lowercase()
                .find(&close)
                .map_or(tag.len(), |i| i + close.len()),
            None => 0,
        };
        let tag = &tag[after..];
        rest = tag.find('>').map_or("", |end| &tag[end + 1..]);
    }
    out.push_str(rest);
    unescape(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&middot;", "·")
        .replace("&amp;", "&")
}

/// The attributes of the tag starting at `tag` (`<name a="b" c>`), lowercased names.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let end = tag.find('>').unwrap_or(tag.len());
    let inner = tag[1..end].trim_end_matches('/');
    let mut attrs = Vec::new();
    let mut rest = inner.find(char::is_whitespace).map_or("", |i| &inner[i..]);
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return attrs;
        }
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let close = body.find(q).unwrap_or(body.len());
                    (&body[..close], body.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let close = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..close], &after[close..])
                }
            };
            rest = remaining;
            unescape(value)
        } else {
            String::new()
        };
        attrs.push((name, value));
    }
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Every `<form>` with its inputs (those inside it, and `form="id"` ones outside).
fn forms(html: &str, base: &Url) -> Vec<Form> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<form").map(|i| i + at) {
        let attrs = attributes(&html[start..]);
        let end = lower[start..]
            .find("</form")
            .map_or(html.len(), |i| i + start);
        let action = attr(&attrs, "action")
            .and_then(|a| base.join(a).ok())
            .unwrap_or_else(|| base.clone());
        let mut fields = Vec::new();
        let mut inner = start + 1;
        while let Some(input) = lower[inner..end].find("<input").map(|i| i + inner) {
            let a = attributes(&html[input..]);
            if let (Some(name), Some(value)) = (attr(&a, "name"), attr(&a, "value")) {
                fields.push((name.to_owned(), value.to_owned()));
            }
            inner = input + 1;
        }
        found.push(Form {
            action,
            id: attr(&attrs, "id").map(str::to_owned),
            fields,
        });
        at = end.max(start + 1);
    }
    found
}

#[test]
fn reads_forms_and_text() {
    let html = r#"<html><head><style>h1{color:red}</style></head><body><h1>Hi &amp; bye</h1>
<form autocomplete="off" action="/interaction/abc/login" method="post">
<input type="hidden" name="prompt" value="login"/><input required type="text" name="login" placeholder="x">
</form><form id="op.logoutForm" method="post" action="http://127.0.0.1:1/session/end/confirm"><input type="hidden" name="xsrf" value="a&amp;b"/></form></body></html>"#;
    let base = Url::parse("http://127.0.0.1:1/interaction/abc").unwrap();
    let forms = forms(html, &base);
    assert_eq!(forms.len(), 2);
    assert_eq!(
        forms[0].action.as_str(),
        "http://127.0.0.1:1/interaction/abc/login"
    );
    assert_eq!(forms[0].fields, [("prompt".to_owned(), "login".to_owned())]);
    assert_eq!(forms[1].id.as_deref(), Some("op.logoutForm"));
    assert_eq!(forms[1].fields, [("xsrf".to_owned(), "a&b".to_owned())]);
    assert_eq!(text_of(html), "Hi & bye");
}
