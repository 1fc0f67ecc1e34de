//! Protocol values as types, never bare strings: state, nonce and the PKCE verifier.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// 32 random bytes from the system CSPRNG, base64url (43 characters).
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random generator failing is unrecoverable: no safe login can be started without it.
    aws_lc_rs::rand::fill(&mut bytes).expect("system random number generator unavailable");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` looks like one of our random tokens (43 base64url characters). Used before a
/// value from the network becomes part of a cookie name.
pub(crate) fn is_token_shaped(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The OAuth `state`: binds the callback to the browser that started the login (CSRF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsrfState(String);

impl CsrfState {
    pub(crate) fn random() -> Self {
        Self(random_token())
    }

    /// Accepts a `state` from the callback only if it has our shape.
    pub(crate) fn from_callback(s: &str) -> Option<Self> {
        is_token_shaped(s).then(|| Self(s.to_owned()))
    }

    /// The value sent to the provider.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The OpenID Connect `nonce`: binds the ID token to this login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Nonce(String);

impl Nonce {
    pub(crate) fn random() -> Self {
        Self(random_token())
    }

    /// The value sent to the provider.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with the ID token's `nonce`.
    pub(crate) fn matches(&self, claimed: Option<&str>) -> bool {
        claimed.is_some_and(|c| {
            aws_lc_rs::constant_time::verify_slices_are_equal(c.as_bytes(), self.0.as_bytes())
                .is_ok()
        })
    }
}

/// The PKCE code verifier (RFC 7636): 32 random bytes, sent only to the token endpoint.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct PkceVerifier(String);

impl std::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PkceVerifier(<redacted>)")
    }
}

impl PkceVerifier {
    pub(crate) fn random() -> Self {
        Self(random_token())
    }

    /// The S256 challenge: `BASE64URL(SHA256(verifier))`.
    pub(crate) fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            self.0.as_bytes(),
        ))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_challenge() {
        let v = PkceVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn random_values_are_43_chars_and_distinct() {
        let (a, b) = (CsrfState::random(), CsrfState::random());
        assert!(is_token_shaped(a.as_str()) && a != b);
        assert!(CsrfState::from_callback("short").is_none());
        assert!(CsrfState::from_callback(&format!("{}\r", &a.as_str()[..42])).is_none());
    }

    #[test]
    fn nonce_comparison() {
        let n = Nonce::random();
        assert!(n.matches(Some(n.as_str())));
        assert!(!n.matches(Some("other")));
        assert!(!n.matches(None));
    }
}
