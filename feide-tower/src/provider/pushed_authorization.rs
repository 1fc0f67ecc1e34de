//! Pushed Authorization Requests (RFC 9126): the authorization parameters go to the provider
//! over an authenticated back channel; the browser then carries only `client_id` and the
//! `request_uri` the provider answered.

use crate::telemetry::labels::Endpoint;
use serde::Deserialize;

use super::token_endpoint::invalid;
use super::{ClientAuthMethod, ClientCredentials, Provider, TokenEndpointError};

/// Largest PAR answer read (a `request_uri` and a lifetime).
const MAX_RESPONSE: usize = 16 * 1024;

/// Longest `request_uri` accepted (it goes into a URL the browser follows).
const MAX_REQUEST_URI: usize = 2048;

/// The provider's answer to a pushed authorization request.
#[derive(Debug, Clone)]
pub(crate) struct PushedRequest {
    /// The reference to use at the authorization endpoint.
    pub(crate) request_uri: String,
}

impl Provider {
    /// Whether the login must (provider requires it) push its authorization requests.
    pub(crate) fn requires_pushed_authorization(&self) -> bool {
        self.metadata().require_pushed_authorization_requests
    }

    /// POSTs the authorization parameters `form` to the PAR endpoint, authenticated as `client`
    /// like at the token endpoint.
    pub(crate) async fn push_authorization_request(
        &self,
        client: &ClientCredentials,
        method: ClientAuthMethod,
        form: &[(&str, &str)],
    ) -> Result<PushedRequest, TokenEndpointError> {
        const WHAT: &str = "pushed authorization request endpoint";
        let url = self
            .metadata()
            .pushed_authorization_request_endpoint
            .as_deref()
            .ok_or(TokenEndpointError::NotConfigured(
                "no pushed authorization request endpoint",
            ))?;
        let bytes = self
            .post_as_client(
                Endpoint::PushedAuthorization,
                WHAT,
                url,
                client,
                method,
                form,
                MAX_RESPONSE,
            )
            .await?;
        #[derive(Deserialize)]
        struct Answer {
            request_uri: String,
        }
        let answer: Answer = serde_json::from_slice(&bytes)
            .map_err(|_| invalid(WHAT, url, "not a pushed authorization response"))?;
        let request_uri = answer.request_uri;
        if request_uri.is_empty()
            || request_uri.len() > MAX_REQUEST_URI
            || request_uri.chars().any(|c| c.is_control())
        {
            return Err(invalid(WHAT, url, "unusable request_uri").into());
        }
        Ok(PushedRequest { request_uri })
    }
}
