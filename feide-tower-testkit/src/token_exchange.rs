//! RFC 8693 token exchange, in Feide's two patterns:
//!
//! (a) a login client exchanges its opaque access token for a JWT access
//!     token toward a data source (`audience` = the data source);
//! (b) a data source exchanges such a JWT for an opaque access token to
//!     Feide's own APIs (`audience` = the issuer).

use serde_json::{Value, json};

use super::client::FakeClient;
use super::jwt;
use super::keys;
use super::mint::{self, now_unix};
use super::oauth_error::OAuthError;
use super::params::Params;
use super::state::{Inner, State};

/// The token-exchange grant type.
pub(crate) const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Token type of opaque access tokens.
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// Token type of JWTs.
const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// Dispatches on `subject_token_type` / `requested_token_type`.
pub(crate) fn exchange(
    state: &State,
    inner: &mut Inner,
    client: &FakeClient,
    p: &Params,
) -> Result<Value, OAuthError> {
    let subject_token = p
        .get("subject_token")
        .ok_or_else(|| OAuthError::invalid_request("subject_token is required"))?;
    if p.has("actor_token") || p.has("actor_token_type") {
        return Err(OAuthError::invalid_request(
            "actor tokens are not supported",
        ));
    }
    let requested = p.get("requested_token_type");
    match (p.get("subject_token_type"), requested) {
        (None, _) => Err(OAuthError::invalid_request(
            "subject_token_type is required",
        )),
        (Some(ACCESS_TOKEN_TYPE), None) => to_datasource(state, inner, client, p, subject_token),
        (Some(ACCESS_TOKEN_TYPE), Some(_)) => Err(OAuthError::invalid_request(
            "requested_token_type must be omitted when exchanging an access token",
        )),
        (Some(JWT_TYPE), Some(ACCESS_TOKEN_TYPE)) => {
            to_feide_apis(state, inner, client, p, subject_token)
        }
        (Some(JWT_TYPE), None) => Err(OAuthError::invalid_request(
            "requested_token_type is required when exchanging a JWT",
        )),
        (Some(JWT_TYPE), Some(_)) => Err(OAuthError::invalid_request(
            "requested_token_type must be urn:ietf:params:oauth:token-type:access_token",
        )),
        (Some(_), _) => Err(OAuthError::invalid_request(
            "unsupported subject_token_type",
        )),
    }
}

/// Pattern (a): opaque login token -> data-source JWT.
fn to_datasource(
    state: &State,
    inner: &mut Inner,
    client: &FakeClient,
    p: &Params,
    subject_token: &str,
) -> Result<Value, OAuthError> {
    let audience = p
        .get("audience")
        .ok_or_else(|| OAuthError::invalid_request("audience is required"))?;
    let subject = inner
        .live_token(subject_token)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("unknown or expired subject_token"))?;
    if subject.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the subject_token was issued to another client",
        ));
    }
    let datasource = inner
        .datasource(audience)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_target(format!("unknown audience {audience}")))?;
    let user = subject
        .user_id
        .as_deref()
        .and_then(|id| inner.find_user(id))
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("the subject_token has no user"))?;
    let scope = match p.get("scope") {
        None => datasource.scopes.join(" "),
        Some(requested) => {
            let scopes: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
            if let Some(bad) = scopes
                .iter()
                .find(|s| !datasource.scopes.iter().any(|d| d == *s))
            {
                return Err(OAuthError::invalid_scope(format!(
                    "scope {bad} is not defined by the data source"
                )));
            }
            scopes.join(" ")
        }
    };
    let lifetime = inner.access_token_lifetime;
    let claims = mint::datasource_claims(
        &state.issuer,
        audience,
        &user,
        &client.client_id,
        &scope,
        lifetime,
    );
    let key = keys::by_kid(inner.signing_kid).unwrap_or(&keys::all()[0]);
    Ok(json!({
        "access_token": jwt::sign(&mint::header_for(key), &claims, key),
        "issued_token_type": JWT_TYPE,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "scope": scope,
    }))
}

/// Pattern (b): data-source JWT -> opaque token for Feide's APIs.
fn to_feide_apis(
    state: &State,
    inner: &mut Inner,
    client: &FakeClient,
    p: &Params,
    subject_token: &str,
) -> Result<Value, OAuthError> {
    match p.get("audience") {
        None => return Err(OAuthError::invalid_request("audience is required")),
        Some(a) if a != state.issuer => {
            return Err(OAuthError::invalid_target(format!(
                "audience must be {}",
                state.issuer
            )));
        }
        Some(_) => {}
    }
    if client.datasources.is_empty() {
        return Err(OAuthError::unauthorized_client(
            "the client owns no data source",
        ));
    }
    let claims = jwt::verify(subject_token)
        .ok_or_else(|| OAuthError::invalid_grant("the subject_token is not signed by Feide"))?;
    if claims.get("iss").and_then(Value::as_str) != Some(state.issuer.as_str()) {
        return Err(OAuthError::invalid_grant(
            "the subject_token has the wrong issuer",
        ));
    }
    let unexpired = claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_some_and(|exp| exp > now_unix());
    if !unexpired {
        return Err(OAuthError::invalid_grant("the subject_token has expired"));
    }
    let owned = jwt::audiences(&claims)
        .iter()
        .any(|aud| client.datasources.iter().any(|d| &d.audience == aud));
    if !owned {
        return Err(OAuthError::invalid_grant(
            "the subject_token was not issued for a data source of this client",
        ));
    }
    let user = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|sub| inner.user_by_sub(sub))
        .map(|u| u.id.clone())
        .ok_or_else(|| OAuthError::invalid_grant("the subject_token's user is unknown"))?;
    let scope = p.get("scope").unwrap_or_default().to_string();
    let access_token = inner.issue_token(&client.client_id, Some(&user), &scope);
    Ok(json!({
        "access_token": access_token,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": inner.access_token_lifetime.as_secs(),
        "scope": scope,
    }))
}
