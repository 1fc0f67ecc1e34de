//! Feide's extended userinfo: the user's directory attributes.

use crate::telemetry::labels::Endpoint;
use serde_json::{Map, Value};

use super::bearer_get::{ApiError, get_json};
use crate::provider::{Provider, ProviderError, Secret};

/// Calls Feide's extended userinfo API (`FEIDE_EXTENDED_USERINFO_URL`, default
/// `https://api.dataporten.no/userinfo/v1/userinfo`) with a token that may use it: the login's
/// access token, or one a data source got by token exchange.
///
/// The answer is an object of directory attributes, mostly arrays
/// (`{"eduPersonAffiliation": ["member", "student"], ...}`). [`ApiError::Forbidden`] for a token
/// without a user, [`ApiError::NotFound`] for a user who is not a Feide user.
pub async fn extended_userinfo(
    provider: &Provider,
    token: &Secret,
) -> Result<Map<String, Value>, ApiError> {
    let url = provider.extended_userinfo_url().ok_or_else(|| {
        ApiError::Provider(ProviderError::Config(
            "no extended userinfo URL configured (FEIDE_EXTENDED_USERINFO_URL)".into(),
        ))
    })?;
    match get_json(
        provider,
        Some(Endpoint::ExtendedUserinfo),
        "extended userinfo",
        url,
        token,
    )
    .await?
    {
        Value::Object(map) => Ok(map),
        _ => Err(ProviderError::InvalidDocument {
            what: "extended userinfo",
            url: url.to_owned(),
            reason: "not a JSON object".into(),
        }
        .into()),
    }
}
