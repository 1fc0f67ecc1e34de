//! Registered OAuth clients and the data sources they own.

/// Client id of the default login client.
pub const DEFAULT_CLIENT_ID: &str = "fake-client";
/// Client secret of the default login client.
pub const DEFAULT_CLIENT_SECRET: &str = "fake-secret";
/// Client id of the default data-source client (owner of
/// [`DEFAULT_DATASOURCE_AUDIENCE`]).
pub const DEFAULT_DATASOURCE_CLIENT_ID: &str = "fake-datasource";
/// Client secret of the default data-source client.
pub const DEFAULT_DATASOURCE_CLIENT_SECRET: &str = "fake-datasource-secret";
/// Audience of the default data source.
pub const DEFAULT_DATASOURCE_AUDIENCE: &str =
    "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001";

/// An OAuth client registered with the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeClient {
    /// The client id.
    pub client_id: String,
    /// The client secret (for `client_secret_basic` / `client_secret_post`).
    pub client_secret: String,
    /// Redirect URIs; an authorization request's `redirect_uri` must equal
    /// one of them exactly.
    pub redirect_uris: Vec<String>,
    /// URIs the end-session endpoint may redirect to after logout.
    pub post_logout_redirect_uris: Vec<String>,
    /// Data sources this client owns: it may exchange JWT access tokens
    /// issued for them (token exchange, data-source pattern).
    pub datasources: Vec<FakeDatasource>,
    /// Where back-channel logout POSTs logout tokens (OpenID Connect Back-Channel Logout 1.0),
    /// when the fake's back-channel switch is on.
    pub backchannel_logout_uri: Option<String>,
    /// The page the "signed out" page frames (OpenID Connect Front-Channel Logout 1.0), with
    /// `iss` and `sid` added to its query, when the fake's front-channel switch is on.
    pub frontchannel_logout_uri: Option<String>,
    /// Public JWKs the client signs `private_key_jwt` client assertions with (RFC 7523). Empty:
    /// the client cannot use `private_key_jwt`.
    pub jwks: Vec<serde_json::Value>,
}

/// A data source (an API protected by Feide) registered with the fake.
///
/// Any client may exchange its login access token for a token toward a
/// registered data source; only the owning client may exchange such a token
/// onward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeDatasource {
    /// The audience, `https://n.feide.no/datasources/<uuid>`.
    pub audience: String,
    /// The scopes the data source defines.
    pub scopes: Vec<String>,
}

impl FakeDatasource {
    /// A data source with `audience` and `scopes`.
    pub fn new(audience: impl Into<String>, scopes: &[&str]) -> FakeDatasource {
        FakeDatasource {
            audience: audience.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl FakeClient {
    /// A client with no redirect URIs and no data sources.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> FakeClient {
        FakeClient {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            datasources: Vec::new(),
            backchannel_logout_uri: None,
            frontchannel_logout_uri: None,
            jwks: Vec::new(),
        }
    }

    /// Adds a redirect URI.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> FakeClient {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Adds a post-logout redirect URI.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> FakeClient {
        self.post_logout_redirect_uris.push(uri.into());
        self
    }

    /// Registers the client's back-channel logout URI (an `http://` URI on loopback).
    pub fn backchannel_logout_uri(mut self, uri: impl Into<String>) -> FakeClient {
        self.backchannel_logout_uri = Some(uri.into());
        self
    }

    /// Registers the client's front-channel logout URI.
    pub fn frontchannel_logout_uri(mut self, uri: impl Into<String>) -> FakeClient {
        self.frontchannel_logout_uri = Some(uri.into());
        self
    }

    /// Registers public keys for `private_key_jwt`: a JWK Set (`{"keys": [...]}`) or one JWK.
    /// The client then authenticates with a signed client assertion, verified fully (signature
    /// with one of these keys, `iss` = `sub` = client id, `aud` = the issuer or the token
    /// endpoint, `exp` not passed and at most 5 minutes ahead, `jti` not replayed); its secret
    /// still works unless it is empty.
    pub fn jwks(mut self, jwks: serde_json::Value) -> FakeClient {
        match jwks.get("keys").and_then(serde_json::Value::as_array) {
            Some(keys) => self.jwks.extend(keys.iter().cloned()),
            None => self.jwks.push(jwks),
        }
        self
    }

    /// A client that authenticates only with `private_key_jwt`: no secret, `jwks` registered.
    pub fn private_key_jwt(client_id: impl Into<String>, jwks: serde_json::Value) -> FakeClient {
        FakeClient::new(client_id, "").jwks(jwks)
    }

    /// Adds a data source owned by this client.
    pub fn datasource(mut self, datasource: FakeDatasource) -> FakeClient {
        self.datasources.push(datasource);
        self
    }

    /// The default clients: the login client `fake-client` and the
    /// data-source client `fake-datasource`.
    ///
    /// The default data source is listed under both: `fake-client` so the
    /// sketch's "default client has the data source" holds, `fake-datasource`
    /// as its owner for the data-source exchange.
    pub(crate) fn defaults() -> Vec<FakeClient> {
        let ds = || FakeDatasource::new(DEFAULT_DATASOURCE_AUDIENCE, &["readUser", "writeUser"]);
        vec![
            FakeClient::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).datasource(ds()),
            FakeClient::new(
                DEFAULT_DATASOURCE_CLIENT_ID,
                DEFAULT_DATASOURCE_CLIENT_SECRET,
            )
            .datasource(ds()),
        ]
    }
}
