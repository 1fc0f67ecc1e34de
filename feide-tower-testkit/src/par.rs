//! Pushed Authorization Requests (RFC 9126), behind a switch: `POST /oauth/par` takes the
//! authorization parameters from an authenticated client and answers a single-use, short-lived
//! `request_uri`; the authorization endpoint then accepts `client_id` + `request_uri` instead of
//! the parameters. With the "required" switch, the authorization endpoint refuses anything else.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::json;

use super::client_auth;
use super::html;
use super::oauth_error::OAuthError;
use super::params::Params;
use super::response::{self, Resp};
use super::server::Req;
use super::state::{Inner, State, random_token};

/// The path of the PAR endpoint.
pub(crate) const PATH: &str = "/oauth/par";

/// How long a `request_uri` can be used.
pub(crate) const LIFETIME: Duration = Duration::from_secs(60);

const URN_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// The switches and the pushed requests not used yet.
#[derive(Default)]
pub(crate) struct ParState {
    pub(crate) enabled: bool,
    pub(crate) required: bool,
    pushed: HashMap<String, (String, Params, Instant)>,
    /// Requests accepted, for tests.
    pub(crate) pushed_count: usize,
}

/// `POST /oauth/par`.
pub(crate) fn push(state: &State, req: &Req) -> Resp {
    let mut inner = state.lock();
    if !inner.par.enabled {
        return response::empty(StatusCode::NOT_FOUND);
    }
    if req.method != http::Method::POST {
        let mut resp = response::empty(StatusCode::METHOD_NOT_ALLOWED);
        response::set_header(&mut resp, http::header::ALLOW, "POST");
        return resp;
    }
    let form = Params::parse(&req.body);
    let presented = client_auth::presented(req, &form);
    let client = match client_auth::authenticate(&inner, presented) {
        Ok(client) => client,
        Err(error) => return error.into_response(),
    };
    match check(&form, &client.client_id, &client.redirect_uris) {
        Ok(()) => {}
        Err(error) => return error.into_response(),
    }
    let request_uri = format!("{URN_PREFIX}{}", random_token());
    let now = Instant::now();
    inner.par.pushed.retain(|_, (_, _, until)| *until > now);
    // The pushed parameters, without the client authentication.
    let kept = form
        .pairs()
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "client_secret" | "client_assertion" | "client_assertion_type"
            )
        })
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    inner.par.pushed.insert(
        request_uri.clone(),
        (
            client.client_id.clone(),
            Params::parse(kept.as_bytes()),
            now + LIFETIME,
        ),
    );
    inner.par.pushed_count += 1;
    response::json_no_store(
        StatusCode::CREATED,
        &json!({"request_uri": request_uri, "expires_in": LIFETIME.as_secs()}),
    )
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// RFC 9126 §2.1: the pushed request is for the authenticated client, has no `request_uri`,
/// and a registered redirect URI.
fn check(form: &Params, client_id: &str, redirect_uris: &[String]) -> Result<(), OAuthError> {
    if let Some(name) = form.repeated() {
        return Err(OAuthError::invalid_request(format!(
            "parameter {name} is repeated"
        )));
    }
    if form.get("client_id").is_some_and(|id| id != client_id) {
        return Err(OAuthError::invalid_request(
            "client_id is not the authenticated client",
        ));
    }
    if form.has("request_uri") {
        return Err(OAuthError::invalid_request(
            "request_uri is not allowed in a pushed request",
        ));
    }
    match form.get("redirect_uri") {
        Some(uri) if redirect_uris.iter().any(|u| u == uri) => Ok(()),
        Some(_) => Err(OAuthError::invalid_request(
            "redirect_uri is not registered for the client",
        )),
        None => Err(OAuthError::invalid_request("redirect_uri is required")),
    }
}

/// The parameters of an authorization request: the pushed ones for a `request_uri` (used up,
/// and only by the client that pushed them), else the request's own unless PAR is required.
pub(crate) fn authorization_params(inner: &mut Inner, p: Params) -> Result<Params, Box<Resp>> {
    let Some(request_uri) = p.get("request_uri") else {
        if inner.par.required {
            return Err(Box::new(bad_request(
                "This provider requires pushed authorization requests (request_uri).",
            )));
        }
        return Ok(p);
    };
    let pushed = inner
        .par
        .pushed
        .remove(request_uri)
        .filter(|(_, _, until)| Instant::now() < *until);
    match pushed {
        Some((client_id, params, _)) if p.get("client_id") == Some(client_id.as_str()) => {
            Ok(params)
        }
        Some(_) => Err(Box::new(bad_request(
            "The request_uri belongs to another client.",
        ))),
        None => Err(Box::new(bad_request(
            "The request_uri is unknown, used or expired.",
        ))),
    }
}

fn bad_request(message: &str) -> Resp {
    response::html(StatusCode::BAD_REQUEST, html::error_page(message))
}
