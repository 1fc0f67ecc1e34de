//! Why a token was refused. Each reason is its own variant so that layers can answer precisely
//! and tests can assert the reason. No variant carries any part of the token.

use super::scope::Scopes;

/// A token was refused. `Display` never contains the token or any value taken from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Larger than the configured limit (default 16 KiB); not even parsed.
    #[error("the token is larger than {limit} bytes")]
    TooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// Not three base64url segments with a JSON header and a JSON object payload.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// `alg` missing, `none`, symmetric, or not in the validator's allow-list.
    #[error("the token's algorithm is not allowed")]
    AlgorithmNotAllowed,
    /// The header carries a parameter we refuse (`jku`, `x5u`, `jwk`, `crit`, `zip`).
    #[error("the token header carries the forbidden `{0}` parameter")]
    ForbiddenHeader(&'static str),
    /// No `kid`, and the key set holds more than one key for the algorithm.
    #[error("the token names no key id and the key set has several keys")]
    MissingKeyId,
    /// The `kid` is not published, even after the one refresh allowed.
    #[error("no published key has the token's key id")]
    UnknownKeyId,
    /// The key's type or pinned algorithm does not fit the token's algorithm.
    #[error("the key does not fit the token's algorithm")]
    KeyMismatch,
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    InvalidSignature,
    /// A claim the validator requires is absent.
    #[error("the token lacks the required `{0}` claim")]
    MissingClaim(&'static str),
    /// A claim is present with the wrong JSON type or an impossible value.
    #[error("the token's `{0}` claim has the wrong type or value")]
    InvalidClaim(&'static str),
    /// `iss` is not the configured issuer.
    #[error("the token was issued by an unexpected issuer")]
    WrongIssuer,
    /// `aud` names none of the configured audiences.
    #[error("the token is not meant for this audience")]
    WrongAudience,
    /// `exp` is in the past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    #[error("the token claims to be issued in the future")]
    IssuedInFuture,
    /// A token of another kind than the validator's [`TokenKind`](super::TokenKind): an ID token
    /// where an access token is expected, a logout token, ... The name is the header parameter or
    /// claim that told (`typ`, `nonce`, `at_hash`, `events`, ...), never its value.
    #[error("the token is of another kind (by its `{0}`)")]
    WrongTokenType(&'static str),
    /// Valid, but without the scope(s) required.
    #[error("the token lacks a required scope")]
    InsufficientScope {
        /// The scopes that were required (all of them, or any one, per configuration).
        required: Scopes,
    },
    /// No signing keys could be obtained from the provider: try again later.
    #[error("the provider's signing keys are unavailable")]
    KeysUnavailable,
}

impl TokenError {
    /// A short stable name for logs and metrics, e.g. `"expired"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Malformed => "malformed",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::ForbiddenHeader(_) => "forbidden_header",
            Self::MissingKeyId => "missing_kid",
            Self::UnknownKeyId => "unknown_kid",
            Self::KeyMismatch => "key_mismatch",
            Self::InvalidSignature => "invalid_signature",
            Self::MissingClaim(_) => "missing_claim",
            Self::InvalidClaim(_) => "invalid_claim",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::WrongTokenType(_) => "wrong_token_type",
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }

    /// Whether the fault is on the provider's side (answer 503 and let the caller retry).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::KeysUnavailable)
    }
}
