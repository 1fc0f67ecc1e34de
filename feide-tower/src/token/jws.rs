//! The compact JWS form: split, decode the header, check the signature. Nothing here trusts the
//! token: the algorithm comes from the allow-list and the key from the key set.

use std::borrow::Cow;
use std::fmt;

use base64::DecodeSliceError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::algorithm::Algorithm;
use super::error::TokenError;
use crate::find_byte::find_byte;

/// The decoded JOSE header fields feide-tower looks at.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) typ: Typ,
}

/// The header's `typ` (RFC 7515 §4.1.9), as far as it tells the kind of token: a media type,
/// compared without regard to case, `application/` implied when it has no `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typ {
    /// No `typ` (or `null`).
    Absent,
    /// `JWT`: says nothing about the kind (Feide, Entra ID and Keycloak type every token so).
    Jwt,
    /// `at+jwt`: an access token (RFC 9068 §2.1).
    AccessToken,
    /// `id_token+jwt`: an ID token.
    IdToken,
    /// `logout+jwt`: a back-channel logout token (Back-Channel Logout 1.0 §2.4).
    LogoutToken,
    /// Anything else: another kind of JWT (`secevent+jwt`, `dpop+jwt`, ...).
    Other,
}

impl Typ {
    /// Classifies a `typ` value.
    pub(crate) fn of(typ: &str) -> Typ {
        let subtype = match typ.split_once('/') {
            None => typ,
            Some((top, subtype)) if top.eq_ignore_ascii_case("application") => subtype,
            Some(_) => return Typ::Other,
        };
        if subtype.eq_ignore_ascii_case("jwt") {
            Typ::Jwt
        } else if subtype.eq_ignore_ascii_case("at+jwt") {
            Typ::AccessToken
        } else if subtype.eq_ignore_ascii_case("id_token+jwt") {
            Typ::IdToken
        } else if subtype.eq_ignore_ascii_case("logout+jwt") {
            Typ::LogoutToken
        } else {
            Typ::Other
        }
    }
}

/// A compact JWS split into its parts; the signature is not yet checked.
pub(crate) struct Compact<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
    pub(crate) payload_b64: &'a [u8],
    pub(crate) signature: Vec<u8>,
    pub(crate) header: Header,
}

/// Decoded segments up to this size stay on the stack (a JOSE header is some 60 bytes, a Feide
/// access token's payload some 600).
const STACK_HEADER: usize = 256;
const STACK_PAYLOAD: usize = 1536;

/// Splits and decodes a compact JWS, checking the header against the allow-list.
///
/// Bytes, not `str`: the bearer layer hands over the token as it came in the header, without a
/// UTF-8 pass over it (anything that is not base64url is refused here anyway).
pub(crate) fn parse<'a, T>(token: &'a T, allowed: &[Algorithm]) -> Result<Compact<'a>, TokenError>
where
    T: AsRef<[u8]> + ?Sized,
{
    let token = token.as_ref();
    // Exactly two dots.
    let Some(first) = find_byte(token, b'.') else {
        return Err(TokenError::Malformed);
    };
    let (h, rest) = (&token[..first], &token[first + 1..]);
    let Some(second) = find_byte(rest, b'.') else {
        return Err(TokenError::Malformed);
    };
    let (p, s) = (&rest[..second], &rest[second + 1..]);
    if find_byte(s, b'.').is_some() {
        return Err(TokenError::Malformed);
    }
    if h.is_empty() || p.is_empty() {
        return Err(TokenError::Malformed);
    }
    let header = with_decoded::<STACK_HEADER, _>(h, |json| read_header(json, allowed))?;
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
        header,
    })
}

/// The header's JSON, checked: no key-choosing member, an allowed algorithm, a string `kid` and
/// `typ`.
fn read_header(json: &[u8], allowed: &[Algorithm]) -> Result<Header, TokenError> {
    let raw: RawHeader = serde_json::from_slice(json).map_err(|_| TokenError::Malformed)?;
    for (name, present) in [
        ("jku", raw.jku),
        ("x5u", raw.x5u),
        ("jwk", raw.jwk),
        ("crit", raw.crit),
        ("zip", raw.zip),
    ] {
        if present {
            return Err(TokenError::ForbiddenHeader(name));
        }
    }
    let alg = match raw.alg {
        Member::Text(name) => Algorithm::from_name(&name)
            .filter(|a| allowed.contains(a))
            .ok_or(TokenError::AlgorithmNotAllowed)?,
        Member::Absent | Member::Other => return Err(TokenError::AlgorithmNotAllowed),
    };
    let kid = match raw.kid {
        Member::Absent => None,
        Member::Text(kid) => Some(kid.into_owned()),
        Member::Other => return Err(TokenError::Malformed),
    };
    let typ = match raw.typ {
        Member::Absent => Typ::Absent,
        Member::Text(typ) => Typ::of(&typ),
        Member::Other => return Err(TokenError::Malformed),
    };
    Ok(Header { alg, kid, typ })
}

/// Calls `f` with the decoded (already verified) payload segment.
pub(crate) fn with_payload<R>(
    compact: &Compact<'_>,
    f: impl FnOnce(&[u8]) -> Result<R, TokenError>,
) -> Result<R, TokenError> {
    with_decoded::<STACK_PAYLOAD, _>(compact.payload_b64, f)
}

/// Calls `f` with the base64url decoding of `segment`, decoded on the stack when it fits in `N`
/// bytes (no allocation), on the heap otherwise.
fn with_decoded<const N: usize, R>(
    segment: &[u8],
    f: impl FnOnce(&[u8]) -> Result<R, TokenError>,
) -> Result<R, TokenError> {
    let mut stack = [0u8; N];
    match URL_SAFE_NO_PAD.decode_slice(segment, &mut stack) {
        Ok(len) => f(&stack[..len]),
        Err(DecodeSliceError::OutputSliceTooSmall) => {
            let heap = URL_SAFE_NO_PAD
                .decode(segment)
                .map_err(|_| TokenError::Malformed)?;
            f(&heap)
        }
        Err(DecodeSliceError::DecodeError(_)) => Err(TokenError::Malformed),
    }
}

/// The header members feide-tower looks at, read in one pass without building JSON values.
///
/// As a derived `Deserialize` of `Option<serde_json::Value>` fields would: `null` counts as
/// absent, a repeated member of these is an error, other members are skipped. Unlike it, only a
/// JSON object is a header (RFC 7515 §4), never an array.
#[derive(Default)]
struct RawHeader<'a> {
    alg: Member<'a>,
    kid: Member<'a>,
    typ: Member<'a>,
    // Headers that would let the token choose its own key or demand semantics we do not
    // implement. Their mere presence rejects the token.
    jku: bool,
    x5u: bool,
    jwk: bool,
    crit: bool,
    zip: bool,
}

/// A header member: absent (or `null`), a string, or anything else.
#[derive(Default)]
enum Member<'a> {
    #[default]
    Absent,
    Text(Cow<'a, str>),
    Other,
}

impl<'de> Deserialize<'de> for Member<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MemberVisitor;
        impl<'de> Visitor<'de> for MemberVisitor {
            type Value = Member<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Member<'de>, E> {
                Ok(Member::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Member<'de>, E> {
                Ok(Member::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Member<'de>, E> {
                Ok(Member::Absent)
            }
            fn visit_none<E: de::Error>(self) -> Result<Member<'de>, E> {
                Ok(Member::Absent)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Member<'de>, E> {
                Ok(Member::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Member<'de>, E> {
                Ok(Member::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Member<'de>, E> {
                Ok(Member::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Member<'de>, E> {
                Ok(Member::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Member<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Member::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Member<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Member::Other)
            }
        }
        deserializer.deserialize_any(MemberVisitor)
    }
}

impl<'de> Deserialize<'de> for RawHeader<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = RawHeader<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader<'de>, A::Error> {
                let mut header = RawHeader::default();
                let mut seen = [false; 8];
                while let Some(key) = map.next_key::<Member<'de>>()? {
                    let Member::Text(key) = key else {
                        return Err(de::Error::custom("member names are strings"));
                    };
                    let slot = match &*key {
                        "alg" => 0,
                        "kid" => 1,
                        "jku" => 2,
                        "x5u" => 3,
                        "jwk" => 4,
                        "crit" => 5,
                        "zip" => 6,
                        "typ" => 7,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if std::mem::replace(&mut seen[slot], true) {
                        return Err(de::Error::custom("repeated header member"));
                    }
                    let value: Member<'de> = map.next_value()?;
                    let present = !matches!(value, Member::Absent);
                    match slot {
                        0 => header.alg = value,
                        1 => header.kid = value,
                        2 => header.jku = present,
                        3 => header.x5u = present,
                        4 => header.jwk = present,
                        5 => header.crit = present,
                        6 => header.zip = present,
                        _ => header.typ = value,
                    }
                }
                Ok(header)
            }
        }
        deserializer.deserialize_map(HeaderVisitor)
    }
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
    fn a_header_is_an_object() {
        // A derived reader would take a 7-element array as the 7 fields.
        let array = r#"["RS256","k",null,null,null,null,null]"#;
        assert_eq!(
            parse(&token(array), &[Algorithm::RS256]).err(),
            Some(TokenError::Malformed)
        );
        for repeated in [
            r#"{"alg":"RS256","alg":"RS256"}"#,
            r#"{"alg":"RS256","kid":null,"kid":"k"}"#,
            r#"{"alg":"RS256","jku":null,"jku":null}"#,
            r#"{"alg":"RS256","typ":"at+jwt","typ":"JWT"}"#,
        ] {
            assert_eq!(
                parse(&token(repeated), &[Algorithm::RS256]).err(),
                Some(TokenError::Malformed),
                "{repeated}"
            );
        }
        let escaped = token(r#"{"\u0061lg":"RS256","cty":"JWT","cty":1,"jku":null,"kid":"k"}"#);
        let ok = parse(&escaped, &[Algorithm::RS256]).unwrap();
        assert_eq!(
            (ok.header.alg, ok.header.kid.as_deref()),
            (Algorithm::RS256, Some("k"))
        );
    }

    /// The header reader before it was made single-pass: `Option<serde_json::Value>` fields.
    fn reference(
        json: &[u8],
        allowed: &[Algorithm],
    ) -> Result<(Algorithm, Option<String>, Typ), TokenError> {
        #[derive(Deserialize)]
        struct Reference {
            alg: Option<serde_json::Value>,
            kid: Option<serde_json::Value>,
            jku: Option<serde_json::Value>,
            x5u: Option<serde_json::Value>,
            jwk: Option<serde_json::Value>,
            crit: Option<serde_json::Value>,
            #[serde(default)]
            zip: Option<serde_json::Value>,
            typ: Option<serde_json::Value>,
        }
        let raw: Reference = serde_json::from_slice(json).map_err(|_| TokenError::Malformed)?;
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
        let typ = match raw.typ {
            None => Typ::Absent,
            Some(serde_json::Value::String(typ)) => Typ::of(&typ),
            Some(_) => return Err(TokenError::Malformed),
        };
        Ok((alg, kid, typ))
    }

    mod same_as_reference {
        use proptest::prelude::*;

        use super::{Algorithm, read_header, reference};

        const NAMES: &[&str] = &[
            "alg",
            "kid",
            "jku",
            "x5u",
            "jwk",
            "crit",
            "zip",
            "typ",
            "x",
            "\\u0061lg",
            "ki\\u0064",
        ];
        const VALUES: &[&str] = &[
            "null",
            "\"RS256\"",
            "\"ES256\"",
            "\"none\"",
            "\"HS256\"",
            "7",
            "true",
            "{}",
            "[1]",
            "\"k\"",
            "\"JWT\"",
            "\"application/AT+jwt\"",
            "\"logout+jwt\"",
            "{\"a\":[null,{}]}",
            "\"\\u0052S256\"",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            #[test]
            fn on_any_header_object(
                members in prop::collection::vec(
                    (prop::sample::select(NAMES), prop::sample::select(VALUES)),
                    0..6,
                )
            ) {
                let members: Vec<String> =
                    members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                let json = format!("{{{}}}", members.join(","));
                let allowed = [Algorithm::RS256];
                let new = read_header(json.as_bytes(), &allowed).map(|h| (h.alg, h.kid, h.typ));
                prop_assert_eq!(new, reference(json.as_bytes(), &allowed), "{}", json);
            }
        }
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
