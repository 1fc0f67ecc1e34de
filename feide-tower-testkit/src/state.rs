//! Shared state of one fake: users, clients, codes, tokens, counters and the
//! test controls.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::client::{FakeClient, FakeDatasource};
use super::failure::{Endpoint, Failure};
use super::keys;
use super::token_request::TokenRequest;
use super::user::FakeUser;

/// Lifetime of an authorization code.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// Lifetime of a pending interactive login.
pub(crate) const PENDING_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Settings fixed when the fake starts.
pub(crate) struct State {
    /// `http://127.0.0.1:PORT`.
    pub(crate) issuer: String,
    /// Whether callbacks carry `iss` (RFC 9207).
    pub(crate) callback_iss: bool,
    /// Lifetime of ID tokens.
    pub(crate) id_token_lifetime: Duration,
    inner: Mutex<Inner>,
}

/// A validated authorization request.
#[derive(Clone, Debug)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) scope: String,
    pub(crate) code_challenge: String,
    pub(crate) acr: Option<String>,
}

/// An issued, not yet redeemed authorization code.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    pub(crate) request: AuthRequest,
    pub(crate) user_id: String,
    pub(crate) auth_time: u64,
    pub(crate) expires: Instant,
    /// The provider session of the login (only when a logout switch is on).
    pub(crate) sid: Option<String>,
}

/// An opaque access token issued by the fake.
#[derive(Clone, Debug)]
pub(crate) struct OpaqueToken {
    pub(crate) client_id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) scope: String,
    pub(crate) expires: Instant,
}

/// The mutable part of the state, behind one mutex (never held across an
/// await).
pub(crate) struct Inner {
    pub(crate) users: Vec<FakeUser>,
    pub(crate) clients: Vec<FakeClient>,
    pub(crate) codes: HashMap<String, CodeGrant>,
    /// Redeemed codes and the access token each one produced, so a replay
    /// can revoke it (RFC 6749 §4.1.2).
    pub(crate) redeemed: HashMap<String, String>,
    pub(crate) tokens: HashMap<String, OpaqueToken>,
    pub(crate) pending: HashMap<String, (AuthRequest, Instant)>,
    pub(crate) next_user: Option<String>,
    pub(crate) interactive: bool,
    pub(crate) signing_kid: &'static str,
    pub(crate) published: Vec<&'static str>,
    pub(crate) discovery_issuer: Option<String>,
    pub(crate) jwks_max_age: Option<u64>,
    pub(crate) failures: HashMap<Endpoint, Failure>,
    pub(crate) counts: HashMap<Endpoint, usize>,
    pub(crate) token_requests: Vec<TokenRequest>,
    pub(crate) access_token_lifetime: Duration,
    /// `expires_in` sent as is by every successful token response instead of the lifetime.
    pub(crate) expires_in_override: Option<serde_json::Value>,
    /// RFC 7662 introspection (off by default).
    pub(crate) introspection: super::introspection::IntrospectionSettings,
    /// Whether logins get refresh tokens and the refresh grant works (off by default).
    pub(crate) refresh_enabled: bool,
    /// Live refresh tokens (each works once: the grant rotates it).
    pub(crate) refresh_tokens: HashMap<String, super::refresh::RefreshGrant>,
    /// Claims to change in the ID token of refresh answers (`None`: no ID token).
    pub(crate) refresh_id_token: Option<serde_json::Map<String, serde_json::Value>>,
    /// Provider sessions and the logout switches (off by default).
    pub(crate) logout: super::logout::LogoutState,
    /// What discovery advertises for ID tokens, and HS256 ID tokens (off by default).
    pub(crate) signing: super::signing::SigningSettings,
    /// The remembered sign-in, authorization requests, ID token changes (off by default).
    pub(crate) sign_in: super::sign_in::SignInState,
    /// `private_key_jwt`: the accepted audiences and the `jti`s seen.
    pub(crate) client_assertions: super::client_assertion::AssertionState,
    /// Pushed authorization requests (off by default).
    pub(crate) par: super::par::ParState,
    /// The groups API's groups, organisations and paging.
    pub(crate) groups_api: super::fake_group::GroupsState,
}

impl State {
    /// A fresh state; `inner` carries the builder's choices.
    pub(crate) fn new(
        issuer: String,
        callback_iss: bool,
        id_token_lifetime: Duration,
        inner: Inner,
    ) -> State {
        State {
            issuer,
            callback_iss,
            id_token_lifetime,
            inner: Mutex::new(inner),
        }
    }

    /// Locks the mutable state. A panic elsewhere while holding the lock
    /// leaves data that is still consistent enough for a test fake, so a
    /// poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    /// Initial state with the given users and clients.
    pub(crate) fn new(
        users: Vec<FakeUser>,
        clients: Vec<FakeClient>,
        interactive: bool,
        jwks_max_age: Option<u64>,
        access_token_lifetime: Duration,
    ) -> Inner {
        Inner {
            users,
            clients,
            codes: HashMap::new(),
            redeemed: HashMap::new(),
            tokens: HashMap::new(),
            pending: HashMap::new(),
            next_user: None,
            interactive,
            signing_kid: keys::RSA_KIDS[0],
            published: vec![keys::RSA_KIDS[0]],
            discovery_issuer: None,
            jwks_max_age,
            failures: HashMap::new(),
            counts: HashMap::new(),
            token_requests: Vec::new(),
            access_token_lifetime,
            expires_in_override: None,
            introspection: Default::default(),
            refresh_enabled: false,
            refresh_tokens: HashMap::new(),
            refresh_id_token: None,
            logout: Default::default(),
            signing: Default::default(),
            sign_in: Default::default(),
            client_assertions: Default::default(),
            par: Default::default(),
            groups_api: super::fake_group::GroupsState::defaults(),
        }
    }

    /// The user whose short name or Feide id is `key`.
    pub(crate) fn find_user(&self, key: &str) -> Option<&FakeUser> {
        self.users.iter().find(|u| u.id == key || u.eppn == key)
    }

    /// The user with subject `sub`.
    pub(crate) fn user_by_sub(&self, sub: &str) -> Option<&FakeUser> {
        self.users.iter().find(|u| u.sub == sub)
    }

    /// The registered client `client_id`.
    pub(crate) fn client(&self, client_id: &str) -> Option<&FakeClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// The registered data source with `audience` (owned by any client).
    pub(crate) fn datasource(&self, audience: &str) -> Option<&FakeDatasource> {
        self.clients
            .iter()
            .flat_map(|c| c.datasources.iter())
            .find(|d| d.audience == audience)
    }

    /// Adds or replaces (by id) a user.
    pub(crate) fn upsert_user(&mut self, user: FakeUser) {
        match self.users.iter_mut().find(|u| u.id == user.id) {
            Some(slot) => *slot = user,
            None => self.users.push(user),
        }
    }

    /// Adds or replaces (by client id) a client.
    pub(crate) fn upsert_client(&mut self, client: FakeClient) {
        match self
            .clients
            .iter_mut()
            .find(|c| c.client_id == client.client_id)
        {
            Some(slot) => *slot = client,
            None => self.clients.push(client),
        }
    }

    /// Issues an opaque access token and returns it.
    pub(crate) fn issue_token(
        &mut self,
        client_id: &str,
        user_id: Option<&str>,
        scope: &str,
    ) -> String {
        self.purge_expired();
        let token = random_token();
        self.tokens.insert(
            token.clone(),
            OpaqueToken {
                client_id: client_id.to_string(),
                user_id: user_id.map(str::to_string),
                scope: scope.to_string(),
                expires: Instant::now() + self.access_token_lifetime,
            },
        );
        token
    }

    /// The live (known, unexpired) opaque token `token`.
    pub(crate) fn live_token(&self, token: &str) -> Option<&OpaqueToken> {
        self.tokens
            .get(token)
            .filter(|t| Instant::now() < t.expires)
    }

    /// Issues an authorization code for `request` and `user_id`.
    pub(crate) fn issue_code(
        &mut self,
        request: AuthRequest,
        user_id: &str,
        now: u64,
        sid: Option<String>,
    ) -> String {
        self.purge_expired();
        let code = random_token();
        self.codes.insert(
            code.clone(),
            CodeGrant {
                request,
                user_id: user_id.to_string(),
                auth_time: now,
                expires: Instant::now() + CODE_LIFETIME,
                sid,
            },
        );
        code
    }

    /// Drops expired codes, tokens and pending logins.
    fn purge_expired(&mut self) {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires > now);
        self.tokens.retain(|_, t| t.expires > now);
        self.pending.retain(|_, (_, exp)| *exp > now);
    }
}

/// 32 random bytes, base64url without padding: codes, tokens, request ids.
pub(crate) fn random_token() -> String {
    let mut buf = [0u8; 32];
    // The system RNG failing is not something a test fake can recover from,
    // and aws-lc only reports it on a broken platform.
    aws_lc_rs::rand::fill(&mut buf).expect("system random number generator failed");
    URL_SAFE_NO_PAD.encode(buf)
}
