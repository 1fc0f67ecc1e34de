//! [`TokenKind`]: which kind of JWT a [`Validator`](super::Validator) is for, and the markers by
//! which the other kinds are told apart.
//!
//! A provider signs its ID tokens, access tokens and logout tokens with the same keys, so where
//! an API's audience is also a login's client id, signature, issuer and audience cannot tell an ID
//! token from an access token. The kind can: by the header's `typ` where the issuer types its
//! tokens explicitly (RFC 8725 §3.11, RFC 9068 §2.1), and otherwise by claims that only the other
//! kinds carry.

use super::claims::Claims;
use super::error::TokenError;
use super::jws::Typ;

/// The kind of JWT a [`Validator`](super::Validator) accepts; the others are refused with
/// [`TokenError::WrongTokenType`].
///
/// | kind | header `typ` accepted | refused when the claims carry |
/// |---|---|---|
/// | [`Access`](Self::Access) (default) | none, `JWT`, `at+jwt` | `at_hash`, `c_hash`, `s_hash`, `events`, Keycloak's `typ` `ID`/`Refresh`/`Offline`/`Logout`, and `nonce` unless the issuer typed the token as an access token (`typ` header `at+jwt`, or Keycloak's `typ` claim `Bearer`) |
/// | [`Id`](Self::Id) | none, `JWT`, `id_token+jwt` | `events`, Keycloak's `typ` `Bearer`/`DPoP`/`Refresh`/`Offline`/`Logout` |
/// | [`Any`](Self::Any) | any | nothing |
///
/// `typ` values are media types, compared without regard to case, `application/` implied
/// (`application/at+jwt` is `at+jwt`). With
/// [`require_at_jwt`](super::ValidatorBuilder::require_at_jwt) (RFC 9068 §4), an access token's
/// `typ` must be `at+jwt`.
///
/// Why these markers: `at_hash`, `c_hash` (OpenID Connect Core §3.1.3.6, §3.3.2.11) and `s_hash`
/// (FAPI 1.0 Advanced §5.1) exist only in ID tokens; `nonce` (Core §2) is an ID token's answer to
/// the login that asked for it, and feide-tower's login always sends one, so its own ID tokens
/// always carry it; `events` makes a Security Event Token (RFC 8417), such as a back-channel
/// logout token. Claims that access tokens may carry too (`auth_time`, `acr`, `amr`, `azp`,
/// `sid`) are no markers. Keycloak copied the login's `nonce` into access tokens until 2024
/// (keycloak/keycloak#26893), but types every token with its `typ` claim: `Bearer` keeps such an
/// access token acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenKind {
    /// OAuth access tokens (the default): what an API accepts.
    #[default]
    Access,
    /// OpenID Connect ID tokens: what a login accepts from the token endpoint.
    Id,
    /// Any signed JWT of the issuer, without a look at its kind. Only where the kinds are told
    /// apart otherwise; an API that accepts ID tokens as access tokens lets anyone holding a
    /// user's ID token (it travels in logout URLs as `id_token_hint`) call it as that user.
    Any,
}

/// Keycloak's token-type claim (`typ` in the payload) values of kinds other than access tokens.
const NOT_ACCESS: [&str; 4] = ["ID", "Refresh", "Offline", "Logout"];
/// ... and of kinds other than ID tokens.
const NOT_ID: [&str; 5] = ["Bearer", "DPoP", "Refresh", "Offline", "Logout"];
/// Claims only ID tokens carry.
const ID_TOKEN_HASHES: [&str; 3] = ["at_hash", "c_hash", "s_hash"];

impl TokenKind {
    /// Checks the header's `typ` (before the signature: no key is looked up for a token of the
    /// wrong kind). `at_jwt`: RFC 9068 §4's strict rule for access tokens.
    pub(crate) fn check_typ(self, typ: Typ, at_jwt: bool) -> Result<(), TokenError> {
        let ok = match self {
            Self::Access | Self::Any if at_jwt => typ == Typ::AccessToken,
            Self::Access => matches!(typ, Typ::Absent | Typ::Jwt | Typ::AccessToken),
            Self::Id => matches!(typ, Typ::Absent | Typ::Jwt | Typ::IdToken),
            Self::Any => true,
        };
        if ok {
            Ok(())
        } else {
            Err(TokenError::WrongTokenType("typ"))
        }
    }

    /// Checks the claims for markers of other kinds; `typ` is the header's.
    pub(crate) fn check_claims(self, typ: Typ, claims: &Claims) -> Result<(), TokenError> {
        let declared = claims.extra_str("typ");
        let declares = |names: &[&str]| {
            declared.is_some_and(|d| names.iter().any(|n| d.eq_ignore_ascii_case(n)))
        };
        match self {
            Self::Access => {
                if let Some(name) = ID_TOKEN_HASHES
                    .iter()
                    .find(|name| claims.extra.contains_key(**name))
                {
                    return Err(TokenError::WrongTokenType(name));
                }
                if claims.extra.contains_key("events") {
                    return Err(TokenError::WrongTokenType("events"));
                }
                if declares(&NOT_ACCESS) {
                    return Err(TokenError::WrongTokenType("typ"));
                }
                let typed_access = typ == Typ::AccessToken || declares(&["Bearer"]);
                if claims.nonce.is_some() && !typed_access {
                    return Err(TokenError::WrongTokenType("nonce"));
                }
                Ok(())
            }
            Self::Id => {
                if claims.extra.contains_key("events") {
                    return Err(TokenError::WrongTokenType("events"));
                }
                if declares(&NOT_ID) {
                    return Err(TokenError::WrongTokenType("typ"));
                }
                Ok(())
            }
            Self::Any => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(extra: &str) -> Claims {
        let json = format!(r#"{{"iss":"i","aud":"a","exp":1,"sub":"u"{extra}}}"#);
        Claims::from_payload(json.as_bytes()).unwrap()
    }

    fn access(typ: Typ, extra: &str) -> Result<(), TokenError> {
        TokenKind::Access.check_typ(typ, false)?;
        TokenKind::Access.check_claims(typ, &claims(extra))
    }

    #[test]
    fn typ_values() {
        for (value, typ) in [
            ("JWT", Typ::Jwt),
            ("jwt", Typ::Jwt),
            ("application/jwt", Typ::Jwt),
            ("at+jwt", Typ::AccessToken),
            ("AT+JWT", Typ::AccessToken),
            ("Application/At+Jwt", Typ::AccessToken),
            ("id_token+jwt", Typ::IdToken),
            ("logout+jwt", Typ::Other),
            ("secevent+jwt", Typ::Other),
            ("text/at+jwt", Typ::Other),
            ("application/at+jwt; x=y", Typ::Other),
            ("", Typ::Other),
            ("JOSE", Typ::Other),
        ] {
            assert_eq!(Typ::of(value), typ, "{value}");
        }
    }

    #[test]
    fn access_tokens_refuse_the_markers_of_other_kinds() {
        assert_eq!(access(Typ::Jwt, ""), Ok(()));
        assert_eq!(access(Typ::Absent, ""), Ok(()));
        assert_eq!(access(Typ::AccessToken, ""), Ok(()));
        for (typ, extra, marker) in [
            (Typ::Jwt, r#","nonce":"n""#, "nonce"),
            (Typ::Absent, r#","nonce":"n""#, "nonce"),
            (Typ::Jwt, r#","at_hash":"x""#, "at_hash"),
            (Typ::Jwt, r#","c_hash":null"#, "c_hash"),
            (Typ::Jwt, r#","s_hash":"x""#, "s_hash"),
            (Typ::AccessToken, r#","at_hash":"x""#, "at_hash"),
            (Typ::Jwt, r#","events":{}"#, "events"),
            (Typ::Jwt, r#","typ":"ID""#, "typ"),
            (Typ::Jwt, r#","typ":"id""#, "typ"),
            (Typ::Jwt, r#","typ":"Refresh""#, "typ"),
            (Typ::Jwt, r#","typ":"Logout""#, "typ"),
            (Typ::IdToken, "", "typ"),
            (Typ::Other, "", "typ"),
        ] {
            assert_eq!(
                access(typ, extra),
                Err(TokenError::WrongTokenType(marker)),
                "{typ:?} {extra}"
            );
        }
        // Typed as an access token by its issuer, a stray `nonce` does not make it an ID token.
        assert_eq!(access(Typ::AccessToken, r#","nonce":"n""#), Ok(()));
        assert_eq!(access(Typ::Jwt, r#","typ":"Bearer","nonce":"n""#), Ok(()));
        // A `typ` claim that is not a string is no statement.
        assert_eq!(access(Typ::Jwt, r#","typ":7"#), Ok(()));
    }

    #[test]
    fn strict_access_tokens_need_at_jwt() {
        for typ in [Typ::Absent, Typ::Jwt, Typ::IdToken, Typ::Other] {
            assert_eq!(
                TokenKind::Access.check_typ(typ, true),
                Err(TokenError::WrongTokenType("typ"))
            );
        }
        assert_eq!(TokenKind::Access.check_typ(Typ::AccessToken, true), Ok(()));
    }

    #[test]
    fn id_tokens_refuse_access_and_logout_tokens() {
        let id = |typ: Typ, extra: &str| {
            TokenKind::Id.check_typ(typ, false)?;
            TokenKind::Id.check_claims(typ, &claims(extra))
        };
        assert_eq!(id(Typ::Jwt, r#","nonce":"n","at_hash":"x""#), Ok(()));
        assert_eq!(id(Typ::IdToken, r#","typ":"ID""#), Ok(()));
        assert_eq!(
            id(Typ::AccessToken, ""),
            Err(TokenError::WrongTokenType("typ"))
        );
        assert_eq!(id(Typ::Other, ""), Err(TokenError::WrongTokenType("typ")));
        assert_eq!(
            id(Typ::Jwt, r#","events":{}"#),
            Err(TokenError::WrongTokenType("events"))
        );
        assert_eq!(
            id(Typ::Jwt, r#","typ":"Bearer""#),
            Err(TokenError::WrongTokenType("typ"))
        );
    }

    #[test]
    fn any_kind_checks_nothing_but_the_strict_typ() {
        let c = claims(r#","nonce":"n","at_hash":"x","events":{},"typ":"ID""#);
        assert_eq!(TokenKind::Any.check_typ(Typ::Other, false), Ok(()));
        assert_eq!(TokenKind::Any.check_claims(Typ::Other, &c), Ok(()));
        assert_eq!(
            TokenKind::Any.check_typ(Typ::Jwt, true),
            Err(TokenError::WrongTokenType("typ"))
        );
    }
}
