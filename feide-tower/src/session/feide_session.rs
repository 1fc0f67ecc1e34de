//! [`FeideSession`]: the signed-in user, as handlers see it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secret::Secret;
use crate::store::StoreKey;

/// The signed-in user: ID-token claims, userinfo and the tokens of the login.
///
/// The login layer puts one in the request extensions when the request carries a valid session
/// cookie; read it with `request.extensions().get::<FeideSession>()`, or with the axum extractor
/// (feature `axum`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct FeideSession {
    inner: Arc<SessionData>,
    expires_at: u64,
    /// The key of its record, when the login keeps sessions in a store.
    store_key: Option<StoreKey>,
}

/// What the session cookie holds (sealed with AES-256-GCM; never readable by the browser).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SessionData {
    /// The name of the login that sealed it. Absent in sessions sealed before logins had
    /// names, and left out for the unnamed login, so its cookies stay as they were.
    #[serde(
        default = "default_provider",
        skip_serializing_if = "is_default_provider"
    )]
    pub(crate) provider: String,
    /// The issuer that authenticated the user.
    pub(crate) iss: String,
    pub(crate) sub: String,
    /// All ID-token claims.
    pub(crate) claims: Map<String, Value>,
    /// The userinfo response, if fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) userinfo: Option<Map<String, Value>>,
    /// The opaque access token of the login (Feide: never decode it).
    #[serde(with = "secret_string")]
    pub(crate) access_token: Secret,
    /// When the access token expires (Unix seconds), if the provider said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) access_token_expires_at: Option<u64>,
    /// The refresh token, for providers that issue them (Feide does not). Absent in cookies
    /// sealed before refresh support, hence the default.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "option_secret_string"
    )]
    pub(crate) refresh_token: Option<Secret>,
    /// The raw ID token, for `id_token_hint` at logout.
    #[serde(with = "secret_string")]
    pub(crate) id_token: Secret,
    /// When the user authenticated (Unix seconds).
    pub(crate) auth_time: u64,
    /// What the login's ID token said that an ID token from a refresh may leave out but not
    /// change (OpenID Connect Core §12.2; `claims` are the latest ID token's). Kept only with a
    /// refresh token; absent in sessions sealed before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) original: Option<OriginalIdToken>,
}

#[cfg(test)]
impl SessionData {
    /// Alice's session at `https://op.example`, for unit tests of the session and refresh rules.
    pub(crate) fn for_test(refresh: bool, access_token_expires_at: Option<u64>) -> Self {
        Self {
            iss: "https://op.example".into(),
            provider: DEFAULT_LOGIN_NAME.into(),
            sub: "alice".into(),
            claims: Map::new(),
            userinfo: None,
            access_token: Secret::new("at"),
            access_token_expires_at,
            refresh_token: refresh.then(|| Secret::new("rt")),
            id_token: Secret::new("e30.e30.sig"),
            auth_time: 0,
            original: None,
        }
    }
}

/// The login ID token's `nonce` and `auth_time`, for checking ID tokens from refreshes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OriginalIdToken {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auth_time: Option<i64>,
}

/// The name of a login that was not given one with
/// [`FeideLoginBuilder::name`](crate::login::FeideLoginBuilder::name); also the provider of sessions
/// sealed before logins had names.
pub const DEFAULT_LOGIN_NAME: &str = "default";

fn default_provider() -> String {
    DEFAULT_LOGIN_NAME.to_owned()
}

fn is_default_provider<S: AsRef<str>>(name: &S) -> bool {
    name.as_ref() == DEFAULT_LOGIN_NAME
}

mod secret_string {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::secret::Secret;

    pub(super) fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

mod option_secret_string {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::secret::Secret;

    pub(super) fn serialize<S: Serializer>(
        secret: &Option<Secret>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => s.serialize_some(secret.expose()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        Option::<String>::deserialize(d).map(|v| v.map(Secret::new))
    }
}

impl FeideSession {
    pub(crate) fn new(data: Arc<SessionData>, expires_at: u64) -> Self {
        Self {
            inner: data,
            expires_at,
            store_key: None,
        }
    }

    /// The session as kept in a store under `key`.
    pub(crate) fn with_store_key(mut self, key: StoreKey) -> Self {
        self.store_key = Some(key);
        self
    }

    /// The key of this session's record when the login keeps sessions in a
    /// [store](crate::store) (`None` for cookie sessions): name it to
    /// [`FeideLogin::revoke_session`](crate::login::FeideLogin::revoke_session), or compare it
    /// with [`FeideLogin::sessions_of`](crate::login::FeideLogin::sessions_of)'s to mark "this
    /// device".
    pub fn store_key(&self) -> Option<StoreKey> {
        self.store_key
    }

    pub(crate) fn data(&self) -> &Arc<SessionData> {
        &self.inner
    }

    /// The user's subject identifier (stable per user and client at Feide).
    pub fn sub(&self) -> &str {
        &self.inner.sub
    }

    /// The name of the login that signed the user in
    /// ([`FeideLoginBuilder::name`](crate::login::FeideLoginBuilder::name); `"default"` for an
    /// unnamed login).
    pub fn provider(&self) -> &str {
        &self.inner.provider
    }

    /// The issuer that authenticated the user.
    pub fn issuer(&self) -> &str {
        &self.inner.iss
    }

    /// The user's display name, from userinfo or the ID token (needs the `profile` scope).
    pub fn name(&self) -> Option<&str> {
        self.claim("name").and_then(Value::as_str)
    }

    /// The user's Feide id (`https://n.feide.no/claims/eduPersonPrincipalName`, scope
    /// `userid-feide`), e.g. `alice@uio.no`.
    pub fn feide_id(&self) -> Option<&str> {
        self.claim("https://n.feide.no/claims/eduPersonPrincipalName")
            .and_then(Value::as_str)
    }

    /// A claim from userinfo, else from the ID token.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.inner
            .userinfo
            .as_ref()
            .and_then(|u| u.get(name))
            .or_else(|| self.inner.claims.get(name))
    }

    /// All ID-token claims.
    pub fn id_token_claims(&self) -> &Map<String, Value> {
        &self.inner.claims
    }

    /// The userinfo response, if it was fetched.
    pub fn userinfo(&self) -> Option<&Map<String, Value>> {
        self.inner.userinfo.as_ref()
    }

    /// The authentication context class (`acr`), e.g. after MFA.
    pub fn acr(&self) -> Option<&str> {
        self.inner.claims.get("acr").and_then(Value::as_str)
    }

    /// The opaque access token of the login, to call Feide APIs or to exchange (RFC 8693).
    /// Never log it.
    pub fn access_token(&self) -> &Secret {
        &self.inner.access_token
    }

    /// When the access token expires (Unix seconds), if known. Feide has no refresh tokens:
    /// after this the user must log in again. With a provider that issues refresh tokens, the
    /// login layer refreshes the access token shortly before this (see
    /// [`FeideLoginBuilder::refresh_before`](crate::login::FeideLoginBuilder::refresh_before)),
    /// and this is the refreshed token's expiry.
    pub fn access_token_expires_at(&self) -> Option<u64> {
        self.inner.access_token_expires_at
    }

    /// Whether the session holds a refresh token (never at Feide). The token itself is not
    /// exposed: the login layer redeems it.
    pub fn has_refresh_token(&self) -> bool {
        self.inner.refresh_token.is_some()
    }

    /// When the user authenticated (Unix seconds).
    pub fn auth_time(&self) -> u64 {
        self.inner.auth_time
    }

    /// When the session ends regardless of activity (Unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}
