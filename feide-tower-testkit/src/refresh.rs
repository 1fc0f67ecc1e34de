//! Refresh tokens (RFC 6749 §6), off by default as at Feide, which issues none.
//!
//! When switched on, the authorization-code grant also returns a `refresh_token`, and the
//! `refresh_token` grant redeems it once: each use **rotates** it (the answer carries a new one
//! and the presented one is gone, so a replay answers `invalid_grant`). The answer carries an
//! ID token only when a test asks for one ([`FakeFeide::set_refresh_id_token`]), possibly a
//! misbehaving one.
//!
//! [`FakeFeide::set_refresh_id_token`]: super::FakeFeide::set_refresh_id_token

use serde_json::{Value, json};

use super::client::FakeClient;
use super::jwt;
use super::keys;
use super::mint::{self, has_scope};
use super::oauth_error::OAuthError;
use super::params::Params;
use super::state::{Inner, State, random_token};

/// What a live refresh token stands for: the login it came from.
#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) scope: String,
    /// The `acr` of the login.
    pub(crate) acr: Option<String>,
    /// When the user authenticated at the login.
    pub(crate) auth_time: u64,
    /// The login's provider session (only when a logout switch was on).
    pub(crate) sid: Option<String>,
}

impl Inner {
    /// Issues a refresh token for `grant`.
    pub(crate) fn issue_refresh_token(&mut self, grant: RefreshGrant) -> String {
        let token = random_token();
        self.refresh_tokens.insert(token.clone(), grant);
        token
    }
}

/// The ID token of a refresh answer, if a test asked for one: the login's claims (no `nonce`),
/// fresh times, then the test's overrides (`null` removes a claim).
fn id_token(state: &State, inner: &Inner, grant: &RefreshGrant) -> Option<String> {
    let overrides = inner.refresh_id_token.as_ref()?;
    if !has_scope(&grant.scope, "openid") {
        return None;
    }
    let user = inner.find_user(&grant.user_id)?;
    let mut claims = mint::user_id_token_claims(
        &state.issuer,
        &grant.client_id,
        &grant.scope,
        user,
        grant.auth_time,
        state.id_token_lifetime,
    );
    if let Some(acr) = &grant.acr {
        claims["acr"] = json!(acr);
    }
    if let Some(sid) = &grant.sid {
        claims["sid"] = json!(sid);
    }
    if let Value::Object(map) = &mut claims {
        for (name, value) in overrides {
            match value {
                Value::Null => map.remove(name),
                _ => map.insert(name.clone(), value.clone()),
            };
        }
    }
    let key = keys::by_kid(inner.signing_kid).unwrap_or(&keys::all()[0]);
    Some(jwt::sign(&mint::header_for(key), &claims, key))
}

/// `grant_type=refresh_token`: a new access token and a new refresh token; the presented
/// refresh token stops working.
pub(crate) fn refresh(
    state: &State,
    inner: &mut Inner,
    client: &FakeClient,
    p: &Params,
) -> Result<Value, OAuthError> {
    if !inner.refresh_enabled {
        return Err(OAuthError::unsupported_grant_type(
            "supported: authorization_code, client_credentials, token-exchange",
        ));
    }
    let presented = p
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let grant = match inner.refresh_tokens.get(presented) {
        None => {
            return Err(OAuthError::invalid_grant(
                "unknown, used or revoked refresh token",
            ));
        }
        Some(grant) if grant.client_id != client.client_id => {
            return Err(OAuthError::invalid_grant(
                "the refresh token was issued to another client",
            ));
        }
        Some(grant) => grant.clone(),
    };
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
    let scope = match p.get("scope") {
        None => grant.scope.clone(),
        Some(requested) => {
            let granted: Vec<&str> = grant.scope.split(' ').collect();
            if let Some(bad) = requested
                .split(' ')
                .filter(|s| !s.is_empty())
                .find(|s| !granted.contains(s))
            {
                return Err(OAuthError::invalid_scope(format!(
                    "scope {bad} was not granted originally"
                )));
            }
            requested.to_owned()
        }
    };
    if inner.find_user(&grant.user_id).is_none() {
        return Err(OAuthError::invalid_grant("the user no longer exists"));
    }
    inner.refresh_tokens.remove(presented);
    let access_token = inner.issue_token(&client.client_id, Some(&grant.user_id), &scope);
    let id_token = id_token(state, inner, &grant);
    let refresh_token = inner.issue_refresh_token(grant);
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": inner.access_token_lifetime.as_secs(),
        "scope": scope,
        "refresh_token": refresh_token,
    });
    if let Some(id_token) = id_token {
        body["id_token"] = json!(id_token);
    }
    Ok(body)
}
