//! Feide's groups API as a typed client: the user's groups and memberships, group details,
//! members, public groups and group types.
//!
//! Feide: <https://docs.feide.no/reference/apis/groups_api/groups_endpoints.html>.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::bearer_get::{ApiError, get_json, invalid};
use super::group_types::GroupType;
use super::groups::Group;
use super::members::Member;
use super::membership::Membership;
use super::paging::{DEFAULT_MAX_PAGES, get_list};
use super::path::{join, segment};
use crate::provider::{Provider, ProviderError, Secret};
use crate::telemetry::labels::Endpoint;

/// Feide's groups API base URL.
pub const FEIDE_GROUPS_API_BASE: &str = "https://groups-api.dataporten.no/groups";

/// A client for Feide's groups API (base `https://groups-api.dataporten.no/groups`).
///
/// Every method takes the bearer token to send: a token bound to a user (a login's access token,
/// or one a data source got by token exchange) for the user endpoints, one with the group scopes
/// the groups need (`groups-edu`, `groups-org`, `groups-other`; older clients: `groups`). Group
/// ids go into the path percent-encoded (`fc:org:uio.no` → `fc%3Aorg%3Auio.no`); an empty id is
/// [`ApiError::InvalidArgument`] and nothing is sent.
///
/// Errors, for every endpoint: 401 → [`ApiError::Unauthorized`] (invalid or expired token),
/// 403 → [`ApiError::Forbidden`] (a token without a user where one is needed, without the scope,
/// or without access to the group), 404 → [`ApiError::NotFound`] (unknown group), any other
/// status, a timeout or an answer that is not the JSON expected → [`ApiError::Provider`]. Error
/// bodies are never read. Every call is timed as the `groups` provider endpoint in the metrics.
///
/// Lists are followed across pages (`Link: <…>; rel="next"`, same origin only) up to
/// [`max_pages`](Self::max_pages) pages (default 20); Feide itself answers lists in one piece.
///
/// ```no_run
/// # async fn demo(provider: &feide_tower::Provider, token: &feide_tower::provider::Secret)
/// # -> Result<(), feide_tower::apis::ApiError> {
/// use feide_tower::apis::GroupsApi;
///
/// let api = GroupsApi::new(provider)?; // base derived from FEIDE_GROUPINFO_URL
/// for group in api.my_groups(token, false).await? {
///     if let Some(m) = group.membership_view() {
///         println!("{} ({}): {:?} {:?}", group.display_name, group.kind, m.basic, m.fsroles);
///     }
/// }
/// let teachers = api.members(token, "fc:fs:fs:emne:uio.no:INF1000:1").await?;
/// # let _ = teachers;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct GroupsApi {
    pub(super) provider: Provider,
    pub(super) base: Arc<str>,
    pub(super) max_pages: usize,
}

impl fmt::Debug for GroupsApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupsApi")
            .field("base", &self.base)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl GroupsApi {
    /// A client whose base is derived from the provider's groups URL (`FEIDE_GROUPINFO_URL`,
    /// default `https://groups-api.dataporten.no/groups/me/groups`) by removing `/me/groups`.
    /// A groups URL that does not end in `/me/groups` is a configuration error: use
    /// [`with_base_url`](Self::with_base_url).
    pub fn new(provider: &Provider) -> Result<GroupsApi, ApiError> {
        let url = provider.groups_url().ok_or_else(|| {
            ApiError::Provider(ProviderError::Config(
                "no groups API URL configured (FEIDE_GROUPINFO_URL)".into(),
            ))
        })?;
        let base = url
            .trim_end_matches('/')
            .strip_suffix("/me/groups")
            .ok_or_else(|| {
                ApiError::Provider(ProviderError::Config(
                    "FEIDE_GROUPINFO_URL does not end in /me/groups, so the groups API base \
                     cannot be derived from it; use GroupsApi::with_base_url"
                        .into(),
                ))
            })?;
        Ok(GroupsApi::with_base_url(provider, base))
    }

    /// A client for the groups API at `base` (e.g. [`FEIDE_GROUPS_API_BASE`]). Tokens are sent
    /// only over https, or plain http to a loopback host.
    pub fn with_base_url(provider: &Provider, base: impl Into<String>) -> GroupsApi {
        let base: String = base.into();
        GroupsApi {
            provider: provider.clone(),
            base: base.trim_end_matches('/').into(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Follows at most `pages` pages of a list (at least 1); more is an error
    /// ([`ApiError::Provider`]), never an endless loop.
    pub fn max_pages(mut self, pages: usize) -> GroupsApi {
        self.max_pages = pages.max(1);
        self
    }

    /// The API base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /me/groups`: the user's groups with their memberships. Only active memberships,
    /// unless `show_all` (`?showAll=true`: also expired and inactive groups and roles). A token
    /// without a user is [`ApiError::Forbidden`]; a user in no group gets an empty list.
    pub async fn my_groups(&self, token: &Secret, show_all: bool) -> Result<Vec<Group>, ApiError> {
        let mut url = join(&self.base, &["me", "groups"]);
        if show_all {
            url.push_str("?showAll=true");
        }
        self.list(&url, token).await
    }

    /// `GET /me/groups/{id}`: the user's membership of one group. Feide documents "one
    /// membership object"; a group object with a `membership` field is read too.
    /// [`ApiError::NotFound`] when the user is not a member.
    pub async fn my_membership(
        &self,
        token: &Secret,
        group_id: &str,
    ) -> Result<Membership, ApiError> {
        let url = join(
            &self.base,
            &["me", "groups", &segment("group id", group_id)?],
        );
        let body = self.one(&url, token).await?;
        let object = body.get("membership").unwrap_or(&body);
        Membership::from_json(object).ok_or_else(|| invalid(WHAT, &url, "not a membership"))
    }

    /// `GET /groups/{id}`: details about a group.
    pub async fn group(&self, token: &Secret, group_id: &str) -> Result<Group, ApiError> {
        let url = join(&self.base, &["groups", &segment("group id", group_id)?]);
        self.group_at(&url, token).await
    }

    /// `GET /groups/{id}/members`: the members of a group, with their memberships.
    pub async fn members(&self, token: &Secret, group_id: &str) -> Result<Vec<Member>, ApiError> {
        let url = join(
            &self.base,
            &["groups", &segment("group id", group_id)?, "members"],
        );
        self.list(&url, token).await
    }

    /// `GET /groups`: all groups the token may list (Feide: the public groups).
    pub async fn all_groups(&self, token: &Secret) -> Result<Vec<Group>, ApiError> {
        self.list(&join(&self.base, &["groups"]), token).await
    }

    /// `GET /grouptypes`: all group types.
    pub async fn group_types(&self, token: &Secret) -> Result<Vec<GroupType>, ApiError> {
        self.list(&join(&self.base, &["grouptypes"]), token).await
    }

    pub(super) async fn list<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        token: &Secret,
    ) -> Result<Vec<T>, ApiError> {
        get_list(
            &self.provider,
            Endpoint::Groups,
            WHAT,
            url,
            token,
            self.max_pages,
        )
        .await
    }

    pub(super) async fn one(&self, url: &str, token: &Secret) -> Result<Value, ApiError> {
        let body = get_json(&self.provider, Some(Endpoint::Groups), WHAT, url, token).await?;
        if body.is_object() {
            Ok(body)
        } else {
            Err(invalid(WHAT, url, "not a JSON object"))
        }
    }

    pub(super) async fn group_at(&self, url: &str, token: &Secret) -> Result<Group, ApiError> {
        let body = self.one(url, token).await?;
        serde_json::from_value(body).map_err(|_| invalid(WHAT, url, "not a group"))
    }
}

pub(super) const WHAT: &str = "groups API";
