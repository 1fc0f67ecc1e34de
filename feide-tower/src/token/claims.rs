//! Typed claims of a validated token: the registered claims checked, the rest kept as JSON.

use serde::Serialize;
use serde_json::{Map, Value};

use super::error::TokenError;
use super::scope::Scopes;

/// The `act` (actor) claim of an exchanged token (RFC 8693 §4.1): who is acting for the subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actor {
    /// The acting party, a client id at Feide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Feide's `https://n.feide.no/claims/customer_portal_id` of the acting client.
    #[serde(
        rename = "https://n.feide.no/claims/customer_portal_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_portal_id: Option<String>,
    /// Any other members of `act`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The claims of a token that passed validation.
///
/// Registered claims are typed; everything else (user claims such as `name` or
/// `https://n.feide.no/claims/eduPersonPrincipalName`) is in [`Claims::extra`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: a user, or a client id when there is no user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audiences (one or more).
    #[serde(serialize_with = "serialize_aud")]
    pub aud: Vec<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not before, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issued at, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// The client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Granted scopes (empty when the token has no `scope`).
    #[serde(skip_serializing_if = "Scopes::is_empty")]
    pub scope: Scopes,
    /// The actor of an exchanged token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    /// Authentication context class, e.g. `urn:mace:feide.no:auth:level:fad08:3` after MFA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The nonce of an ID token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party of an ID token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// When the user authenticated, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Every other claim, unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn serialize_aud<S: serde::Serializer>(aud: &[String], s: S) -> Result<S::Ok, S::Error> {
    match aud {
        [one] => s.serialize_str(one),
        many => many.serialize(s),
    }
}

/// Latest NumericDate accepted (year 9999): beyond it a date is a type-confusion attempt.
const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

impl Claims {
    /// Reads claims from a JSON payload, checking the type of every registered claim.
    ///
    /// `exp` and `iss` and `aud` must be present; this does not check their values.
    pub(crate) fn from_payload(payload: &[u8]) -> Result<Self, TokenError> {
        let Value::Object(mut map) =
            serde_json::from_slice(payload).map_err(|_| TokenError::Malformed)?
        else {
            return Err(TokenError::Malformed);
        };
        let iss = take_string(&mut map, "iss")?.ok_or(TokenError::MissingClaim("iss"))?;
        let aud = match map.remove("aud") {
            None => return Err(TokenError::MissingClaim("aud")),
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(items)) if !items.is_empty() => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(TokenError::InvalidClaim("aud")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(TokenError::InvalidClaim("aud")),
        };
        let exp = take_date(&mut map, "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
        let scope = match map.remove("scope") {
            None => Scopes::default(),
            Some(v @ (Value::String(_) | Value::Array(_))) => {
                serde_json::from_value(v).map_err(|_| TokenError::InvalidClaim("scope"))?
            }
            Some(_) => return Err(TokenError::InvalidClaim("scope")),
        };
        let act = match map.remove("act") {
            None => None,
            Some(Value::Object(mut a)) => Some(Actor {
                sub: take_string(&mut a, "sub").map_err(|_| TokenError::InvalidClaim("act"))?,
                customer_portal_id: take_string(
                    &mut a,
                    "https://n.feide.no/claims/customer_portal_id",
                )
                .map_err(|_| TokenError::InvalidClaim("act"))?,
                extra: a,
            }),
            Some(_) => return Err(TokenError::InvalidClaim("act")),
        };
        Ok(Self {
            iss,
            aud,
            exp,
            sub: take_string(&mut map, "sub")?,
            nbf: take_date(&mut map, "nbf")?,
            iat: take_date(&mut map, "iat")?,
            client_id: take_string(&mut map, "client_id")?,
            scope,
            act,
            acr: take_string(&mut map, "acr")?,
            nonce: take_string(&mut map, "nonce")?,
            azp: take_string(&mut map, "azp")?,
            auth_time: take_date(&mut map, "auth_time")?,
            extra: map,
        })
    }

    /// A claim from [`Claims::extra`] as a string, e.g. `claims.extra_str("name")`.
    pub fn extra_str(&self, name: &str) -> Option<&str> {
        self.extra.get(name).and_then(Value::as_str)
    }

    /// Whether the token speaks for a user rather than only for a client.
    ///
    /// Feide gives client-credentials tokens `sub` equal to the client id and no user claims.
    pub fn has_user(&self) -> bool {
        match (&self.sub, &self.client_id) {
            (None, _) => false,
            (Some(sub), Some(client)) => sub != client,
            (Some(_), None) => true,
        }
    }
}

fn take_string(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, TokenError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TokenError::InvalidClaim(name)),
    }
}

fn take_date(map: &mut Map<String, Value>, name: &'static str) -> Result<Option<i64>, TokenError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            let value = n.as_f64().ok_or(TokenError::InvalidClaim(name))?;
            if !(0.0..=MAX_NUMERIC_DATE).contains(&value) {
                return Err(TokenError::InvalidClaim(name));
            }
            // NumericDate may carry fractions (RFC 7519 §2); whole seconds are enough here.
            Ok(Some(value.floor() as i64))
        }
        Some(_) => Err(TokenError::InvalidClaim(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> Result<Claims, TokenError> {
        Claims::from_payload(json.as_bytes())
    }

    #[test]
    fn feide_access_token_claims() {
        let c = claims(
            r#"{"iss":"https://auth.dataporten.no","aud":"https://n.feide.no/datasources/x","sub":"u1",
                "client_id":"c1","scope":"openid readUser","iat":1,"nbf":1,"exp":2.5,
                "act":{"sub":"c1","https://n.feide.no/claims/customer_portal_id":"p1"},"name":"Alice"}"#,
        )
        .unwrap();
        assert_eq!(c.exp, 2);
        assert!(c.scope.contains("readUser"));
        assert_eq!(
            c.act.as_ref().unwrap().customer_portal_id.as_deref(),
            Some("p1")
        );
        assert_eq!(c.extra_str("name"), Some("Alice"));
        assert!(c.has_user());
    }

    #[test]
    fn type_confusion_is_refused() {
        let base = |extra: &str| format!(r#"{{"iss":"i","aud":"a","exp":10{extra}}}"#);
        assert_eq!(
            claims(r#"{"iss":"i","aud":7,"exp":1}"#),
            Err(TokenError::InvalidClaim("aud"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":{},"exp":1}"#),
            Err(TokenError::InvalidClaim("aud"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":[],"exp":1}"#),
            Err(TokenError::InvalidClaim("aud"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":[1],"exp":1}"#),
            Err(TokenError::InvalidClaim("aud"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":"a","exp":"1"}"#),
            Err(TokenError::InvalidClaim("exp"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":"a","exp":1e300}"#),
            Err(TokenError::InvalidClaim("exp"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":"a","exp":-1}"#),
            Err(TokenError::InvalidClaim("exp"))
        );
        assert_eq!(
            claims(&base(r#","scope":{"a":1}"#)),
            Err(TokenError::InvalidClaim("scope"))
        );
        assert_eq!(
            claims(&base(r#","scope":[1]"#)),
            Err(TokenError::InvalidClaim("scope"))
        );
        assert_eq!(
            claims(&base(r#","sub":1"#)),
            Err(TokenError::InvalidClaim("sub"))
        );
        assert_eq!(
            claims(&base(r#","act":"x""#)),
            Err(TokenError::InvalidClaim("act"))
        );
        assert_eq!(
            claims(&base(r#","iss":1"#)),
            Err(TokenError::InvalidClaim("iss"))
        );
    }

    #[test]
    fn required_claims() {
        assert_eq!(
            claims(r#"{"aud":"a","exp":1}"#),
            Err(TokenError::MissingClaim("iss"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","exp":1}"#),
            Err(TokenError::MissingClaim("aud"))
        );
        assert_eq!(
            claims(r#"{"iss":"i","aud":"a"}"#),
            Err(TokenError::MissingClaim("exp"))
        );
        assert_eq!(claims("[]"), Err(TokenError::Malformed));
    }

    #[test]
    fn client_only_tokens_have_no_user() {
        let c = claims(r#"{"iss":"i","aud":"a","exp":1,"sub":"c1","client_id":"c1"}"#).unwrap();
        assert!(!c.has_user());
    }
}
