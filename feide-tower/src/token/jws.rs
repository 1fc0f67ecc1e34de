//! The compact JWS form: split, decode the header, check the signature. Nothing here trusts the
//! token: the algorithm comes from the allow-list and the key from the key set.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::algorithm::Algorithm;
use super::error::TokenError;

/// The decoded JOSE header fields feide-tower looks at.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
}

/// A compact JWS split into its parts; the signature is not yet checked.
pub(crate) struct Compact<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) payload_b64: &'a str,
    pub(crate) signature: Vec<u8>,
    pub(crate) header: Header,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<serde_json::Value>,
    kid: Option<serde_json::Value>,
    // Headers that would let the token choose its own key or demand semantics we do not
    // implement. Their mere presence rejects the token.
    jku: Option<serde_json::Value>,
    x5u: Option<serde_json::Value>,
    jwk: Option<serde_json::Value>,
    crit: Option<serde_json::Value>,
    #[serde(default)]
    zip: Option<serde_json::Value>,
}

/// Splits and decodes a compact JWS, checking the header against the allow-list.
pub(crate) fn parse<'a>(token: &'a str, allowed: &[Algorithm]) -> Result<Compact<'a>, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    if h.is_empty() || p.is_empty() {
        return Err(TokenError::Malformed);
    }
    let header_bytes = URL_SAFE_NO_PAD
        .decode(h)
        .map_err(|_| TokenError::Malformed)?;
    let raw: RawHeader =
        serde_json::from_slice(&header_bytes).map_err(|_| TokenError::Malformed)?;
    for (name, present) in [
        ("jku", raw.jku.is_some()),
        ("x5u", raw.x5u.is_some()),
        ("jwk", raw.jwk.is_some()),
        ("crit", raw.crit.is_some()),
        ("zip", raw.zip.is_some()),
    ] {
        if present {
            return Err(TokenError::ForbiddenHeader(name));
        }
    }
    let alg = match raw.alg {
        Some(serde_json::Value::String(name)) => Algorithm::from_name(&name)
            .filter(|a| allowed.contains(a))
            .ok_or(TokenError::AlgorithmNotAllowed)?,
        _ => return Err(TokenError::AlgorithmNotAllowed),
    };
    let kid = match raw.kid {
        None => None,
        Some(serde_json::Value::String(kid)) => Some(kid),
        Some(_) => return Err(TokenError::Malformed),
    };
    // An empty signature is what `alg: none` tokens carry; it can never verify.
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| TokenError::Malformed)?;
    if signature.is_empty() {
        return Err(TokenError::InvalidSignature);
    }
    Ok(Compact {
        signing_input: &token[..h.len() + 1 + p.len()],
        payload_b64: p,
        signature,
        header: Header { alg, kid },
    })
}

/// Decodes the (already verified) payload segment.
pub(crate) fn payload(compact: &Compact<'_>) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(compact.payload_b64)
        .map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    fn token(header: &str) -> String {
        format!("{}.{}.{}", enc(header), enc("{}"), enc("sig"))
    }

    #[test]
    fn segment_counts() {
        for t in ["", "a", "a.b", "a.b.c.d", ".b.c", "a..c"] {
            assert!(
                matches!(parse(t, &[Algorithm::RS256]), Err(TokenError::Malformed)),
                "{t}"
            );
        }
    }

    #[test]
    fn header_rules() {
        let allowed = [Algorithm::RS256];
        let cases = [
            (r#"{"alg":"none"}"#, TokenError::AlgorithmNotAllowed),
            (r#"{"alg":"HS256"}"#, TokenError::AlgorithmNotAllowed),
            (r#"{"alg":"ES256"}"#, TokenError::AlgorithmNotAllowed),
            (r#"{"alg":7}"#, TokenError::AlgorithmNotAllowed),
            (r#"{}"#, TokenError::AlgorithmNotAllowed),
            (
                r#"{"alg":"RS256","jku":"https://evil"}"#,
                TokenError::ForbiddenHeader("jku"),
            ),
            (
                r#"{"alg":"RS256","x5u":"https://evil"}"#,
                TokenError::ForbiddenHeader("x5u"),
            ),
            (
                r#"{"alg":"RS256","jwk":{}}"#,
                TokenError::ForbiddenHeader("jwk"),
            ),
            (
                r#"{"alg":"RS256","crit":["exp"]}"#,
                TokenError::ForbiddenHeader("crit"),
            ),
            (r#"{"alg":"RS256","kid":1}"#, TokenError::Malformed),
            (r#"[1]"#, TokenError::Malformed),
        ];
        for (header, expected) in cases {
            let err = parse(&token(header), &allowed).err();
            assert_eq!(err, Some(expected), "{header}");
        }
        let good = token(r#"{"alg":"RS256","kid":"k"}"#);
        let ok = parse(&good, &allowed).unwrap();
        assert_eq!(ok.header.kid.as_deref(), Some("k"));
    }

    #[test]
    fn empty_signature_never_verifies() {
        let t = format!("{}.{}.", enc(r#"{"alg":"RS256"}"#), enc("{}"));
        assert_eq!(
            parse(&t, &[Algorithm::RS256]).err(),
            Some(TokenError::InvalidSignature)
        );
    }
}
