//! Refresh tokens (RFC 6749 §6), off by default as at Feide, which issues none.
//!
//! When switched on, the authorization-code grant also returns a `refresh_token`, and the
//! `refresh_token` grant redeems it once: each use **rotates** it (the answer carries a new one
//! and the presented one is gone, so a replay answers `invalid_grant`).

use serde_json::{Value, json};

use super::client::FakeClient;
use super::oauth_error::OAuthError;
use super::params::Params;
use super::state::{Inner, random_token};

/// What a live refresh token stands for.
#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) scope: String,
}

impl Inner {
    /// Issues a refresh token for `user_id` and `scope` to `client_id`.
    pub(crate) fn issue_refresh_token(
        &mut self,
        client_id: &str,
        user_id: &str,
        scope: &str,
    ) -> String {
        let token = random_token();
        self.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                user_id: user_id.to_owned(),
                scope: scope.to_owned(),
            },
        );
        token
    }
}

/// `grant_type=refresh_token`: a new access token and a new refresh token; the presented
/// refresh token stops working.
pub(crate) fn refresh(
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
    let refresh_token = inner.issue_refresh_token(&client.client_id, &grant.user_id, &grant.scope);
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": inner.access_token_lifetime.as_secs(),
        "scope": scope,
        "refresh_token": refresh_token,
    }))
}
