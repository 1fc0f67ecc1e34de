//! Building HTTP responses.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, PRAGMA};
use http::{Response, StatusCode};
use http_body_util::Full;
use serde_json::Value;

/// The response type of every handler.
pub(crate) type Resp = Response<Full<Bytes>>;

/// A status code from a number, 500 if it is not a valid status.
pub(crate) fn status_code(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A response with `status`, `content_type` and `body`.
pub(crate) fn with_body(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Resp {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    set_header(&mut resp, CONTENT_TYPE, content_type);
    resp
}

/// An empty response with `status`.
pub(crate) fn empty(status: StatusCode) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, body: &Value) -> Resp {
    with_body(status, "application/json", body.to_string())
}

/// A JSON response that must not be cached (token endpoint, RFC 6749 §5.1).
pub(crate) fn json_no_store(status: StatusCode, body: &Value) -> Resp {
    let mut resp = json(status, body);
    set_header(&mut resp, CACHE_CONTROL, "no-store");
    set_header(&mut resp, PRAGMA, "no-cache");
    resp
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, page: String) -> Resp {
    let mut resp = with_body(status, "text/html; charset=utf-8", page);
    set_header(&mut resp, CACHE_CONTROL, "no-store");
    resp
}

/// A `302 Found` redirect to `location`.
pub(crate) fn redirect(location: &str) -> Resp {
    let mut resp = empty(StatusCode::FOUND);
    set_header(&mut resp, LOCATION, location);
    set_header(&mut resp, CACHE_CONTROL, "no-store");
    resp
}

/// Sets header `name`; a value that is not a valid header value (it would
/// come from test-controlled input) is left out rather than panicking.
pub(crate) fn set_header(resp: &mut Resp, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// Appends `params` to `base` as a query (with `?` or `&`).
pub(crate) fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let query = ser.finish();
    if query.is_empty() {
        return base.to_string();
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{query}")
}
