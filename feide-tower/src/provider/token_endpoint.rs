//! POSTs to the provider's token endpoint with client authentication, shared by the login
//! callback, token exchange and client credentials. RFC 6749 §5 answers become typed errors.

use crate::telemetry::ProviderTimer;
use crate::telemetry::labels::Endpoint;
use std::fmt;

use serde::Deserialize;

use super::{ClientCredentials, Provider};
use crate::fetch::{ProviderError, read_limited, unreachable};
use crate::secret::Secret;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1). The default.
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A client assertion signed with the client's private key (RFC 7523 §2.2, OpenID Connect
    /// Core §9). Needs credentials holding a [`ClientKey`](super::ClientKey); such credentials
    /// use it whatever method a layer names.
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    /// The registered name (`client_secret_basic`, `client_secret_post`, `private_key_jwt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Parses a registered name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "private_key_jwt" => Some(Self::PrivateKeyJwt),
            _ => None,
        }
    }
}

/// A successful token response. The tokens are [`Secret`]s: they never print.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token (opaque at Feide for logins; a JWT from a login-client exchange).
    pub access_token: Secret,
    /// Normally `Bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Lifetime in seconds, at most [`MAX_EXPIRES_IN`]; `None` when the provider did not say.
    ///
    /// Read leniently but safely: a non-negative JSON number or a string holding one (some
    /// providers send `"3600"`) is rounded down and clamped to [`MAX_EXPIRES_IN`]; `null` counts
    /// as absent. A negative value or anything that is not a number makes the whole response
    /// unusable ([`TokenEndpointError::Provider`]): a lifetime we cannot read is not replaced
    /// by a default.
    #[serde(default, deserialize_with = "expires_in")]
    pub expires_in: Option<u64>,
    /// The ID token (authorization-code grant with `openid`).
    pub id_token: Option<Secret>,
    /// Granted scopes, space-separated.
    pub scope: Option<String>,
    /// RFC 8693: the type of the issued token.
    pub issued_token_type: Option<String>,
    /// A refresh token, for providers that issue them (Feide does not).
    pub refresh_token: Option<Secret>,
}

/// The longest `expires_in` believed: one year. A larger value (a provider bug, `1e30`,
/// `u64::MAX`) is read as this, so that adding it to a timestamp can never overflow and no
/// session or cache entry is pinned for decades.
pub const MAX_EXPIRES_IN: u64 = 365 * 24 * 3600;

/// `expires_in` by the policy documented on [`TokenResponse::expires_in`].
fn expires_in<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    struct Lifetime;

    impl<'a> serde::de::Visitor<'a> for Lifetime {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative number of seconds")
        }

        fn visit_u64<E: serde::de::Error>(self, secs: u64) -> Result<Self::Value, E> {
            Ok(Some(secs.min(MAX_EXPIRES_IN)))
        }

        fn visit_i64<E: serde::de::Error>(self, secs: i64) -> Result<Self::Value, E> {
            u64::try_from(secs)
                .map_err(|_| E::custom("expires_in is negative"))
                .and_then(|secs| self.visit_u64(secs))
        }

        fn visit_u128<E: serde::de::Error>(self, secs: u128) -> Result<Self::Value, E> {
            self.visit_u64(u64::try_from(secs).unwrap_or(u64::MAX))
        }

        fn visit_i128<E: serde::de::Error>(self, secs: i128) -> Result<Self::Value, E> {
            if secs < 0 {
                return Err(E::custom("expires_in is negative"));
            }
            self.visit_u128(secs.unsigned_abs())
        }

        fn visit_f64<E: serde::de::Error>(self, secs: f64) -> Result<Self::Value, E> {
            if !secs.is_finite() || secs < 0.0 {
                return Err(E::custom("expires_in is not a non-negative number"));
            }
            // Compared as floats first: the cast below is then exact (whole seconds, in range).
            if secs >= MAX_EXPIRES_IN as f64 {
                return Ok(Some(MAX_EXPIRES_IN));
            }
            Ok(Some(secs.floor() as u64))
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let text = text.trim();
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                // All digits: too many for a u64 is still "very long".
                return self.visit_u64(text.parse().unwrap_or(u64::MAX));
            }
            match text.parse::<f64>() {
                Ok(secs) if text.bytes().any(|b| b.is_ascii_digit()) => self.visit_f64(secs),
                _ => Err(E::custom("expires_in is not a number")),
            }
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'a>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    deserializer.deserialize_any(Lifetime)
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// An RFC 6749 §5.2 / RFC 8693 error code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`: the code, token or subject token is invalid, expired or used.
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `invalid_target` (RFC 8693): the audience is unknown or not allowed.
    InvalidTarget,
    /// Any other code (only `[a-z_]` characters kept, at most 64).
    Other(String),
}

impl OAuthErrorCode {
    fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "invalid_target" => Self::InvalidTarget,
            other => Self::Other(
                other
                    .chars()
                    .filter(|c| c.is_ascii_lowercase() || *c == '_')
                    .take(64)
                    .collect(),
            ),
        }
    }

    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The token endpoint refused or could not be reached.
///
/// The provider's `error_description` is deliberately dropped: it may echo what we sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenEndpointError {
    /// The provider answered with an RFC 6749 error.
    #[error("the token endpoint refused the request: {code} (HTTP {status})")]
    OAuth {
        /// The error code.
        code: OAuthErrorCode,
        /// The HTTP status.
        status: u16,
    },
    /// Transport, timeout, unexpected status or a body that is not a token response.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// No token endpoint or no client credentials are configured, or the client cannot
    /// authenticate as asked (e.g. `private_key_jwt` without a key).
    #[error("token endpoint not configured: {0}")]
    NotConfigured(&'static str),
}

/// Largest token response read (Feide's are ~2 KB).
const MAX_RESPONSE: usize = 256 * 1024;

impl Provider {
    /// POSTs `form` to the token endpoint as this provider's configured client.
    pub async fn token_request(
        &self,
        method: ClientAuthMethod,
        form: &[(&str, &str)],
    ) -> Result<TokenResponse, TokenEndpointError> {
        let client = self
            .client()
            .ok_or(TokenEndpointError::NotConfigured("no client credentials"))?;
        self.token_request_as(client, method, form).await
    }

    /// POSTs `form` to the token endpoint authenticated as `client`.
    pub async fn token_request_as(
        &self,
        client: &ClientCredentials,
        method: ClientAuthMethod,
        form: &[(&str, &str)],
    ) -> Result<TokenResponse, TokenEndpointError> {
        let url = self
            .metadata()
            .token_endpoint
            .as_deref()
            .ok_or(TokenEndpointError::NotConfigured("no token endpoint"))?;
        let bytes = self
            .post_as_client(
                Endpoint::Token,
                "token endpoint",
                url,
                client,
                method,
                form,
                MAX_RESPONSE,
            )
            .await?;
        serde_json::from_slice::<TokenResponse>(&bytes)
            .map_err(|_| invalid("token endpoint", url, "not a token response").into())
    }

    /// POSTs `form` to `url` authenticated as `client`; the body of a 2xx answer (at most
    /// `limit` bytes), or the RFC 6749 §5.2 error (any 4xx with an `error`), or a
    /// [`ProviderError`]. Shared by the token and pushed-authorization endpoints.
    #[allow(clippy::too_many_arguments)] // each is one part of the request; a struct would only rename them
    pub(crate) async fn post_as_client(
        &self,
        endpoint: Endpoint,
        what: &'static str,
        url: &str,
        client: &ClientCredentials,
        method: ClientAuthMethod,
        form: &[(&str, &str)],
        limit: usize,
    ) -> Result<bytes::Bytes, TokenEndpointError> {
        let auth = self
            .client_authentication(client, method)
            .map_err(TokenEndpointError::NotConfigured)?;
        let request = auth.apply(
            self.http()
                .post(url)
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(http::header::ACCEPT, "application/json"),
        );
        // Built in a block: the serializer is not `Send` and must not live across an await.
        let body = {
            let mut body = form_urlencoded::Serializer::new(String::new());
            body.extend_pairs(form);
            auth.append_to(&mut body, form);
            body.finish()
        };
        let send = async {
            let response = request
                .body(body)
                .send()
                .await
                .map_err(|e| unreachable(what, url, &e))?;
            let status = response.status();
            let bytes = read_limited(response, limit, what, url).await?;
            Ok::<_, ProviderError>((status, bytes))
        };
        let timeout = self.timeout();
        let timer = ProviderTimer::start(endpoint);
        let sent = tokio::time::timeout(timeout, send).await;
        // A 4xx OAuth refusal is an answer, not an outage: only a 2xx counts as success, and
        // anything that did not answer as failure.
        timer.finish(matches!(&sent, Ok(Ok((status, _))) if status.is_success()));
        let (status, bytes) = sent.map_err(|_| ProviderError::Timeout {
            what,
            url: url.to_owned(),
            timeout,
        })??;
        if status.is_success() {
            return Ok(bytes);
        }
        #[derive(Deserialize)]
        struct ErrorBody {
            error: String,
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(e) if status.is_client_error() => Err(TokenEndpointError::OAuth {
                code: OAuthErrorCode::parse(&e.error),
                status: status.as_u16(),
            }),
            _ => Err(ProviderError::Status {
                what,
                url: url.to_owned(),
                status: status.as_u16(),
            }
            .into()),
        }
    }
}

pub(crate) fn invalid(what: &'static str, url: &str, reason: &str) -> ProviderError {
    ProviderError::InvalidDocument {
        what,
        url: url.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        let client = ClientCredentials::new("a b", "s:+/&");
        let header = super::super::client_auth::basic_auth(&client);
        let decoded = STANDARD
            .decode(header.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(decoded, b"a+b:s%3A%2B%2F%26");
    }

    #[test]
    fn unknown_error_codes_are_sanitised() {
        let code = OAuthErrorCode::parse("<script>alert(1)</script>");
        assert_eq!(code.as_str(), "scriptalertscript");
        assert_eq!(
            OAuthErrorCode::parse("invalid_grant"),
            OAuthErrorCode::InvalidGrant
        );
    }

    fn expires_in(value: &str) -> Result<Option<u64>, serde_json::Error> {
        serde_json::from_str::<TokenResponse>(&format!(
            r#"{{"access_token":"a","token_type":"Bearer","expires_in":{value}}}"#
        ))
        .map(|r| r.expires_in)
    }

    #[test]
    fn expires_in_is_clamped_rounded_or_refused() {
        for (value, expected) in [
            ("3600", Some(3600)),
            ("0", Some(0)),
            ("3600.9", Some(3600)),
            ("\"3600\"", Some(3600)),
            ("\" 60 \"", Some(60)),
            ("\"2.5e3\"", Some(2500)),
            ("18446744073709551615", Some(MAX_EXPIRES_IN)),
            ("18446744073709551616", Some(MAX_EXPIRES_IN)),
            ("1e30", Some(MAX_EXPIRES_IN)),
            ("\"99999999999999999999999999\"", Some(MAX_EXPIRES_IN)),
            ("null", None),
        ] {
            assert_eq!(expires_in(value).unwrap(), expected, "{value}");
        }
        for value in [
            "-1",
            "-9223372036854775808",
            "-1e30",
            "\"-5\"",
            "\"soon\"",
            "\"\"",
            "\"NaN\"",
            "\"inf\"",
            "true",
            "[1]",
            "{}",
        ] {
            assert!(expires_in(value).is_err(), "{value}");
        }
        let absent: TokenResponse = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(absent.expires_in, None);
    }

    #[test]
    fn token_response_never_prints_tokens() {
        let r: TokenResponse = serde_json::from_str(
            r#"{"access_token":"AT-123","token_type":"Bearer","id_token":"ID-456"}"#,
        )
        .unwrap();
        let text = format!("{r:?}");
        assert!(
            !text.contains("AT-123") && !text.contains("ID-456"),
            "{text}"
        );
    }
}
