//! One GET with a bearer token, a timeout and typed errors: the shape of every Feide API call.

use crate::telemetry::ProviderTimer;
use crate::telemetry::labels::Endpoint;
use bytes::Bytes;
use http::StatusCode;
use serde_json::Value;

use crate::fetch::{ProviderError, read_limited, require_secure_url, unreachable};
use crate::provider::Provider;
use crate::secret::Secret;

/// A Feide API call failed. No variant carries the token or the response body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 401: the token is invalid or expired.
    #[error("the API refused the token (401)")]
    Unauthorized,
    /// 403: the token may not use this API (for example a token without a user).
    #[error("the token may not use this API (403)")]
    Forbidden,
    /// 404: nothing here for this user (extended userinfo: not a Feide user).
    #[error("the API has nothing for this user (404)")]
    NotFound,
    /// Transport, timeout, another status, or a body that is not the JSON expected.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The answer is about another user than the one who logged in.
    #[error("the API answered for another subject")]
    SubjectMismatch,
    /// An argument cannot be sent (for example an empty group id); nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
}

/// Largest API response read.
const MAX_RESPONSE: usize = 1024 * 1024;

pub(crate) async fn get_json(
    provider: &Provider,
    endpoint: Option<Endpoint>,
    what: &'static str,
    url: &str,
    token: &Secret,
) -> Result<Value, ApiError> {
    get_json_page(provider, endpoint, what, url, token)
        .await
        .map(|(body, _)| body)
}

/// Most `Link` header values kept from one answer.
const MAX_LINK_HEADERS: usize = 8;

/// [`get_json`], also giving the answer's `Link` header values (at most [`MAX_LINK_HEADERS`]),
/// for following pages.
pub(crate) async fn get_json_page(
    provider: &Provider,
    endpoint: Option<Endpoint>,
    what: &'static str,
    url: &str,
    token: &Secret,
) -> Result<(Value, Vec<String>), ApiError> {
    // Never a token over plain http off loopback, wherever the URL came from.
    require_secure_url(what, url)?;
    let mut auth = http::HeaderValue::try_from(format!("Bearer {}", token.expose()))
        .map_err(|_| ApiError::Unauthorized)?;
    auth.set_sensitive(true);
    let request = provider
        .http()
        .get(url)
        .header(http::header::AUTHORIZATION, auth)
        .header(http::header::ACCEPT, "application/json");
    let call = async {
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(what, url, &e))?;
        let status = response.status();
        if !status.is_success() {
            // The status decides; an error body is never read.
            return Ok((status, Bytes::new(), Vec::new()));
        }
        let links = response
            .headers()
            .get_all(http::header::LINK)
            .iter()
            .take(MAX_LINK_HEADERS)
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let body = read_limited(response, MAX_RESPONSE, what, url).await?;
        Ok::<_, ProviderError>((status, body, links))
    };
    let timeout = provider.timeout();
    let timer = endpoint.map(ProviderTimer::start);
    let answered = tokio::time::timeout(timeout, call).await;
    if let Some(timer) = timer {
        timer.finish(matches!(&answered, Ok(Ok((status, _, _))) if status.is_success()));
    }
    let (status, body, links) = answered.map_err(|_| ProviderError::Timeout {
        what,
        url: url.to_owned(),
        timeout,
    })??;
    match status {
        StatusCode::UNAUTHORIZED => return Err(ApiError::Unauthorized),
        StatusCode::FORBIDDEN => return Err(ApiError::Forbidden),
        StatusCode::NOT_FOUND => return Err(ApiError::NotFound),
        s if !s.is_success() => {
            return Err(ProviderError::Status {
                what,
                url: url.to_owned(),
                status: s.as_u16(),
            }
            .into());
        }
        _ => {}
    }
    let body = serde_json::from_slice(&body).map_err(|_| invalid(what, url, "not JSON"))?;
    Ok((body, links))
}

pub(crate) fn invalid(what: &'static str, url: &str, reason: &str) -> ApiError {
    ProviderError::InvalidDocument {
        what,
        url: url.to_owned(),
        reason: reason.to_owned(),
    }
    .into()
}
