//! OpenID Provider metadata (OpenID Connect Discovery 1.0 §3), fetched or configured.

use serde::Deserialize;

/// The provider's endpoints and capabilities.
///
/// Fetched from `<issuer>/.well-known/openid-configuration`, then overridden field by field by
/// whatever the [`ProviderBuilder`](super::ProviderBuilder) set explicitly.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The issuer identifier; equals the configured issuer exactly.
    pub issuer: String,
    /// Where browsers are sent to sign in.
    pub authorization_endpoint: Option<String>,
    /// Where codes and tokens are exchanged.
    pub token_endpoint: Option<String>,
    /// OpenID Connect userinfo.
    pub userinfo_endpoint: Option<String>,
    /// The signing keys.
    pub jwks_uri: String,
    /// RP-initiated logout.
    pub end_session_endpoint: Option<String>,
    /// RFC 7662 token introspection, if offered.
    pub introspection_endpoint: Option<String>,
    /// PKCE methods, e.g. `["S256"]`.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// Client authentication methods at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// ID token signature algorithms.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Supported scopes.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// Supported grant types.
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    /// RFC 9207: the provider puts `iss` on every authorization response; the login callback then
    /// refuses responses without it (mix-up defence).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// OpenID Connect Back-Channel Logout 1.0: the provider sends logout tokens to the
    /// clients' `backchannel_logout_uri` (the login layer's
    /// [back-channel path](crate::login::FeideLoginBuilder::backchannel_logout_path)).
    #[serde(default)]
    pub backchannel_logout_supported: bool,
    /// ... and its logout tokens carry `sid` (and its ID tokens too).
    #[serde(default)]
    pub backchannel_logout_session_supported: bool,
    /// OpenID Connect Front-Channel Logout 1.0: the provider frames the clients'
    /// `frontchannel_logout_uri` when a user signs out.
    #[serde(default)]
    pub frontchannel_logout_supported: bool,
    /// ... with `iss` and `sid` in its query: the login layer then requires them.
    #[serde(default)]
    pub frontchannel_logout_session_supported: bool,
    /// RFC 9126: where authorization requests can be pushed (see
    /// [`FeideLoginBuilder::pushed_authorization_requests`](crate::login::FeideLoginBuilder::pushed_authorization_requests)).
    pub pushed_authorization_request_endpoint: Option<String>,
    /// RFC 9126: the provider accepts authorization requests only through that endpoint (the
    /// login then pushes them whatever it is configured to do).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
}

impl ProviderMetadata {
    /// Metadata built from configuration alone, for providers without discovery.
    pub(crate) fn manual(issuer: &str, jwks_uri: String) -> Self {
        Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: None,
            token_endpoint: None,
            userinfo_endpoint: None,
            jwks_uri,
            end_session_endpoint: None,
            introspection_endpoint: None,
            code_challenge_methods_supported: Vec::new(),
            token_endpoint_auth_methods_supported: Vec::new(),
            id_token_signing_alg_values_supported: Vec::new(),
            scopes_supported: Vec::new(),
            grant_types_supported: Vec::new(),
            authorization_response_iss_parameter_supported: false,
            backchannel_logout_supported: false,
            backchannel_logout_session_supported: false,
            frontchannel_logout_supported: false,
            frontchannel_logout_session_supported: false,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
        }
    }
}
