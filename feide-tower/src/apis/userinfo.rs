//! OpenID Connect userinfo.

use crate::telemetry::labels::Endpoint;
use serde_json::{Map, Value};

use super::bearer_get::{ApiError, get_json};
use crate::provider::{Provider, ProviderError, Secret};

/// Calls the provider's userinfo endpoint with the user's access token.
///
/// When `expected_sub` is given, the answer must be about that subject (OpenID Connect Core
/// §5.3.2: the ID token's `sub`), otherwise [`ApiError::SubjectMismatch`].
pub async fn userinfo(
    provider: &Provider,
    access_token: &Secret,
    expected_sub: Option<&str>,
) -> Result<Map<String, Value>, ApiError> {
    let url = provider
        .metadata()
        .userinfo_endpoint
        .as_deref()
        .ok_or_else(|| {
            ApiError::Provider(ProviderError::Config(
                "the provider has no userinfo endpoint".into(),
            ))
        })?;
    let Value::Object(info) = get_json(
        provider,
        Some(Endpoint::Userinfo),
        "userinfo endpoint",
        url,
        access_token,
    )
    .await?
    else {
        return Err(ProviderError::InvalidDocument {
            what: "userinfo endpoint",
            url: url.to_owned(),
            reason: "not a JSON object".into(),
        }
        .into());
    };
    if let Some(expected) = expected_sub
        && info.get("sub").and_then(Value::as_str) != Some(expected)
    {
        return Err(ApiError::SubjectMismatch);
    }
    Ok(info)
}
