//! The signed client assertion of `private_key_jwt` (RFC 7523 §2.2 and §3, OpenID Connect Core
//! §9): `iss` = `sub` = the client id, `aud` = the issuer (or the configured audience), `iat`,
//! `exp` = `iat` + 60 s, a random `jti`; header `alg`, `kid`, `typ: JWT`.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::client_key::{ClientKey, ClientKeyError};
use crate::secret::Secret;

/// The `client_assertion_type` of a JWT client assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid.
pub(crate) const LIFETIME_SECS: u64 = 60;

/// A fresh assertion for `client_id`, addressed to `audience`. A new `jti` every call: the
/// provider refuses a replayed one.
pub(crate) fn client_assertion(
    key: &ClientKey,
    client_id: &str,
    audience: &str,
) -> Result<Secret, ClientKeyError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut jti = [0u8; 18];
    aws_lc_rs::rand::fill(&mut jti).map_err(|_| ClientKeyError::Invalid("no randomness"))?;
    let header = json!({"alg": key.algorithm().as_str(), "kid": key.kid(), "typ": "JWT"});
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now.saturating_add(LIFETIME_SECS),
        "jti": URL_SAFE_NO_PAD.encode(jti),
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(Secret::new(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}
