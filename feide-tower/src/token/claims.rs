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

/// Claim `act`'s Feide member: the actor's customer portal id.
const CUSTOMER_PORTAL_ID: &str = "https://n.feide.no/claims/customer_portal_id";

impl Claims {
    /// Reads claims from a JSON payload, checking the type of every registered claim.
    ///
    /// `exp` and `iss` and `aud` must be present; this does not check their values.
    ///
    /// The payload is read in one pass straight into the typed fields (only unknown claims become
    /// JSON values). A registered claim of the wrong type is remembered rather than refused on
    /// sight, so that the outcome is that of reading the whole object first: a repeated member
    /// counts with its last value, and when several claims are wrong the first in the order
    /// `iss`, `aud`, `exp`, `scope`, `act`, `sub`, `nbf`, `iat`, `client_id`, `acr`, `nonce`,
    /// `azp`, `auth_time` is named.
    pub(crate) fn from_payload(payload: &[u8]) -> Result<Self, TokenError> {
        let wire: wire::Payload =
            serde_json::from_slice(payload).map_err(|_| TokenError::Malformed)?;
        let wire::Payload {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            client_id,
            scope,
            act,
            acr,
            nonce,
            azp,
            auth_time,
            extra,
        } = wire;
        let iss = required(iss, "iss")?;
        let aud = required(aud, "aud")?;
        let exp = required(exp, "exp")?;
        let scope = optional(scope, "scope")?.unwrap_or_default();
        let act = optional(act, "act")?;
        Ok(Self {
            iss,
            aud,
            exp,
            sub: optional(sub, "sub")?,
            nbf: optional(nbf, "nbf")?,
            iat: optional(iat, "iat")?,
            client_id: optional(client_id, "client_id")?,
            scope,
            act,
            acr: optional(acr, "acr")?,
            nonce: optional(nonce, "nonce")?,
            azp: optional(azp, "azp")?,
            auth_time: optional(auth_time, "auth_time")?,
            extra,
        })
    }

    /// A claim from [`Claims::extra`] as a string, e.g. `claims.extra_str("name")`.
    pub fn extra_str(&self, name: &str) -> Option<&str> {
        self.extra.get(name).and_then(Value::as_str)
    }

    /// Whether the token speaks for a user rather than only for a client, by the default
    /// [`ClientRule`](super::ClientRule) of its issuer: Feide's rule (a client's own token has
    /// `sub` equal to `client_id`) for Feide, the generic rule for any other issuer. A token
    /// without `sub` has no user.
    pub fn has_user(&self) -> bool {
        !super::ClientRule::default_is_client(self)
    }
}

fn required<T>(slot: Option<wire::Typed<T>>, name: &'static str) -> Result<T, TokenError> {
    optional(slot, name)?.ok_or(TokenError::MissingClaim(name))
}

fn optional<T>(slot: Option<wire::Typed<T>>, name: &'static str) -> Result<Option<T>, TokenError> {
    match slot {
        None => Ok(None),
        Some(wire::Typed::Valid(value)) => Ok(Some(value)),
        Some(wire::Typed::Invalid) => Err(TokenError::InvalidClaim(name)),
    }
}

/// The payload as serde reads it: typed slots for the registered claims, JSON for the rest.
mod wire {
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::Deserialize;
    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    use super::{Actor, CUSTOMER_PORTAL_ID, MAX_NUMERIC_DATE, Scopes};

    /// A claim's value: of the expected type, or not (the value is then skipped).
    pub(super) enum Typed<T> {
        Valid(T),
        Invalid,
    }

    /// What one JSON value of a claim may be turned into.
    pub(super) trait Kind: Sized {
        fn from_text(_: &str) -> Option<Self> {
            None
        }
        fn from_f64(_: f64) -> Option<Self> {
            None
        }
        /// An array: not of this kind unless the kind says so (the array is skipped).
        fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        /// An object: not of this kind unless the kind says so (the object is skipped).
        fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    impl Kind for String {
        fn from_text(s: &str) -> Option<Self> {
            Some(s.to_owned())
        }
    }

    /// A NumericDate in whole seconds: a number from 0 to the year 9999 (fractions allowed).
    pub(super) struct Date(pub(super) i64);

    impl Kind for Date {
        fn from_f64(value: f64) -> Option<Self> {
            (0.0..=MAX_NUMERIC_DATE)
                .contains(&value)
                .then(|| Date(value.floor() as i64))
        }
    }

    /// `aud`: a string, or a non-empty array of strings.
    pub(super) struct Audiences(pub(super) Vec<String>);

    impl Kind for Audiences {
        fn from_text(s: &str) -> Option<Self> {
            Some(Audiences(vec![s.to_owned()]))
        }
        fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
            Ok(strings(seq)?
                .filter(|items| !items.is_empty())
                .map(Audiences))
        }
    }

    impl Kind for Scopes {
        fn from_text(s: &str) -> Option<Self> {
            Some(Scopes::parse(s))
        }
        fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
            Ok(strings(seq)?.map(|items| {
                items
                    .iter()
                    .flat_map(|s| s.split(' '))
                    .filter(|s| !s.is_empty())
                    .collect()
            }))
        }
    }

    impl Kind for Actor {
        fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
            let mut sub: Option<Typed<String>> = None;
            let mut portal: Option<Typed<String>> = None;
            let mut extra = Map::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                match &*key.0 {
                    "sub" => sub = Some(map.next_value()?),
                    CUSTOMER_PORTAL_ID => portal = Some(map.next_value()?),
                    _ => {
                        extra.insert(key.0.into_owned(), map.next_value()?);
                    }
                }
            }
            let valid = |slot: Option<Typed<String>>| match slot {
                None => Ok(None),
                Some(Typed::Valid(s)) => Ok(Some(s)),
                Some(Typed::Invalid) => Err(()),
            };
            Ok(match (valid(sub), valid(portal)) {
                (Ok(sub), Ok(customer_portal_id)) => Some(Actor {
                    sub,
                    customer_portal_id,
                    extra,
                }),
                _ => None,
            })
        }
    }

    /// The strings of an array; `None` (the rest skipped) at the first member that is not one.
    fn strings<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Vec<String>>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Typed<String>>()? {
            match item {
                Typed::Valid(s) => items.push(s),
                Typed::Invalid => {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(None);
                }
            }
        }
        Ok(Some(items))
    }

    impl<'de, T: Kind> Deserialize<'de> for Typed<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(TypedVisitor(PhantomData))
        }
    }

    struct TypedVisitor<T>(PhantomData<T>);

    impl<T> TypedVisitor<T> {
        fn typed(value: Option<T>) -> Typed<T> {
            value.map_or(Typed::Invalid, Typed::Valid)
        }
    }

    impl<'de, T: Kind> Visitor<'de> for TypedVisitor<T> {
        type Value = Typed<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Typed::Invalid)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Self::typed(T::from_f64(v as f64)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Self::typed(T::from_f64(v as f64)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Self::typed(T::from_f64(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Self::typed(T::from_text(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Typed::Invalid)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Typed::Invalid)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Ok(Self::typed(T::from_seq(seq)?))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Ok(Self::typed(T::from_map(map)?))
        }
    }

    /// A member name, borrowed from the payload unless it has escapes.
    struct Key<'de>(Cow<'de, str>);

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct KeyVisitor;
            impl<'de> Visitor<'de> for KeyVisitor {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a member name")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v.to_owned())))
                }
            }
            deserializer.deserialize_str(KeyVisitor)
        }
    }

    /// The claims object, read member by member; the last of repeated members counts.
    #[derive(Default)]
    pub(super) struct Payload {
        pub(super) iss: Option<Typed<String>>,
        pub(super) sub: Option<Typed<String>>,
        pub(super) aud: Option<Typed<Vec<String>>>,
        pub(super) exp: Option<Typed<i64>>,
        pub(super) nbf: Option<Typed<i64>>,
        pub(super) iat: Option<Typed<i64>>,
        pub(super) client_id: Option<Typed<String>>,
        pub(super) scope: Option<Typed<Scopes>>,
        pub(super) act: Option<Typed<Actor>>,
        pub(super) acr: Option<Typed<String>>,
        pub(super) nonce: Option<Typed<String>>,
        pub(super) azp: Option<Typed<String>>,
        pub(super) auth_time: Option<Typed<i64>>,
        pub(super) extra: Map<String, Value>,
    }

    impl<T> Typed<T> {
        fn map<U>(self, f: impl FnOnce(T) -> U) -> Typed<U> {
            match self {
                Typed::Valid(v) => Typed::Valid(f(v)),
                Typed::Invalid => Typed::Invalid,
            }
        }
    }

    impl<'de> Deserialize<'de> for Payload {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_map(PayloadVisitor)
        }
    }

    struct PayloadVisitor;

    impl<'de> Visitor<'de> for PayloadVisitor {
        type Value = Payload;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object of claims")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
            let mut p = Payload::default();
            let date = |t: Typed<Date>| t.map(|d| d.0);
            while let Some(key) = map.next_key::<Key<'de>>()? {
                match &*key.0 {
                    "iss" => p.iss = Some(map.next_value()?),
                    "sub" => p.sub = Some(map.next_value()?),
                    "aud" => p.aud = Some(map.next_value::<Typed<Audiences>>()?.map(|a| a.0)),
                    "exp" => p.exp = Some(date(map.next_value()?)),
                    "nbf" => p.nbf = Some(date(map.next_value()?)),
                    "iat" => p.iat = Some(date(map.next_value()?)),
                    "client_id" => p.client_id = Some(map.next_value()?),
                    "scope" => p.scope = Some(map.next_value()?),
                    "act" => p.act = Some(map.next_value()?),
                    "acr" => p.acr = Some(map.next_value()?),
                    "nonce" => p.nonce = Some(map.next_value()?),
                    "azp" => p.azp = Some(map.next_value()?),
                    "auth_time" => p.auth_time = Some(date(map.next_value()?)),
                    _ => {
                        p.extra.insert(key.0.into_owned(), map.next_value()?);
                    }
                }
            }
            Ok(p)
        }
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
    fn repeated_members_count_with_their_last_value() {
        let c = claims(r#"{"iss":1,"iss":"i","aud":"a","exp":1,"sub":"x","sub":"y"}"#).unwrap();
        assert_eq!((c.iss.as_str(), c.sub.as_deref()), ("i", Some("y")));
        assert_eq!(
            claims(r#"{"iss":"i","aud":"a","exp":1,"exp":"1"}"#),
            Err(TokenError::InvalidClaim("exp"))
        );
    }

    #[test]
    fn the_first_wrong_claim_in_a_fixed_order_is_named() {
        assert_eq!(
            claims(r#"{"sub":1,"aud":7,"iss":1,"exp":1}"#),
            Err(TokenError::InvalidClaim("iss"))
        );
        assert_eq!(
            claims(r#"{"sub":1,"iss":"i","aud":"a"}"#),
            Err(TokenError::MissingClaim("exp"))
        );
        assert_eq!(
            claims(r#"{"auth_time":"x","act":1,"iss":"i","aud":"a","exp":1}"#),
            Err(TokenError::InvalidClaim("act"))
        );
    }

    #[test]
    fn null_is_no_registered_claim_s_value() {
        for name in [
            "iss",
            "aud",
            "exp",
            "scope",
            "act",
            "sub",
            "nbf",
            "iat",
            "client_id",
            "acr",
            "nonce",
            "azp",
            "auth_time",
        ] {
            let json = format!(r#"{{"iss":"i","aud":"a","exp":1,"{name}":null}}"#);
            assert_eq!(claims(&json), Err(TokenError::InvalidClaim(name)), "{name}");
        }
        let c = claims(r#"{"iss":"i","aud":"a","exp":1,"other":null}"#).unwrap();
        assert_eq!(c.extra.get("other"), Some(&Value::Null));
    }

    #[test]
    fn escaped_member_names_are_the_same_names() {
        let c = claims(r#"{"\u0069ss":"i","aud":["a","b"],"exp":1,"n\u00e6me":"x"}"#).unwrap();
        assert_eq!(c.iss, "i");
        assert_eq!(c.extra_str("næme"), Some("x"));
    }

    #[test]
    fn nested_values_of_the_wrong_type_are_skipped_whole() {
        for (extra, claim) in [
            (r#""aud":["a",{"x":[1,{"y":2}]}]"#, "aud"),
            (r#""aud":[[]]"#, "aud"),
            (r#""scope":{"a":{"b":[1]}}"#, "scope"),
            (r#""scope":["a",["b"]]"#, "scope"),
            (r#""act":{"sub":["x",{"y":1}],"z":1}"#, "act"),
            (r#""act":[{"sub":"x"}]"#, "act"),
            (r#""sub":{"a":[1,2]}"#, "sub"),
        ] {
            let json = format!(r#"{{"iss":"i",{extra},"aud":"a","exp":1}}"#);
            let json = json.replacen(r#","aud":"a""#, "", usize::from(claim == "aud"));
            assert_eq!(
                claims(&json),
                Err(TokenError::InvalidClaim(claim)),
                "{json}"
            );
        }
    }

    /// The claims reader before it was made single-pass (through `serde_json::Value`): the
    /// reference the property test below holds the fast one to.
    fn reference(payload: &[u8]) -> Result<Claims, TokenError> {
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
        fn take_date(
            map: &mut Map<String, Value>,
            name: &'static str,
        ) -> Result<Option<i64>, TokenError> {
            match map.remove(name) {
                None => Ok(None),
                Some(Value::Number(n)) => {
                    let value = n.as_f64().ok_or(TokenError::InvalidClaim(name))?;
                    if !(0.0..=MAX_NUMERIC_DATE).contains(&value) {
                        return Err(TokenError::InvalidClaim(name));
                    }
                    Ok(Some(value.floor() as i64))
                }
                Some(_) => Err(TokenError::InvalidClaim(name)),
            }
        }
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
                customer_portal_id: take_string(&mut a, CUSTOMER_PORTAL_ID)
                    .map_err(|_| TokenError::InvalidClaim("act"))?,
                extra: a,
            }),
            Some(_) => return Err(TokenError::InvalidClaim("act")),
        };
        Ok(Claims {
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

    mod same_as_reference {
        use proptest::prelude::*;

        use super::{CUSTOMER_PORTAL_ID, Claims, reference};

        const NAMES: [&str; 16] = [
            "iss",
            "sub",
            "aud",
            "exp",
            "nbf",
            "iat",
            "client_id",
            "scope",
            "act",
            "acr",
            "nonce",
            "azp",
            "auth_time",
            "name",
            "x",
            "i\\u0073s",
        ];

        /// JSON text of a value of any type, nested two deep.
        fn value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("null".to_owned()),
                any::<bool>().prop_map(|b| b.to_string()),
                (-5i64..5).prop_map(|n| n.to_string()),
                (0u64..u64::MAX).prop_map(|n| n.to_string()),
                prop_oneof![
                    Just(2.5f64),
                    Just(-0.5),
                    Just(1e300),
                    Just(253_402_300_800.0)
                ]
                .prop_map(|f| format!("{f:e}")),
                prop_oneof![
                    Just("i"),
                    Just("a"),
                    Just(""),
                    Just("x  y"),
                    Just("r\\u00e6d")
                ]
                .prop_map(|s| format!("\"{s}\"")),
            ];
            leaf.prop_recursive(2, 12, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4)
                        .prop_map(|items| format!("[{}]", items.join(","))),
                    prop::collection::vec(
                        (
                            prop_oneof![Just("sub"), Just(CUSTOMER_PORTAL_ID), Just("k")],
                            inner
                        ),
                        0..4
                    )
                    .prop_map(|members| {
                        let members: Vec<String> = members
                            .iter()
                            .map(|(k, v)| format!("\"{k}\":{v}"))
                            .collect();
                        format!("{{{}}}", members.join(","))
                    }),
                ]
            })
        }

        proptest! {
            #[test]
            fn on_any_claims_object(
                members in prop::collection::vec((prop::sample::select(&NAMES[..]), value()), 0..12),
                base in any::<bool>(),
            ) {
                let mut members: Vec<String> =
                    members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                if base {
                    // Mostly valid tokens too, not only refusals.
                    members.insert(0, r#""iss":"i","aud":"a","exp":10"#.to_owned());
                }
                let json = format!("{{{}}}", members.join(","));
                prop_assert_eq!(
                    Claims::from_payload(json.as_bytes()),
                    reference(json.as_bytes()),
                    "{}", json
                );
            }
        }
    }

    #[test]
    fn client_only_tokens_have_no_user() {
        let c = claims(r#"{"iss":"i","aud":"a","exp":1,"sub":"c1","client_id":"c1"}"#).unwrap();
        assert!(!c.has_user());
    }
}
