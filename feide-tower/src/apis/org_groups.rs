//! Feide's organisation groups API: an organisation's groups and their members, by domain or by
//! organisation number.
//!
//! Feide: <https://docs.feide.no/reference/apis/groups_api/groups_endpoints.html> (endpoints
//! under `/v1/orgs/{domain}` and `/v1/by-orgno/{orgno}`; access is granted per organisation,
//! see Feide's provisioning documentation).

use super::bearer_get::ApiError;
use super::group_api::GroupsApi;
use super::groups::Group;
use super::members::Member;
use super::path::{join, segment};
use crate::provider::Secret;

/// Which organisation: by its Feide realm (domain, e.g. `uio.no`) or its organisation number
/// (e.g. `NO971035854` or `971035854`, as Feide expects it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Org {
    /// `/v1/orgs/{domain}`.
    Domain(String),
    /// `/v1/by-orgno/{orgno}`.
    OrgNumber(String),
}

impl Org {
    fn prefix(&self) -> Result<[String; 3], ApiError> {
        Ok(match self {
            Org::Domain(domain) => [
                "v1".into(),
                "orgs".into(),
                segment("organisation domain", domain)?,
            ],
            Org::OrgNumber(number) => [
                "v1".into(),
                "by-orgno".into(),
                segment("organisation number", number)?,
            ],
        })
    }
}

impl GroupsApi {
    /// `GET /v1/orgs/{domain}/groups` or `/v1/by-orgno/{orgno}/groups`: all groups at the
    /// organisation. Usually with a client-credentials token for a client the organisation has
    /// granted access; errors as for every groups API call (403: no access to the organisation).
    pub async fn org_groups(&self, token: &Secret, org: &Org) -> Result<Vec<Group>, ApiError> {
        let [a, b, c] = org.prefix()?;
        self.list(&join(&self.base, &[&a, &b, &c, "groups"]), token)
            .await
    }

    /// `GET /v1/orgs/{domain}/groups/{id}` (or by organisation number): one group at the
    /// organisation; [`ApiError::NotFound`] if it has no such group.
    pub async fn org_group(
        &self,
        token: &Secret,
        org: &Org,
        group_id: &str,
    ) -> Result<Group, ApiError> {
        let [a, b, c] = org.prefix()?;
        let id = segment("group id", group_id)?;
        self.group_at(&join(&self.base, &[&a, &b, &c, "groups", &id]), token)
            .await
    }

    /// `GET /v1/orgs/{domain}/groups/{id}/members` (or by organisation number): all members of a
    /// group at the organisation.
    pub async fn org_group_members(
        &self,
        token: &Secret,
        org: &Org,
        group_id: &str,
    ) -> Result<Vec<Member>, ApiError> {
        let [a, b, c] = org.prefix()?;
        let id = segment("group id", group_id)?;
        self.list(
            &join(&self.base, &[&a, &b, &c, "groups", &id, "members"]),
            token,
        )
        .await
    }
}
