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
/// | [`Logout`](Self::Logout) | none, `logout+jwt` | `nonce`; and it must carry `events` with the back-channel logout event (a JSON object), and `sid` or `sub` |
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
    /// Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4): what the
    /// login layer's back-channel logout endpoint accepts from the provider.
    Logout,
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
            // §2.4: "explicitly typed" with `logout+jwt` is recommended; untyped is allowed.
            Self::Logout => matches!(typ, Typ::Absent | Typ::LogoutToken),
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
            Self::Logout => check_logout_claims(claims),
            Self::Any => Ok(()),
        }
    }
}

/// The event a back-channel logout token must carry (Back-Channel Logout 1.0 §2.4).
pub(crate) const BACKCHANNEL_LOGOUT_EVENT: &str =
    "http://schemas.openid.net/event/backchannel-logout";

/// Back-Channel Logout 1.0 §2.4 and §2.6: `events` holds the logout event as a JSON object,
/// `sid` or `sub` names whom to log out, and there is no `nonce` (which would make it usable
/// as an ID token).
fn check_logout_claims(claims: &Claims) -> Result<(), TokenError> {
    let event = match claims.extra.get("events") {
        None => return Err(TokenError::MissingClaim("events")),
        Some(serde_json::Value::Object(events)) => events.get(BACKCHANNEL_LOGOUT_EVENT),
        Some(_) => return Err(TokenError::InvalidClaim("events")),
    };
    match event {
        Some(serde_json::Value::Object(_)) => {}
        Some(_) => return Err(TokenError::InvalidClaim("events")),
        None => return Err(TokenError::MissingClaim("events")),
    }
    if claims.nonce.is_some() {
        return Err(TokenError::WrongTokenType("nonce"));
    }
    match claims.extra.get("sid") {
        Some(serde_json::Value::String(sid)) if !sid.is_empty() => Ok(()),
        Some(_) => Err(TokenError::InvalidClaim("sid")),
        None if claims.sub.as_deref().is_some_and(|s| !s.is_empty()) => Ok(()),
        None => Err(TokenError::MissingClaim("sid")),
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
            ("logout+jwt", Typ::LogoutToken),
            ("application/Logout+JWT", Typ::LogoutToken),
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
            id(Typ::LogoutToken, ""),
            Err(TokenError::WrongTokenType("typ"))
        );
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

    #[test]
    fn logout_tokens_need_the_event_a_user_and_no_nonce() {
        let logout = |typ: Typ, extra: &str| {
            TokenKind::Logout.check_typ(typ, false)?;
            TokenKind::Logout.check_claims(typ, &claims(extra))
        };
        let event = r#","events":{"http://schemas.openid.net/event/backchannel-logout":{}}"#;
        assert_eq!(logout(Typ::LogoutToken, event), Ok(()));
        assert_eq!(logout(Typ::Absent, event), Ok(()));
        let sid_only = format!(r#"{event},"sid":"s1""#);
        let no_sub = Claims {
            sub: None,
            ..claims(&sid_only)
        };
        assert_eq!(TokenKind::Logout.check_claims(Typ::Absent, &no_sub), Ok(()));
        for typ in [Typ::Jwt, Typ::IdToken, Typ::AccessToken, Typ::Other] {
            assert_eq!(logout(typ, event), Err(TokenError::WrongTokenType("typ")));
        }
        for (extra, error) in [
            ("", TokenError::MissingClaim("events")),
            (r#","events":{}"#, TokenError::MissingClaim("events")),
            (r#","events":[]"#, TokenError::InvalidClaim("events")),
            (
                r#","events":{"http://schemas.openid.net/event/backchannel-logout":true}"#,
                TokenError::InvalidClaim("events"),
            ),
            (
                r#","events":{"http://schemas.openid.net/event/other":{}}"#,
                TokenError::MissingClaim("events"),
            ),
        ] {
            assert_eq!(logout(Typ::Absent, extra), Err(error), "{extra}");
        }
        let with_nonce = format!(r#"{event},"nonce":"n""#);
        assert_eq!(
            logout(Typ::Absent, &with_nonce),
            Err(TokenError::WrongTokenType("nonce"))
        );
        let bad_sid = format!(r#"{event},"sid":7"#);
        assert_eq!(
            logout(Typ::Absent, &bad_sid),
            Err(TokenError::InvalidClaim("sid"))
        );
        let nobody = Claims {
            sub: None,
            ..claims(event)
        };
        assert_eq!(
            TokenKind::Logout.check_claims(Typ::Absent, &nobody),
            Err(TokenError::MissingClaim("sid"))
        );
    }
}
