//! Feide's group types, from `GET /grouptypes`.
//!
//! Feide: <https://docs.feide.no/reference/apis/groups_api/groups_endpoints.html> ("List all group
//! types").

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::membership::de_translatable;

/// One group type: its id (the `type` of groups, e.g. `fc:org`, `fc:fs:emne`, `fc:adhoc`) and
/// name.
///
/// ```
/// use feide_tower::apis::GroupType;
///
/// let t: GroupType = serde_json::from_str(
///     r#"{"id": "fc:fs:emne", "displayName": {"en": "Course", "nb": "Emne"}}"#,
/// ).unwrap();
/// assert_eq!((t.id.as_str(), t.display_name.as_str()), ("fc:fs:emne", "Emne"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct GroupType {
    /// The type id.
    pub id: String,
    /// The name for people (translatable: Norwegian Bokmål, else English, else any).
    #[serde(rename = "displayName", default, deserialize_with = "de_translatable")]
    pub display_name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
