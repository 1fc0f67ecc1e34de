//! `POST /oauth/introspect` (RFC 7662), behind [`FakeFeide::enable_introspection`](super::FakeFeide::enable_introspection).
//! Off by default (Feide has no introspection endpoint): discovery does not list it and it
//! answers 404.

use std::time::Instant;

use http::StatusCode;
use serde_json::json;

use super::client_auth;
use super::mint::now_unix;
use super::oauth_error::OAuthError;
use super::response::{self, Resp};
use super::server::Req;
use super::state::State;

/// The introspection endpoint's path.
pub(crate) const PATH: &str = "/oauth/introspect";

/// Introspection settings of one fake.
#[derive(Debug, Default, Clone)]
pub(crate) struct IntrospectionSettings {
    /// Whether the endpoint exists.
    pub(crate) enabled: bool,
    /// The `aud` of active answers; the token's client id when `None`.
    pub(crate) audience: Option<String>,
}

/// `POST /oauth/introspect`: client-authenticated; `{"active": false}` for unknown or expired
/// tokens, otherwise `active`, `sub`, `client_id`, `scope`, `exp`, `iat`, `iss`, `aud`.
pub(crate) fn introspect(state: &State, req: &Req) -> Resp {
    let inner = state.lock();
    if !inner.introspection.enabled {
        return response::empty(StatusCode::NOT_FOUND);
    }
    if req.method != http::Method::POST {
        let mut resp = response::empty(StatusCode::METHOD_NOT_ALLOWED);
        response::set_header(&mut resp, http::header::ALLOW, "POST");
        return resp;
    }
    let form = req.params();
    let presented = client_auth::presented(req, &form);
    if let Err(error) = client_auth::authenticate(&inner, presented) {
        return error.into_response();
    }
    let Some(token) = form.get("token") else {
        return OAuthError::invalid_request("token is required").into_response();
    };
    let Some(live) = inner.live_token(token) else {
        return response::json_no_store(StatusCode::OK, &json!({"active": false}));
    };
    let remaining = live.expires.saturating_duration_since(Instant::now());
    let now = now_unix();
    let sub = match &live.user_id {
        Some(id) => inner
            .find_user(id)
            .map_or_else(|| id.clone(), |u| u.sub.clone()),
        None => live.client_id.clone(),
    };
    let aud = inner
        .introspection
        .audience
        .clone()
        .unwrap_or_else(|| live.client_id.clone());
    let body = json!({
        "active": true,
        "token_type": "Bearer",
        "sub": sub,
        "client_id": live.client_id,
        "scope": live.scope,
        "iat": now,
        "exp": now + remaining.as_secs(),
        "iss": state.issuer,
        "aud": aud,
    });
    response::json_no_store(StatusCode::OK, &body)
}
