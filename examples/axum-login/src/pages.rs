//! The example's HTML: small, escaped, no external assets.

use feide_tower::session::FeideSession;
use serde_json::Value;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}\
a,button{color:#fff;background:#1f4698;border:0;border-radius:.3rem;padding:.5rem 1rem;text-decoration:none;font-size:1rem;cursor:pointer}\
pre{background:#f4f4f6;padding:1rem;overflow:auto;border-radius:.3rem}nav{display:flex;gap:.5rem;margin:1rem 0}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

fn json_block(value: &Value) -> String {
    format!(
        "<pre>{}</pre>",
        escape(&serde_json::to_string_pretty(value).unwrap_or_default())
    )
}

pub(crate) fn signed_out_home() -> String {
    layout(
        "feide-tower example",
        "<h1>feide-tower example</h1><p>You are not signed in.</p><nav><a id=\"login\" href=\"/login\">Sign in with Feide</a></nav>",
    )
}

pub(crate) fn signed_in_home(session: &FeideSession, extended: &Result<Value, String>) -> String {
    let name = session.name().unwrap_or(session.sub());
    let extended = match extended {
        Ok(value) => json_block(value),
        Err(e) => format!("<p>Not available: {}</p>", escape(e)),
    };
    let body = format!(
        "<h1>Signed in as <span id=\"name\">{}</span></h1>\
<nav><a href=\"/me\">/me</a><a href=\"/exchange\">/exchange</a><a href=\"/datasource\">/datasource</a><form method=\"post\" action=\"/logout\"><button id=\"logout\" type=\"submit\">Sign out</button></form></nav>\
<h2>ID token claims</h2>{}<h2>Userinfo</h2>{}<h2>Extended userinfo</h2>{}",
        escape(name),
        json_block(&Value::Object(session.id_token_claims().clone())),
        json_block(
            &session
                .userinfo()
                .cloned()
                .map(Value::Object)
                .unwrap_or(Value::Null)
        ),
        extended,
    );
    layout("Signed in", &body)
}

pub(crate) fn me(session: &FeideSession) -> String {
    let body = format!(
        "<h1>{}</h1><h2>ID token claims</h2>{}<h2>Userinfo</h2>{}<nav><a href=\"/\">Home</a></nav>",
        escape(session.name().unwrap_or(session.sub())),
        json_block(&Value::Object(session.id_token_claims().clone())),
        json_block(
            &session
                .userinfo()
                .cloned()
                .map(Value::Object)
                .unwrap_or(Value::Null)
        ),
    );
    layout("Me", &body)
}

pub(crate) fn signed_out() -> String {
    layout(
        "Signed out",
        "<h1 id=\"signed-out\">You are signed out</h1><nav><a href=\"/\">Home</a><a href=\"/login\">Sign in again</a></nav>",
    )
}

/// `/mfa`: reached only with a session at the required level.
pub(crate) fn mfa(session: &FeideSession, level: &str) -> String {
    layout(
        "Multi-factor page",
        &format!(
            "<h1>Multi-factor page</h1><p id=\"mfa\">Signed in as {} with authentication level <code id=\"acr\">{}</code>.</p><nav><a href=\"/\">Home</a></nav>",
            escape(session.sub()),
            escape(level)
        ),
    )
}

/// `/staff`: seen only by employees (the guard checked the affiliation).
pub(crate) fn staff(
    session: &FeideSession,
    facts: &feide_tower::authorization::FeideFacts,
) -> String {
    let affiliations: Vec<String> = facts.affiliations().iter().map(|a| escape(a)).collect();
    layout(
        "Staff page",
        &format!(
            "<h1>Staff page</h1><p id=\"staff\">Signed in as {} — affiliations <code id=\"affiliations\">{}</code>, {} groups.</p><nav><a href=\"/\">Home</a></nav>",
            escape(session.sub()),
            affiliations.join(", "),
            facts.groups().len()
        ),
    )
}
