//! OAuth 2.0 error responses of the token endpoint (RFC 6749 §5.2, RFC 8693
//! §2.2.2).

use http::StatusCode;
use http::header::WWW_AUTHENTICATE;
use serde_json::json;

use super::response::{Resp, json_no_store, set_header};

/// An error answer of the token endpoint.
#[derive(Debug)]
pub(crate) struct OAuthError {
    code: &'static str,
    description: String,
}

impl OAuthError {
    fn new(code: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    /// `invalid_request`: missing, repeated or malformed parameter.
    pub(crate) fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", description)
    }

    /// `invalid_client`: client authentication failed (answered with 401).
    pub(crate) fn invalid_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_client", description)
    }

    /// `invalid_grant`: bad, expired, reused or mismatched grant.
    pub(crate) fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_grant", description)
    }

    /// `unauthorized_client`: this client may not use this grant.
    pub(crate) fn unauthorized_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new("unauthorized_client", description)
    }

    /// `unsupported_grant_type`.
    pub(crate) fn unsupported_grant_type(description: impl Into<String>) -> OAuthError {
        OAuthError::new("unsupported_grant_type", description)
    }

    /// `invalid_scope`.
    pub(crate) fn invalid_scope(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_scope", description)
    }

    /// `invalid_target` (RFC 8693): unknown or unacceptable audience.
    pub(crate) fn invalid_target(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_target", description)
    }

    /// The JSON response: 401 with a `WWW-Authenticate: Basic` challenge for
    /// `invalid_client`, 400 otherwise.
    pub(crate) fn into_response(self) -> Resp {
        let body = json!({"error": self.code, "error_description": self.description});
        if self.code == "invalid_client" {
            let mut resp = json_no_store(StatusCode::UNAUTHORIZED, &body);
            set_header(&mut resp, WWW_AUTHENTICATE, "Basic realm=\"FakeFeide\"");
            resp
        } else {
            json_no_store(StatusCode::BAD_REQUEST, &body)
        }
    }
}
