//! The user's membership of a Feide group, typed: basic role, affiliations, FS roles, active.
//!
//! Feide: <https://docs.feide.no/reference/apis/groups_api/groups_data_model/higher_education_groups.html>
//! (membership attributes `basic`, `displayName`, `active`, `fsroles`) and
//! <https://docs.feide.no/reference/apis/groups_api/group_types/pse_school_owner.html>
//! (`affiliation` on organisation groups; `primaryAffiliation` on the user's home organisation).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A membership's `basic` role: `member`, `admin` or `owner` (Feide's VOOT basic roles).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BasicRole {
    /// `member`: an ordinary member (a student in a course).
    Member,
    /// `admin`: manages the group (a teacher in a course, an employee of an organisation).
    Admin,
    /// `owner`: owns the group.
    Owner,
    /// Another value, as sent.
    Other(String),
}

impl BasicRole {
    /// Parses Feide's value (`member`, `admin`, `owner`; anything else is [`BasicRole::Other`]).
    pub fn parse(value: &str) -> BasicRole {
        match value {
            "member" => BasicRole::Member,
            "admin" => BasicRole::Admin,
            "owner" => BasicRole::Owner,
            other => BasicRole::Other(other.to_owned()),
        }
    }

    /// The value as Feide writes it.
    pub fn as_str(&self) -> &str {
        match self {
            BasicRole::Member => "member",
            BasicRole::Admin => "admin",
            BasicRole::Owner => "owner",
            BasicRole::Other(other) => other,
        }
    }

    /// `admin` or `owner`.
    pub fn is_admin_or_owner(&self) -> bool {
        matches!(self, BasicRole::Admin | BasicRole::Owner)
    }
}

/// The user's membership of one group, read leniently from Feide's `membership` object: a field
/// of an unexpected type reads as absent, never as a grant.
///
/// ```
/// use feide_tower::apis::{BasicRole, Membership};
/// use serde_json::json;
///
/// let m = Membership::from_json(&json!({
///     "basic": "admin", "active": true, "fsroles": ["LECTURER"], "displayName": "Foreleser",
/// })).unwrap();
/// assert_eq!(m.basic, Some(BasicRole::Admin));
/// assert!(m.has_fs_role("LECTURER"));
/// assert!(m.active);
///
/// let org = Membership::from_json(&json!({
///     "basic": "member", "affiliation": ["member", "student"], "primaryAffiliation": "student",
/// })).unwrap();
/// assert!(org.has_affiliation("student"));
/// assert_eq!(org.primary_affiliation.as_deref(), Some("student"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Membership {
    /// `basic`: member, admin or owner.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "basic_str")]
    pub basic: Option<BasicRole>,
    /// `affiliation`: the user's affiliations with an organisation (`member`, `student`,
    /// `employee`, `faculty`, `staff`, `affiliate`, ...); a single string reads as one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affiliation: Vec<String>,
    /// `primaryAffiliation` (on the user's home organisation).
    #[serde(rename = "primaryAffiliation", skip_serializing_if = "Option::is_none")]
    pub primary_affiliation: Option<String>,
    /// `fsroles`: roles from Felles studentsystem (`STUDENT`, `LECTURER`, ...), on course
    /// and programme groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fsroles: Vec<String>,
    /// `active`: `false` for a passive or expired membership (Feide lists those only with
    /// `showAll=true`). Absent means active.
    pub active: bool,
    /// `displayName`: the role for people, e.g. `Student`, `Lærer`.
    #[serde(rename = "displayName", skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `title`: job titles in an organisation unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub title: Vec<String>,
    /// `notBefore`, as sent (an RFC 3339 time).
    #[serde(rename = "notBefore", skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// `notAfter`, as sent (an RFC 3339 time).
    #[serde(rename = "notAfter", skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
}

fn basic_str<S: serde::Serializer>(basic: &Option<BasicRole>, s: S) -> Result<S::Ok, S::Error> {
    match basic {
        Some(role) => s.serialize_str(role.as_str()),
        None => s.serialize_none(),
    }
}

impl Membership {
    /// Reads a `membership` object; `None` if `value` is not a JSON object.
    pub fn from_json(value: &Value) -> Option<Membership> {
        let map = value.as_object()?;
        Some(Membership {
            basic: str_of(map, "basic").map(BasicRole::parse),
            affiliation: strings_of(map.get("affiliation")),
            primary_affiliation: str_of(map, "primaryAffiliation").map(str::to_owned),
            fsroles: strings_of(map.get("fsroles")),
            // Absent (or null) is active; anything but a boolean is not: an odd value must
            // never read as a grant.
            active: match map.get("active") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(active)) => *active,
                Some(_) => false,
            },
            display_name: map.get("displayName").and_then(translatable),
            title: strings_of(map.get("title")),
            not_before: str_of(map, "notBefore").map(str::to_owned),
            not_after: str_of(map, "notAfter").map(str::to_owned),
        })
    }

    /// Whether `fsroles` contains `role` (exact, case-sensitive, as FS writes them).
    pub fn has_fs_role(&self, role: &str) -> bool {
        self.fsroles.iter().any(|r| r == role)
    }

    /// Whether `affiliation` or `primaryAffiliation` is `affiliation`.
    pub fn has_affiliation(&self, affiliation: &str) -> bool {
        self.affiliation.iter().any(|a| a == affiliation)
            || self.primary_affiliation.as_deref() == Some(affiliation)
    }

    /// Whether the basic role is `admin` or `owner`.
    pub fn is_admin_or_owner(&self) -> bool {
        self.basic
            .as_ref()
            .is_some_and(BasicRole::is_admin_or_owner)
    }
}

impl Default for Membership {
    /// A membership Feide sent nothing about: no role, no affiliation, active (as an absent
    /// `active` reads).
    fn default() -> Self {
        Membership {
            basic: None,
            affiliation: Vec::new(),
            primary_affiliation: None,
            fsroles: Vec::new(),
            active: true,
            display_name: None,
            title: Vec::new(),
            not_before: None,
            not_after: None,
        }
    }
}

impl<'de> Deserialize<'de> for Membership {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Membership::from_json(&value)
            .ok_or_else(|| serde::de::Error::custom("a membership is a JSON object"))
    }
}

fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// A string or an array of strings (other elements skipped); anything else is empty.
pub(crate) fn strings_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// A VOOT translatable string: a plain string, or an object of language → string (Norwegian
/// Bokmål first, then English, Nynorsk, then any).
pub(crate) fn translatable(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => ["nb", "en", "nn", "no"]
            .iter()
            .find_map(|lang| map.get(*lang).and_then(Value::as_str))
            .or_else(|| map.values().find_map(Value::as_str))
            .map(str::to_owned),
        _ => None,
    }
}

/// Serde helper: a translatable string into a `String` (empty when absent or not a string).
pub(crate) fn de_translatable<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(translatable(&Value::deserialize(d)?).unwrap_or_default())
}

/// Serde helper: a string or an array of strings into a `Vec<String>`.
pub(crate) fn de_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(strings_of(Some(&Value::deserialize(d)?)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_odd_active_value_is_inactive_never_a_grant() {
        let active =
            |value: Value| Membership::from_json(&json!({"active": value})).map(|m| m.active);
        assert_eq!(active(json!(true)), Some(true));
        assert_eq!(active(Value::Null), Some(true), "null reads as absent");
        assert_eq!(active(json!(false)), Some(false));
        for odd in [json!("yes"), json!("false"), json!(1), json!({}), json!([])] {
            assert_eq!(active(odd.clone()), Some(false), "{odd}");
        }
        assert_eq!(
            Membership::from_json(&json!({})).map(|m| m.active),
            Some(true)
        );
        assert!(Membership::default().active);
    }
}
