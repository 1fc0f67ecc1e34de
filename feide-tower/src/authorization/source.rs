//! Where the facts come from: Feide's extended userinfo and groups API, called together with
//! one token (the session's, or one a data source got by token exchange).

use serde_json::Value;

use super::facts::Directory;
use crate::apis::{self, ApiError, Group};
use crate::provider::{Provider, ProviderError, Secret};
use crate::telemetry::labels::Endpoint;

/// Asks both APIs (those the provider has a URL for) with `token`, at once. A user the API has
/// nothing for (404) has no facts from it; any other failure fails the whole fetch.
pub(crate) async fn fetch(
    provider: &Provider,
    token: &Secret,
    feide_id: Option<&str>,
) -> Result<Directory, ApiError> {
    let extended = async {
        match provider.extended_userinfo_url() {
            None => Ok(None),
            Some(_) => match apis::extended_userinfo(provider, token).await {
                Ok(map) => Ok(Some(map)),
                Err(ApiError::NotFound) => Ok(None),
                Err(e) => Err(e),
            },
        }
    };
    let groups = async {
        let Some(url) = provider.groups_url() else {
            return Ok(Vec::new());
        };
        // Raw, so that each group is read on its own (below).
        match apis::get_json(provider, Some(Endpoint::Groups), "groups API", url, token).await {
            Ok(Value::Array(items)) => Ok(items),
            Ok(_) => Err(ApiError::Provider(ProviderError::InvalidDocument {
                what: "groups API",
                url: url.to_owned(),
                reason: "not an array of groups".into(),
            })),
            Err(ApiError::NotFound) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    };
    let (extended, raw) = tokio::join!(extended, groups);
    let (extended, raw) = (extended?, raw?);
    // Each group on its own: one odd group does not hide the others.
    let groups: Vec<Group> = raw
        .iter()
        .filter_map(|g| serde_json::from_value(g.clone()).ok())
        .collect();
    Ok(Directory::from_sources(
        extended.as_ref(),
        &groups,
        feide_id,
    ))
}
