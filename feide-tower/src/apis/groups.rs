//! Feide's groups API: the groups the user is a member of.

use crate::telemetry::labels::Endpoint;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::membership::{Membership, de_translatable};

use super::bearer_get::{ApiError, get_json};
use crate::provider::{Provider, ProviderError, Secret};

/// One group from Feide's groups API (`GET /groups/me/groups`). Serializes back to the same
/// JSON shape.
///
/// ```
/// use feide_tower::apis::Group;
///
/// let group: Group = serde_json::from_str(
///     r#"{"id": "fc:org:uio.no", "type": "fc:org", "displayName": "Universitetet i Oslo",
///         "membership": {"basic": "member", "primaryAffiliation": "student"}}"#,
/// ).unwrap();
/// assert_eq!(group.kind, "fc:org");
/// assert_eq!(group.display_name, "Universitetet i Oslo");
/// assert!(group.parent.is_none());
/// assert_eq!(group.membership.unwrap()["primaryAffiliation"], "student");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Group {
    /// The group id, e.g. `fc:org:uio.no` or `fc:adhoc:<uuid>`.
    pub id: String,
    /// The group type, e.g. `fc:org`, `fc:orgunit`, `fc:fs:emne`, `fc:adhoc`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The group's name for people (empty if the API left it out). A translatable name
    /// (`{"nb": ..., "en": ...}`) reads as its Norwegian Bokmål text, else English, else any.
    #[serde(rename = "displayName", default, deserialize_with = "de_translatable")]
    pub display_name: String,
    /// The id of the parent group (an organisation unit's organisation), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The user's membership (`basic`, `affiliation`, `primaryAffiliation`, `active`, ...), as
    /// Feide sends it: its fields vary with the group type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Value>,
    /// `public`: whether the group is listed among the public groups (`GET /groups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// `notBefore`: the group did not exist before this time (as sent).
    #[serde(rename = "notBefore", default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// `notAfter`: the group does not exist after this time (as sent).
    #[serde(rename = "notAfter", default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// Every other field, as sent (`description`, `orgType`, `norEduOrgNIN`, `url`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Group {
    /// The membership, typed ([`Membership`]); `None` when the answer has none (group details
    /// outside the user's own groups) or it is not an object.
    ///
    /// ```
    /// use feide_tower::apis::{BasicRole, Group};
    ///
    /// let group: Group = serde_json::from_str(
    ///     r#"{"id": "fc:fs:fs:emne:uio.no:INF1000:1", "type": "fc:fs:emne",
    ///         "displayName": {"nb": "Programmering", "en": "Programming"},
    ///         "membership": {"basic": "member", "fsroles": ["STUDENT"], "active": true}}"#,
    /// ).unwrap();
    /// assert_eq!(group.display_name, "Programmering");
    /// let m = group.membership_view().unwrap();
    /// assert_eq!(m.basic, Some(BasicRole::Member));
    /// assert!(m.has_fs_role("STUDENT"));
    /// ```
    pub fn membership_view(&self) -> Option<Membership> {
        self.membership.as_ref().and_then(Membership::from_json)
    }

    /// Whether the user's membership is active: a membership without `active: false`.
    /// `false` without a membership.
    pub fn is_active_member(&self) -> bool {
        self.membership_view().is_some_and(|m| m.active)
    }
}

/// Calls Feide's groups API (`FEIDE_GROUPINFO_URL`, default
/// `https://groups-api.dataporten.no/groups/me/groups`) with a token that may use it: the login's
/// access token (scope `groups`), or one a data source got by token exchange.
///
/// [`ApiError::Unauthorized`] for an invalid or expired token, [`ApiError::Forbidden`] for a token
/// without a user, [`ApiError::NotFound`] when the API has nothing for the user.
pub async fn groups(provider: &Provider, token: &Secret) -> Result<Vec<Group>, ApiError> {
    let url = provider.groups_url().ok_or_else(|| {
        ApiError::Provider(ProviderError::Config(
            "no groups API URL configured (FEIDE_GROUPINFO_URL)".into(),
        ))
    })?;
    let body = get_json(provider, Some(Endpoint::Groups), "groups API", url, token).await?;
    serde_json::from_value(body).map_err(|_| {
        ProviderError::InvalidDocument {
            what: "groups API",
            url: url.to_owned(),
            reason: "not an array of groups".into(),
        }
        .into()
    })
}
