//! The bridge between actix-web (which uses `http` 0.2 types) and feide-tower's core (which uses
//! `http` 1). This is all the glue an actix app needs: headers in, status/headers/body out.

use actix_web::HttpResponse;
use actix_web::http::StatusCode as ActixStatus;
use actix_web::http::header::{
    HeaderMap as ActixHeaders, HeaderName as ActixName, HeaderValue as ActixValue,
};
use bytes::Bytes;
use feide_tower::Answer;

/// Copies actix's request headers into an `http` 1 map (skipping any that do not convert).
pub fn request_headers(headers: &ActixHeaders) -> http::HeaderMap {
    let mut out = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(name, value);
        }
    }
    out
}

/// Appends `http` 1 headers to an actix response's headers.
pub fn append_headers<'a>(
    target: &mut ActixHeaders,
    headers: impl IntoIterator<Item = (&'a http::HeaderName, &'a http::HeaderValue)>,
) {
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            ActixName::from_bytes(name.as_str().as_bytes()),
            ActixValue::from_bytes(value.as_bytes()),
        ) {
            target.append(name, value);
        }
    }
}

/// Renders a status, headers and body as an actix response.
pub fn response(status: http::StatusCode, headers: &http::HeaderMap, body: Bytes) -> HttpResponse {
    let status =
        ActixStatus::from_u16(status.as_u16()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::with_body(status, body).map_into_boxed_body();
    append_headers(response.headers_mut(), headers);
    response
}

/// Any of feide-tower's answers as an actix response: a login-flow redirect or page (with its
/// cookies), or an RFC 6750 challenge (`challenge.answer()`): one plain type, one conversion.
pub fn answer(answer: Answer) -> HttpResponse {
    response(answer.status, &answer.headers, answer.body)
}
