//! The POST to the introspection endpoint, with the same client authentication as the token
//! endpoint, and its answer.

use crate::telemetry;
use crate::telemetry::labels::Endpoint;
use serde_json::{Map, Value};

use crate::Provider;
use crate::provider::{ClientAuthMethod, ClientCredentials};

/// Largest introspection answer read.
const MAX_RESPONSE: usize = 64 * 1024;

/// Why an introspection call gave no answer. Never contains the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallError {
    /// Transport error, timeout, non-200 status (including refusing our client) or a body that
    /// is not a JSON object.
    Unavailable(&'static str),
}

/// The provider's answer: `Some(object without "active")` for an active token, `None` for
/// `active: false` (or `active` missing or not `true`, RFC 7662 §2.2).
pub(crate) async fn introspect(
    provider: &Provider,
    endpoint: &str,
    client: &ClientCredentials,
    method: ClientAuthMethod,
    token: &str,
) -> Result<Option<Map<String, Value>>, CallError> {
    let auth = provider
        .client_authentication(client, method)
        .map_err(CallError::Unavailable)?;
    let request = auth.apply(
        provider
            .http()
            .post(endpoint)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json"),
    );
    // Built in a block: the serializer is not `Send` and must not live across an await.
    let body = {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("token", token);
        body.append_pair("token_type_hint", "access_token");
        auth.append_to(&mut body, &[]);
        body.finish()
    };
    let send = async {
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|_| CallError::Unavailable("unreachable"))?;
        if response.status() != http::StatusCode::OK {
            return Err(CallError::Unavailable("unexpected status"));
        }
        // One bounded reader for every provider body: the limit holds for chunked answers too.
        let bytes = crate::fetch::read_limited(response, MAX_RESPONSE, "introspection", endpoint)
            .await
            .map_err(|e| match e {
                crate::provider::ProviderError::TooLarge { .. } => {
                    CallError::Unavailable("response too large")
                }
                _ => CallError::Unavailable("unreachable"),
            })?;
        Ok(bytes)
    };
    let timed = async {
        tokio::time::timeout(provider.timeout(), send)
            .await
            .map_err(|_| CallError::Unavailable("timeout"))?
    };
    let bytes = telemetry::provider_request(Endpoint::Introspection, timed).await?;
    let Ok(Value::Object(mut answer)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(CallError::Unavailable("not a JSON object"));
    };
    match answer.remove("active") {
        Some(Value::Bool(true)) => Ok(Some(answer)),
        _ => Ok(None),
    }
}
