//! Several trusted issuers, each with its own key source: which keys may verify a token.
//!
//! The issuer is read from the payload before the signature is checked. That is sound because
//! it only chooses where keys come from: the token is then verified with that issuer's keys
//! alone, and its claims, parsed again after verification, must name the same issuer. A token
//! naming an issuer outside the table is refused here, before any key is looked up or fetched.

use std::borrow::Cow;

use serde::Deserialize;

use super::error::TokenError;
use super::jws::{self, Compact};
use crate::token::Jwks;

/// The trusted issuers and their key sources, in the order they were configured.
#[derive(Debug)]
pub(crate) struct IssuerKeys {
    table: Box<[(String, Jwks)]>,
}

/// The one member read before verification.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow, default)]
    iss: Option<Cow<'a, str>>,
}

impl IssuerKeys {
    /// A table; `None` when an issuer appears twice (two key sources for one issuer would make
    /// the choice ambiguous).
    pub(crate) fn new(table: Vec<(String, Jwks)>) -> Option<Self> {
        let unique = table
            .iter()
            .enumerate()
            .all(|(i, (iss, _))| table[..i].iter().all(|(other, _)| other != iss));
        unique.then(|| Self {
            table: table.into_boxed_slice(),
        })
    }

    /// The issuer the token names and the keys that may verify it: only that issuer's.
    pub(crate) fn select(&self, compact: &Compact<'_>) -> Result<(&str, &Jwks), TokenError> {
        let index = jws::with_payload(compact, |payload| {
            // A derived `Deserialize` would also read a JSON array as the struct; claims are an
            // object (RFC 7519 §7.2).
            if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(TokenError::Malformed);
            }
            let peek: Peek<'_> =
                serde_json::from_slice(payload).map_err(|_| TokenError::Malformed)?;
            let iss = peek.iss.ok_or(TokenError::MissingClaim("iss"))?;
            self.position(&iss).ok_or(TokenError::WrongIssuer)
        })?;
        let (iss, keys) = &self.table[index];
        Ok((iss, keys))
    }

    fn position(&self, iss: &str) -> Option<usize> {
        self.table.iter().position(|(trusted, _)| trusted == iss)
    }

    /// The key source of `iss`, if it is trusted.
    pub(crate) fn get(&self, iss: &str) -> Option<&Jwks> {
        self.position(iss).map(|i| &self.table[i].1)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::token::{Algorithm, KeySet};

    fn table() -> IssuerKeys {
        let keys = Jwks::fixed(KeySet::default());
        IssuerKeys::new(vec![
            ("https://a".into(), keys.clone()),
            ("https://b".into(), keys),
        ])
        .unwrap()
    }

    fn token(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn select(payload: &str) -> Result<String, TokenError> {
        let token = token(payload);
        let compact = jws::parse(token.as_bytes(), &[Algorithm::RS256]).unwrap();
        table().select(&compact).map(|(iss, _)| iss.to_owned())
    }

    #[test]
    fn the_issuer_is_chosen_by_the_tokens_iss() {
        assert_eq!(
            select(r#"{"iss":"https://a","exp":1}"#).unwrap(),
            "https://a"
        );
        assert_eq!(
            select(r#"{"aud":"x","iss":"https://b"}"#).unwrap(),
            "https://b"
        );
        // JSON escapes are read as JSON: `\/` is `/`.
        assert_eq!(select(r#"{"iss":"https:\/\/b"}"#).unwrap(), "https://b");
    }

    #[test]
    fn untrusted_missing_and_odd_issuers_are_refused() {
        for (payload, error) in [
            (r#"{"iss":"https://c"}"#, TokenError::WrongIssuer),
            (r#"{"iss":"https://a/"}"#, TokenError::WrongIssuer),
            (r#"{"iss":"HTTPS://A"}"#, TokenError::WrongIssuer),
            (r#"{"iss":""}"#, TokenError::WrongIssuer),
            (r#"{"sub":"x"}"#, TokenError::MissingClaim("iss")),
            (r#"{"iss":null}"#, TokenError::MissingClaim("iss")),
            (r#"{"iss":["https://a"]}"#, TokenError::Malformed),
            (
                r#"{"iss":"https://a","iss":"https://b"}"#,
                TokenError::Malformed,
            ),
            (r#"["https://a"]"#, TokenError::Malformed),
            ("not json", TokenError::Malformed),
        ] {
            assert_eq!(select(payload), Err(error), "{payload}");
        }
    }

    #[test]
    fn an_issuer_is_trusted_once() {
        let keys = Jwks::fixed(KeySet::default());
        assert!(IssuerKeys::new(vec![("i".into(), keys.clone()), ("i".into(), keys)]).is_none());
        assert!(table().get("https://b").is_some());
        assert!(table().get("https://c").is_none());
    }
}
