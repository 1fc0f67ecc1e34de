//! The fake's HTML pages: login, errors and signed out. Inline CSS only, no
//! external assets, every interpolated value escaped.

use super::user::FakeUser;

/// Escapes `s` for HTML text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f2f4f7;color:#1c1c1c;margin:0}\
main{max-width:26rem;margin:4rem auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}\
h1{font-size:1.4rem;margin:0 0 .25rem}\
p{margin:.5rem 0 1rem;color:#444}\
.badge{display:inline-block;font-size:.75rem;background:#fde68a;color:#713f12;border-radius:4px;padding:.1rem .4rem;margin-bottom:1rem}\
form{margin:0}\
button{display:block;width:100%;text-align:left;font:inherit;border:1px solid #c7cdd6;background:#fff;border-radius:6px;padding:.7rem 1rem;margin:.5rem 0;cursor:pointer}\
button:hover,button:focus{border-color:#1f4698;background:#eef3fc}\
button small{display:block;color:#666}\
button.cancel{text-align:center;color:#8a1c1c;border-color:#e3b4b4}\
code{background:#f2f4f7;padding:0 .2rem;border-radius:3px}";

/// A complete page with `title` and `body` (already HTML).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\
<body><main><span class=\"badge\">FakeFeide &middot; test login</span>{body}</main></body></html>\n",
        title = escape(title),
    )
}

/// The interactive login page: one button per user, and Cancel.
pub(crate) fn login_page(client_id: &str, request_id: &str, users: &[FakeUser]) -> String {
    let mut buttons = String::new();
    for u in users {
        buttons.push_str(&format!(
            "<button type=\"submit\" name=\"user\" value=\"{id}\">{name}<small>{eppn}</small></button>",
            id = escape(&u.id),
            name = escape(&u.name),
            eppn = escape(&u.eppn),
        ));
    }
    let body = format!(
        "<h1>Log in with Feide</h1>\
<p>Choose a test user for <code>{client}</code>.</p>\
<form method=\"post\" action=\"/oauth/authorization/decision\">\
<input type=\"hidden\" name=\"request_id\" value=\"{rid}\">{buttons}\
<button type=\"submit\" name=\"cancel\" value=\"1\" class=\"cancel\">Cancel</button>\
</form>",
        client = escape(client_id),
        rid = escape(request_id),
    );
    page("Log in with Feide", &body)
}

/// An error page with a short `message`.
pub(crate) fn error_page(message: &str) -> String {
    let body = format!("<h1>Something went wrong</h1><p>{}</p>", escape(message));
    page("Error", &body)
}
