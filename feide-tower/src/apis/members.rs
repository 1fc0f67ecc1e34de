//! A member of a Feide group, from `GET /groups/{id}/members` and the organisation variants.
//!
//! Feide: <https://docs.feide.no/reference/apis/groups_api/groups_endpoints.html> ("Members of a
//! group: a list of users").

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::membership::{Membership, de_strings, de_translatable};

/// One member of a group: name, membership and identifiers.
///
/// ```
/// use feide_tower::apis::{BasicRole, Member};
///
/// let m: Member = serde_json::from_str(
///     r#"{"name": "Bob Teacher", "userid_sec": ["feide:bob@test.feide.no"],
///         "membership": {"basic": "admin", "fsroles": ["LECTURER"]}}"#,
/// ).unwrap();
/// assert_eq!(m.name, "Bob Teacher");
/// assert_eq!(m.feide_id(), Some("bob@test.feide.no"));
/// assert_eq!(m.membership_view().unwrap().basic, Some(BasicRole::Admin));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Member {
    /// The member's name (empty if the API left it out).
    #[serde(default, deserialize_with = "de_translatable")]
    pub name: String,
    /// Secondary user ids (`feide:user@realm`, ...); a single string reads as one.
    #[serde(
        default,
        deserialize_with = "de_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub userid_sec: Vec<String>,
    /// The membership, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Value>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Member {
    /// The membership, typed.
    pub fn membership_view(&self) -> Option<Membership> {
        self.membership.as_ref().and_then(Membership::from_json)
    }

    /// The Feide id (`user@realm`) from a `feide:` secondary id, if any.
    pub fn feide_id(&self) -> Option<&str> {
        self.userid_sec
            .iter()
            .find_map(|id| id.strip_prefix("feide:"))
    }
}
