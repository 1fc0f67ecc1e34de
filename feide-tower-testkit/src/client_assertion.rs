//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OpenID Connect Core §9): a
//! client that registered public keys ([`FakeClient::jwks`](super::FakeClient::jwks)) sends
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and a signed
//! `client_assertion`, verified fully: signature with one of its keys (RS256, PS256, ES256),
//! `iss` = `sub` = the client id, `aud` = the issuer or the token endpoint, `exp` not passed and
//! at most five minutes ahead, a `jti` never seen before.

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use super::client::FakeClient;
use super::oauth_error::OAuthError;

/// The `client_assertion_type` of RFC 7523.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The furthest in the future an assertion's `exp` may be.
const MAX_LIFETIME_SECS: u64 = 300;

/// Allowed clock skew.
const LEEWAY_SECS: u64 = 5;

/// What the fake remembers about assertions: its issuer, the extra audiences it accepts and the
/// `jti`s seen (until they expire).
#[derive(Default)]
pub(crate) struct AssertionState {
    pub(crate) issuer: String,
    /// More accepted audiences than the issuer and its token endpoint (e.g. the PAR endpoint).
    pub(crate) extra_audiences: Vec<String>,
    seen: Mutex<HashMap<String, u64>>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The unverified `sub` (or `iss`) of an assertion, to find the client when the form has no
/// `client_id`.
pub(crate) fn claimed_client(assertion: &str) -> Option<String> {
    let claims = assertion.split('.').nth(1)?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    claims
        .get("sub")
        .or_else(|| claims.get("iss"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Verifies `assertion` as `client`'s; every failure is `invalid_client`.
pub(crate) fn verify(
    state: &AssertionState,
    client: &FakeClient,
    assertion: &str,
) -> Result<(), OAuthError> {
    let refuse = |why: &str| OAuthError::invalid_client(format!("client assertion refused: {why}"));
    if client.jwks.is_empty() {
        return Err(refuse("the client registered no keys"));
    }
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| refuse("malformed"))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256
    ) {
        return Err(refuse("algorithm not allowed"));
    }
    let candidates: Vec<&Value> = client
        .jwks
        .iter()
        .filter(
            |jwk| match (&header.kid, jwk.get("kid").and_then(Value::as_str)) {
                (Some(kid), Some(registered)) => kid == registered,
                (Some(_), None) => true,
                (None, _) => client.jwks.len() == 1,
            },
        )
        // A JWK that names its algorithm verifies only that one (as oidc-provider does).
        .filter(|jwk| {
            jwk.get("alg")
                .and_then(Value::as_str)
                .is_none_or(|alg| Algorithm::from_str(alg).ok() == Some(header.alg))
        })
        .collect();
    let mut audiences = vec![
        state.issuer.clone(),
        format!("{}/oauth/token", state.issuer),
    ];
    audiences.extend(state.extra_audiences.iter().cloned());
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&audiences);
    validation.set_issuer(&[&client.client_id]);
    validation.sub = Some(client.client_id.clone());
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.leeway = LEEWAY_SECS;
    let mut claims = None;
    for jwk in candidates {
        let Ok(jwk) = serde_json::from_value::<Jwk>(jwk.clone()) else {
            continue;
        };
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        if let Ok(data) = jsonwebtoken::decode::<Map<String, Value>>(assertion, &key, &validation) {
            claims = Some(data.claims);
            break;
        }
    }
    let claims = claims.ok_or_else(|| refuse("no registered key verifies it"))?;
    let now = now();
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp > now.saturating_add(MAX_LIFETIME_SECS) {
        return Err(refuse("exp is too far in the future"));
    }
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty())
        .ok_or_else(|| refuse("no jti"))?;
    let mut seen = state.seen.lock().unwrap_or_else(PoisonError::into_inner);
    seen.retain(|_, until| *until >= now);
    let key = format!("{}\u{0}{jti}", client.client_id);
    if seen.contains_key(&key) {
        return Err(refuse("jti replayed"));
    }
    seen.insert(key, exp.saturating_add(LEEWAY_SECS));
    Ok(())
}
