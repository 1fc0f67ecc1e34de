//! Building a [`Provider`]: settings, environment, discovery.

use crate::telemetry::labels::Endpoint;
use std::sync::Arc;
use std::time::Duration;

use super::client_key::ClientKey;
use super::{ClientAuthMethod, ClientCredentials, Inner, Provider, ProviderMetadata};
use crate::env::setting;
use crate::feide::{FEIDE_EXTENDED_USERINFO_URL, FEIDE_GROUPS_URL, FEIDE_ISSUER};
use crate::fetch::{ProviderError, get_document, require_secure_url};
use crate::token::{Jwks, JwksSettings};

/// Builds a [`Provider`]. Every setting has a safe default; see each method.
///
/// ```no_run
/// # async fn run() -> Result<(), feide_tower::provider::ProviderError> {
/// use std::time::Duration;
/// use feide_tower::Provider;
///
/// let provider = Provider::builder("https://auth.dataporten.no")
///     .client("my-client-id", "my-client-secret")
///     .timeout(Duration::from_secs(5))
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ProviderBuilder {
    issuer: String,
    client: Option<ClientCredentials>,
    discovery: bool,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    jwks_uri: Option<String>,
    end_session_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    extended_userinfo_url: Option<String>,
    groups_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    jwks_cooldown: Duration,
    jwks_ttl: Duration,
    http: Option<reqwest::Client>,
    client_auth_method: Option<ClientAuthMethod>,
    client_assertion_audience: Option<String>,
}

impl ProviderBuilder {
    pub(super) fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client: None,
            discovery: true,
            authorization_endpoint: None,
            token_endpoint: None,
            userinfo_endpoint: None,
            jwks_uri: None,
            end_session_endpoint: None,
            introspection_endpoint: None,
            extended_userinfo_url: None,
            groups_url: None,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            jwks_cooldown: Duration::from_secs(30),
            jwks_ttl: Duration::from_secs(3600),
            http: None,
            client_auth_method: None,
            client_assertion_audience: None,
        }
    }

    /// A builder from the process environment; see [`Provider::from_env`].
    pub fn from_env() -> Result<Self, ProviderError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// A builder from any variable lookup (the process environment, a config map, a test).
    ///
    /// ```
    /// use feide_tower::provider::ProviderBuilder;
    ///
    /// let vars = [("OIDC_CLIENT_ID", "abc"), ("OIDC_CLIENT_SECRET", "s3cret")];
    /// let builder = ProviderBuilder::from_env_with(|name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ProviderError> {
        let var = |name: &str| setting(&lookup, name);
        let mut builder = Self::new(var("FEIDE_ISSUER").unwrap_or_else(|| FEIDE_ISSUER.to_owned()));
        builder = super::client_env::client_from_env(builder, &var)?;
        builder.extended_userinfo_url = var("FEIDE_EXTENDED_USERINFO_URL");
        builder.groups_url = var("FEIDE_GROUPINFO_URL");
        // Checked here too, so that the error names the variable; `build` checks again.
        for (name, url) in [
            ("FEIDE_ISSUER", Some(&builder.issuer)),
            (
                "FEIDE_EXTENDED_USERINFO_URL",
                builder.extended_userinfo_url.as_ref(),
            ),
            ("FEIDE_GROUPINFO_URL", builder.groups_url.as_ref()),
        ] {
            if let Some(url) = url {
                require_secure_url(name, url)?;
            }
        }
        Ok(builder)
    }

    /// This application's confidential client (needed for login and token exchange, not for
    /// bearer validation).
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client = Some(ClientCredentials::new(id, secret));
        self
    }

    /// This application's client, authenticating with `private_key_jwt` (RFC 7523 §2.2): every
    /// call to the token, introspection and pushed-authorization endpoints carries a fresh
    /// assertion signed with `key` (`iss` = `sub` = `id`, `aud` = the issuer unless
    /// [`client_assertion_audience`](Self::client_assertion_audience), 60 s lifetime, random
    /// `jti`). Register [`ClientKey::public_jwk`] with the provider.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use feide_tower::{Provider, provider::ClientKey};
    ///
    /// let pem = std::fs::read_to_string("/run/secrets/client-key.pem")?;
    /// let key = ClientKey::from_pkcs8_pem(&pem, "key-2026-01")?;
    /// let provider = Provider::builder("https://auth.dataporten.no")
    ///     .client_private_key_jwt("my-client-id", key)
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn client_private_key_jwt(mut self, id: impl Into<String>, key: ClientKey) -> Self {
        self.client = Some(ClientCredentials::with_private_key(id, key));
        self
    }

    /// How the client authenticates by default. `client_secret_basic` (the default) or
    /// `client_secret_post` for a client with a secret (the layers' default method);
    /// `private_key_jwt` states that the client must hold a key, and [`build`](Self::build)
    /// fails when it does not.
    pub fn client_auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.client_auth_method = Some(method);
        self
    }

    /// The `aud` of client assertions (default: the issuer, which RFC 7523 and OpenID Connect
    /// providers accept). Some providers want their token endpoint URL instead.
    pub fn client_assertion_audience(mut self, audience: impl Into<String>) -> Self {
        self.client_assertion_audience = Some(audience.into());
        self
    }

    /// Whether to fetch `/.well-known/openid-configuration` (default `true`). Without discovery,
    /// set at least [`jwks_uri`](Self::jwks_uri), plus the endpoints the layers you use need.
    pub fn discovery(mut self, on: bool) -> Self {
        self.discovery = on;
        self
    }

    /// Overrides the authorization endpoint.
    pub fn authorization_endpoint(mut self, url: impl Into<String>) -> Self {
        self.authorization_endpoint = Some(url.into());
        self
    }

    /// Overrides the token endpoint.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// Overrides the userinfo endpoint.
    pub fn userinfo_endpoint(mut self, url: impl Into<String>) -> Self {
        self.userinfo_endpoint = Some(url.into());
        self
    }

    /// Overrides the JWKS URI.
    pub fn jwks_uri(mut self, url: impl Into<String>) -> Self {
        self.jwks_uri = Some(url.into());
        self
    }

    /// Overrides the end-session (logout) endpoint.
    pub fn end_session_endpoint(mut self, url: impl Into<String>) -> Self {
        self.end_session_endpoint = Some(url.into());
        self
    }

    /// Overrides the RFC 7662 introspection endpoint.
    pub fn introspection_endpoint(mut self, url: impl Into<String>) -> Self {
        self.introspection_endpoint = Some(url.into());
        self
    }

    /// Feide's extended userinfo URL (default: Feide's, when the issuer is Feide). It receives
    /// access tokens: [`build`](Self::build) refuses it unless it is https (or http on a
    /// loopback host).
    pub fn extended_userinfo_url(mut self, url: impl Into<String>) -> Self {
        self.extended_userinfo_url = Some(url.into());
        self
    }

    /// Feide's groups API URL (default: Feide's, when the issuer is Feide). It receives access
    /// tokens: [`build`](Self::build) refuses it unless it is https (or http on a loopback
    /// host).
    pub fn groups_url(mut self, url: impl Into<String>) -> Self {
        self.groups_url = Some(url.into());
        self
    }

    /// Timeout for each whole request to the provider (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 5 s). Ignored when you supply your own client.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Minimum time between two JWKS refreshes caused by unknown key ids (default 30 s).
    ///
    /// Inside the cooldown a token with an unknown `kid` is refused without a fetch. Lower it and
    /// an attacker sending random `kid`s makes you fetch more often; raise it and a real key
    /// rotation that reaches you before the provider's new JWKS is cached takes longer to accept.
    pub fn jwks_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_cooldown = cooldown;
        self
    }

    /// How long a fetched JWKS is served before a background refresh, when the provider sends
    /// no `Cache-Control: max-age` (default 1 h). A failed refresh keeps the old keys.
    pub fn jwks_ttl(mut self, ttl: Duration) -> Self {
        self.jwks_ttl = ttl;
        self
    }

    /// Uses your own HTTP client (for proxies or custom roots). It should not follow redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Discovers the provider and fetches its keys.
    ///
    /// Fails with a clear error when the provider cannot be reached within the timeout, answers
    /// with something else than a discovery document, or states another issuer; and with
    /// [`ProviderError::InsecureUrl`] when the issuer, a discovered or configured endpoint or an
    /// API URL is not https (plain http only on a loopback host). A JWKS that
    /// cannot be fetched now is not fatal: it is logged and retried on demand.
    pub async fn build(self) -> Result<Provider, ProviderError> {
        require_secure_url("issuer", &self.issuer)?;
        if self.client_auth_method == Some(ClientAuthMethod::PrivateKeyJwt)
            && self
                .client
                .as_ref()
                .and_then(ClientCredentials::key)
                .is_none()
        {
            return Err(ProviderError::Config(
                "client_auth_method private_key_jwt needs a client with a private key \
                 (client_private_key_jwt)"
                    .into(),
            ));
        }
        for (name, url) in [
            ("extended_userinfo_url", &self.extended_userinfo_url),
            ("groups_url", &self.groups_url),
        ] {
            if let Some(url) = url {
                require_secure_url(name, url)?;
            }
        }
        let http = match self.http.clone() {
            Some(client) => client,
            None => default_http_client(self.connect_timeout)?,
        };
        let mut metadata = if self.discovery {
            discover(&http, &self.issuer, self.timeout).await?
        } else {
            let jwks_uri = self.jwks_uri.clone().ok_or_else(|| {
                ProviderError::Config("without discovery, a JWKS URI must be configured".into())
            })?;
            ProviderMetadata::manual(&self.issuer, jwks_uri)
        };
        self.apply_overrides(&mut metadata)?;
        let jwks = Jwks::remote(
            http.clone(),
            metadata.jwks_uri.clone(),
            JwksSettings {
                timeout: self.timeout,
                cooldown: self.jwks_cooldown,
                default_ttl: self.jwks_ttl,
            },
        )
        .await;
        let is_feide = self.issuer == FEIDE_ISSUER;
        let default_url = |url: &str| is_feide.then(|| url.to_owned());
        Ok(Provider {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                client: self.client,
                metadata,
                jwks,
                http,
                timeout: self.timeout,
                extended_userinfo_url: self
                    .extended_userinfo_url
                    .or_else(|| default_url(FEIDE_EXTENDED_USERINFO_URL)),
                groups_url: self.groups_url.or_else(|| default_url(FEIDE_GROUPS_URL)),
                client_auth_method: self.client_auth_method.unwrap_or_default(),
                client_assertion_audience: self.client_assertion_audience,
            }),
        })
    }

    fn apply_overrides(&self, m: &mut ProviderMetadata) -> Result<(), ProviderError> {
        let set = |slot: &mut Option<String>, value: &Option<String>| {
            if value.is_some() {
                slot.clone_from(value);
            }
        };
        set(&mut m.authorization_endpoint, &self.authorization_endpoint);
        set(&mut m.token_endpoint, &self.token_endpoint);
        set(&mut m.userinfo_endpoint, &self.userinfo_endpoint);
        set(&mut m.end_session_endpoint, &self.end_session_endpoint);
        set(&mut m.introspection_endpoint, &self.introspection_endpoint);
        if let Some(uri) = &self.jwks_uri {
            m.jwks_uri.clone_from(uri);
        }
        require_secure_url("jwks_uri", &m.jwks_uri)?;
        for (name, url) in [
            ("authorization_endpoint", &m.authorization_endpoint),
            ("token_endpoint", &m.token_endpoint),
            ("userinfo_endpoint", &m.userinfo_endpoint),
            ("end_session_endpoint", &m.end_session_endpoint),
            ("introspection_endpoint", &m.introspection_endpoint),
            (
                "pushed_authorization_request_endpoint",
                &m.pushed_authorization_request_endpoint,
            ),
        ] {
            if let Some(url) = url {
                require_secure_url(name, url)?;
            }
        }
        Ok(())
    }
}

fn default_http_client(connect_timeout: Duration) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .user_agent(concat!("feide-tower/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout)
        // Never follow a provider's redirect with credentials attached.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ProviderError::Config(format!("cannot build the HTTP client: {e}")))
}

async fn discover(
    http: &reqwest::Client,
    issuer: &str,
    timeout: Duration,
) -> Result<ProviderMetadata, ProviderError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let fetched = get_document(
        http,
        Endpoint::Discovery,
        "discovery document",
        &url,
        timeout,
    )
    .await?;
    let metadata: ProviderMetadata =
        serde_json::from_slice(&fetched.body).map_err(|e| ProviderError::InvalidDocument {
            what: "discovery document",
            url: url.clone(),
            reason: e.to_string(),
        })?;
    if metadata.issuer != issuer {
        return Err(ProviderError::IssuerMismatch {
            expected: issuer.to_owned(),
            found: metadata.issuer,
        });
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn env_defaults_to_feide() {
        let b = ProviderBuilder::from_env_with(env(&[])).unwrap();
        assert_eq!(b.issuer, FEIDE_ISSUER);
        assert!(b.client.is_none());
    }

    #[test]
    fn env_reads_reference_names() {
        let b = ProviderBuilder::from_env_with(env(&[
            ("FEIDE_ISSUER", "http://127.0.0.1:9"),
            ("OIDC_CLIENT_ID", "id"),
            ("OIDC_CLIENT_SECRET", "secret"),
            ("FEIDE_GROUPINFO_URL", "http://127.0.0.1:9/groups"),
        ]))
        .unwrap();
        assert_eq!(b.issuer, "http://127.0.0.1:9");
        assert_eq!(b.client.as_ref().unwrap().id, "id");
        assert_eq!(b.groups_url.as_deref(), Some("http://127.0.0.1:9/groups"));
    }

    #[test]
    fn half_a_client_is_an_error_that_hides_the_secret() {
        let err =
            ProviderBuilder::from_env_with(env(&[("OIDC_CLIENT_SECRET", "hunter2")])).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn env_urls_must_be_https_off_loopback_naming_the_variable() {
        for name in [
            "FEIDE_ISSUER",
            "FEIDE_EXTENDED_USERINFO_URL",
            "FEIDE_GROUPINFO_URL",
        ] {
            let err =
                ProviderBuilder::from_env_with(env(&[(name, "http://example.org/x")])).unwrap_err();
            assert!(
                matches!(&err, ProviderError::InsecureUrl { setting, .. } if setting == name),
                "{err}"
            );
        }
    }
}
