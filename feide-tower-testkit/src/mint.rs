//! Token minting: Feide-shaped claims for ID tokens and data-source access
//! tokens, and [`TokenMinter`] for tests that need tokens of their own.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::client::{DEFAULT_CLIENT_ID, DEFAULT_DATASOURCE_AUDIENCE};
use super::jwt;
use super::keys::{self, FakeKey};
use super::state::{CodeGrant, random_token};
use super::user::FakeUser;

/// The `https://n.feide.no/claims/customer_portal_id` in `act` of every
/// data-source access token the fake issues.
pub const CUSTOMER_PORTAL_ID: &str = "fc6fd1a5-0e6a-4a0e-9d43-7c3b6b1f0b9e";

/// Claim name of the Feide id.
pub(crate) const EPPN_CLAIM: &str = "https://n.feide.no/claims/eduPersonPrincipalName";

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether space-separated `scope` contains `wanted`.
pub(crate) fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// Claims of the ID token for a redeemed authorization code.
pub(crate) fn id_token_claims(
    issuer: &str,
    grant: &CodeGrant,
    user: &FakeUser,
    lifetime: Duration,
) -> Value {
    let req = &grant.request;
    let mut claims = user_id_token_claims(
        issuer,
        &req.client_id,
        &req.scope,
        user,
        grant.auth_time,
        lifetime,
    );
    if let Some(nonce) = &req.nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(acr) = &req.acr {
        claims["acr"] = json!(acr);
    }
    if let Some(sid) = &grant.sid {
        claims["sid"] = json!(sid);
    }
    claims
}

/// Claims of an ID token about `user`'s authentication at `auth_time` for `client_id`, with the
/// user claims `scope` allows; no `nonce` or `acr`.
pub(crate) fn user_id_token_claims(
    issuer: &str,
    client_id: &str,
    scope: &str,
    user: &FakeUser,
    auth_time: u64,
    lifetime: Duration,
) -> Value {
    let now = now_unix();
    let mut claims = json!({
        "iss": issuer,
        "aud": client_id,
        "sub": user.sub,
        "iat": now,
        "exp": now + lifetime.as_secs(),
        "auth_time": auth_time,
        "jti": random_token(),
    });
    if has_scope(scope, "profile") {
        claims["name"] = json!(user.name);
    }
    if has_scope(scope, "email") {
        claims["email"] = json!(user.email);
    }
    if has_scope(scope, "userid-feide") {
        claims[EPPN_CLAIM] = json!(user.eppn);
    }
    claims
}

/// Claims of a Feide data-source access token.
pub(crate) fn datasource_claims(
    issuer: &str,
    audience: &str,
    user: &FakeUser,
    client_id: &str,
    scope: &str,
    lifetime: Duration,
) -> Value {
    let now = now_unix();
    json!({
        "iss": issuer,
        "aud": audience,
        "sub": user.sub,
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime.as_secs(),
        "jti": random_token(),
        "act": {
            "sub": client_id,
            "https://n.feide.no/claims/customer_portal_id": CUSTOMER_PORTAL_ID,
        },
        "name": user.name,
        EPPN_CLAIM: user.eppn,
    })
}

/// The standard JOSE header for `key`.
pub(crate) fn header_for(key: &FakeKey) -> Value {
    json!({"alg": key.alg_name(), "typ": "JWT", "kid": key.kid})
}

/// Builds a JWT with chosen header fields, claims and key; get one from
/// [`FakeFeide::mint`](super::FakeFeide::mint).
///
/// The defaults are a valid Feide data-source access token for the first
/// user: `iss` = the fake's issuer, `aud` =
/// [`DEFAULT_DATASOURCE_AUDIENCE`](super::DEFAULT_DATASOURCE_AUDIENCE),
/// `sub`, `client_id` = `fake-client`, `scope` = `"openid"`, `iat`/`nbf` =
/// now, `exp` = now + 3600, `act`, `name` and the Feide id; header
/// `{"alg":"RS256","typ":"JWT","kid":<current signing kid>}`, signed with the
/// current signing key.
#[derive(Clone, Debug)]
pub struct TokenMinter {
    header: Map<String, Value>,
    claims: Value,
    key: &'static FakeKey,
}

impl TokenMinter {
    /// A minter of `claims` under `header`, signed with `key` (for other token builders).
    pub(crate) fn from_parts(
        header: Map<String, Value>,
        claims: Value,
        key: &'static FakeKey,
    ) -> TokenMinter {
        TokenMinter {
            header,
            claims,
            key,
        }
    }

    /// Removes the header field `name`.
    pub(crate) fn without_header(mut self, name: &str) -> TokenMinter {
        self.header.remove(name);
        self
    }

    /// The default minter (see the type docs).
    pub(crate) fn new(issuer: &str, user: Option<&FakeUser>, signing_kid: &str) -> TokenMinter {
        let fallback = FakeUser::new("alice", "Alice Student");
        let user = user.unwrap_or(&fallback);
        let claims = datasource_claims(
            issuer,
            DEFAULT_DATASOURCE_AUDIENCE,
            user,
            DEFAULT_CLIENT_ID,
            "openid",
            Duration::from_secs(3600),
        );
        let key = keys::by_kid(signing_kid).unwrap_or(&keys::all()[0]);
        let header = match header_for(key) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        TokenMinter {
            header,
            claims,
            key,
        }
    }

    /// Replaces all claims with `claims` (normally an object; anything else
    /// is serialized as the payload as-is).
    pub fn claims(mut self, claims: Value) -> TokenMinter {
        self.claims = claims;
        self
    }

    /// Sets claim `name` (turning a non-object payload into an object).
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> TokenMinter {
        if !self.claims.is_object() {
            self.claims = Value::Object(Map::new());
        }
        self.claims[name] = value.into();
        self
    }

    /// Removes claim `name`.
    pub fn remove(mut self, name: &str) -> TokenMinter {
        if let Some(map) = self.claims.as_object_mut() {
            map.remove(name);
        }
        self
    }

    /// Sets (`Some`) or removes (`None`) the header `kid`, without changing
    /// the signing key.
    pub fn kid(mut self, kid: Option<&str>) -> TokenMinter {
        match kid {
            Some(k) => self.header.insert("kid".into(), json!(k)),
            None => self.header.remove("kid"),
        };
        self
    }

    /// Signs with key `kid` (`fake-rsa-1`, `fake-rsa-2`, `fake-rsa-3`,
    /// `fake-ec-1` or `fake-ed-1`) and sets the header `alg` and `kid` to match; call
    /// [`kid`](Self::kid) or [`header_field`](Self::header_field) afterwards
    /// to override them.
    ///
    /// # Panics
    ///
    /// If `kid` is not one of the fake's keys.
    pub fn key(mut self, kid: &str) -> TokenMinter {
        let Some(key) = keys::by_kid(kid) else {
            panic!("FakeFeide has no key {kid:?}");
        };
        self.key = key;
        self.header.insert("alg".into(), json!(key.alg_name()));
        self.header.insert("kid".into(), json!(key.kid));
        self
    }

    /// Sets a raw header field (e.g. `jku`, `x5u`, `jwk`, `crit`, or `alg`
    /// to lie about the algorithm; the signature still uses the key's own).
    pub fn header_field(mut self, name: &str, value: impl Into<Value>) -> TokenMinter {
        self.header.insert(name.into(), value.into());
        self
    }

    /// The header and claims as they would be signed, for tests that build
    /// deliberately broken tokens (`alg: none`, HS256, ...) themselves.
    pub fn unsigned_parts(&self) -> (Value, Value) {
        (Value::Object(self.header.clone()), self.claims.clone())
    }

    /// The signed compact JWT.
    pub fn sign(&self) -> String {
        jwt::sign(&Value::Object(self.header.clone()), &self.claims, self.key)
    }
}
