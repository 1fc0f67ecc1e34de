//! Compact JWS encoding and verification with the fake's own keys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::keys::{self, FakeKey};

/// Signs `claims` under `header` with `key`; the header is used verbatim
/// (its `alg` is not checked against the key).
pub(crate) fn sign(header: &Value, claims: &Value, key: &FakeKey) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // Signing with a compiled-in key and its own algorithm cannot fail
    // unless the crypto backend itself is broken.
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key.encoding_key(), key.alg)
        .expect("signing with an embedded test key failed");
    format!("{message}.{signature}")
}

/// Verifies that `token` is a JWS signed by one of the fake's keys (RS256 or
/// ES256, any key, published or not) and returns its claims object. Expiry
/// and audience are the caller's business.
pub(crate) fn verify(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let alg = header.get("alg")?.as_str()?;
    let candidates: Vec<&FakeKey> = match header.get("kid").and_then(Value::as_str) {
        Some(kid) => keys::by_kid(kid).into_iter().collect(),
        None => keys::all().iter().collect(),
    };
    let message = format!("{h}.{c}");
    let verified = candidates.into_iter().any(|key| {
        key.alg_name() == alg
            && jsonwebtoken::crypto::verify(s, message.as_bytes(), key.decoding_key(), key.alg)
                .unwrap_or(false)
    });
    if !verified {
        return None;
    }
    match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// The audiences in claim `aud` (a string or an array of strings).
pub(crate) fn audiences(claims: &serde_json::Map<String, Value>) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}
