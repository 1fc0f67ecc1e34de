//! The token endpoint: recording, client authentication, and the
//! `authorization_code` and `client_credentials` grants (token exchange is in
//! `token_exchange`, refresh tokens in `refresh`).

use std::time::Instant;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::client::FakeClient;
use super::client_auth;
use super::mint::{self, has_scope};
use super::oauth_error::OAuthError;
use super::params::{Params, is_valid_scope};
use super::refresh::{self, RefreshGrant};
use super::response::{self, Resp};
use super::server::Req;
use super::state::{Inner, State};
use super::token_exchange::{self, TOKEN_EXCHANGE};
use super::token_request::TokenRequest;

/// Records the request for [`FakeFeide::token_requests`](super::FakeFeide::token_requests).
pub(crate) fn record(state: &State, req: &Req) {
    let form = Params::parse(&req.body);
    let presented = client_auth::presented(req, &form);
    let record = TokenRequest::new(form.pairs(), presented.method, presented.client_id);
    state.lock().token_requests.push(record);
}

/// `POST /oauth/token`.
pub(crate) fn token(state: &State, req: &Req) -> Resp {
    match grant(state, req) {
        Ok(mut body) => {
            if let Some(expires_in) = state.lock().expires_in_override.clone() {
                body["expires_in"] = expires_in;
            }
            response::json_no_store(StatusCode::OK, &body)
        }
        Err(error) => error.into_response(),
    }
}

fn grant(state: &State, req: &Req) -> Result<Value, OAuthError> {
    let is_form = req
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let p = Params::parse(&req.body);
    let presented = client_auth::presented(req, &p);
    let mut inner = state.lock();
    let client = client_auth::authenticate(&inner, presented)?;
    if let Some(name) = p.repeated() {
        return Err(OAuthError::invalid_request(format!(
            "parameter {name} is repeated"
        )));
    }
    let grant_type = p
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    // The authorization-code grant takes no scope (a certified provider ignores one).
    if grant_type != "authorization_code" && p.get("scope").is_some_and(|s| !is_valid_scope(s)) {
        return Err(OAuthError::invalid_scope(
            "scope contains invalid characters",
        ));
    }
    tracing::debug!(client = %client.client_id, grant_type, "fakefeide: token request");
    match grant_type {
        "authorization_code" => authorization_code(state, &mut inner, &client, &p),
        "client_credentials" => client_credentials(&mut inner, &client, &p),
        TOKEN_EXCHANGE => token_exchange::exchange(state, &mut inner, &client, &p),
        "refresh_token" => refresh::refresh(state, &mut inner, &client, &p),
        _ => Err(OAuthError::unsupported_grant_type(
            "supported: authorization_code, client_credentials, token-exchange",
        )),
    }
}

fn authorization_code(
    state: &State,
    inner: &mut Inner,
    client: &FakeClient,
    p: &Params,
) -> Result<Value, OAuthError> {
    let required = |name| {
        p.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    };
    let code = required("code")?;
    let redirect_uri = required("redirect_uri")?;
    let verifier = required("code_verifier")?;
    let Some(grant) = inner.codes.remove(code) else {
        if let Some(token) = inner.redeemed.get(code).cloned() {
            // RFC 6749 §4.1.2: revoke what the first use produced.
            inner.tokens.remove(&token);
            return Err(OAuthError::invalid_grant(
                "the authorization code has already been used",
            ));
        }
        return Err(OAuthError::invalid_grant(
            "unknown or expired authorization code",
        ));
    };
    let req = &grant.request;
    if req.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if Instant::now() >= grant.expires {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    if req.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return Err(OAuthError::invalid_grant("code_verifier is malformed"));
    }
    let computed =
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref());
    if computed != req.code_challenge {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    let user = inner
        .find_user(&grant.user_id)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("the user no longer exists"))?;
    let access_token = inner.issue_token(&client.client_id, Some(&user.id), &req.scope);
    inner
        .redeemed
        .insert(code.to_string(), access_token.clone());
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": inner.access_token_lifetime.as_secs(),
        "scope": req.scope,
    });
    if inner.refresh_enabled {
        body["refresh_token"] = json!(inner.issue_refresh_token(RefreshGrant {
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            scope: req.scope.clone(),
            acr: req.acr.clone(),
            auth_time: grant.auth_time,
            sid: grant.sid.clone(),
        }));
    }
    if has_scope(&req.scope, "openid") {
        let mut claims =
            mint::id_token_claims(&state.issuer, &grant, &user, state.id_token_lifetime);
        inner.sign_in.change_id_token(&mut claims);
        body["id_token"] = json!(super::signing::sign_id_token(
            inner,
            &claims,
            &client.client_secret
        ));
        if let Some(sid) = &grant.sid {
            inner.logout.joined(sid, &client.client_id);
        }
    }
    Ok(body)
}

fn client_credentials(
    inner: &mut Inner,
    client: &FakeClient,
    p: &Params,
) -> Result<Value, OAuthError> {
    let scope = p.get("scope").unwrap_or_default();
    let access_token = inner.issue_token(&client.client_id, None, scope);
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": inner.access_token_lifetime.as_secs(),
    });
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    Ok(body)
}
