//! Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4): the valid shape FakeFeide sends,
//! and [`LogoutTokenBuilder`] for tests that need valid or hostile ones of their own.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::keys;
use super::logout::ProviderSession;
use super::mint::{TokenMinter, now_unix};
use super::state::random_token;
use super::user::FakeUser;

/// The member of `events` that makes a JWT a logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The `typ` header of logout tokens (Back-Channel Logout 1.0 §2.4).
pub(crate) const LOGOUT_TYP: &str = "logout+jwt";

/// Seconds from `iat` to `exp` of the logout tokens the fake sends.
pub(crate) const LOGOUT_TOKEN_LIFETIME: i64 = 120;

/// Builds a logout token; get one from
/// [`FakeFeide::logout_token`](super::FakeFeide::logout_token).
///
/// The defaults are the token FakeFeide itself sends to `client_id`: header
/// `{"alg":"RS256","typ":"logout+jwt","kid":<current signing kid>}`; claims `iss` (the fake's
/// issuer), `aud` (`client_id`), `iat` (now), `exp` (`iat` + 120), `jti` (random), `events`
/// (`{"http://schemas.openid.net/event/backchannel-logout": {}}`), `sid` and `sub`, signed with
/// the current signing key. Each method below changes one thing, mostly into a shape a relying
/// party must refuse; [`sign`](Self::sign) gives the compact JWT.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use feide_tower_testkit::{DEFAULT_CLIENT_ID, FakeFeide};
///
/// let feide = FakeFeide::builder().backchannel_logout(true).start().await?;
/// let valid = feide.logout_token(DEFAULT_CLIENT_ID).sid("s-1").sign();
/// let replay = feide.logout_token(DEFAULT_CLIENT_ID).jti("fixed").sign();
/// let with_nonce = feide.logout_token(DEFAULT_CLIENT_ID).nonce("n").sign();
/// let forged = feide.logout_token(DEFAULT_CLIENT_ID).bad_signature().sign();
/// assert_eq!(valid.split('.').count(), 3);
/// # let _ = (replay, with_nonce, forged);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct LogoutTokenBuilder {
    /// Header, claims and key; this adds what only logout-token tests need.
    minter: TokenMinter,
    flip_signature: bool,
    alg_none: bool,
}

impl LogoutTokenBuilder {
    /// The valid token for `client_id` about `sub` and `sid`.
    pub(crate) fn new(
        issuer: &str,
        client_id: &str,
        sub: &str,
        sid: &str,
        signing_kid: &str,
    ) -> LogoutTokenBuilder {
        let key = keys::by_kid(signing_kid).unwrap_or(&keys::all()[0]);
        let mut header = Map::new();
        header.insert("alg".into(), json!(key.alg_name()));
        header.insert("typ".into(), json!(LOGOUT_TYP));
        header.insert("kid".into(), json!(key.kid));
        let iat = i64::try_from(now_unix()).unwrap_or(i64::MAX);
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(issuer));
        claims.insert("aud".into(), json!(client_id));
        claims.insert("iat".into(), json!(iat));
        claims.insert(
            "exp".into(),
            json!(iat.saturating_add(LOGOUT_TOKEN_LIFETIME)),
        );
        claims.insert("jti".into(), json!(random_token()));
        claims.insert("events".into(), json!({ BACKCHANNEL_LOGOUT_EVENT: {} }));
        claims.insert("sid".into(), json!(sid));
        claims.insert("sub".into(), json!(sub));
        LogoutTokenBuilder {
            minter: TokenMinter::from_parts(header, Value::Object(claims), key),
            flip_signature: false,
            alg_none: false,
        }
    }

    fn set(mut self, name: &str, value: Value) -> LogoutTokenBuilder {
        self.minter = self.minter.claim(name, value);
        self
    }

    fn unset(mut self, name: &str) -> LogoutTokenBuilder {
        self.minter = self.minter.remove(name);
        self
    }

    /// About provider session `session`: its `sid` and its user's `sub`.
    pub fn session(self, session: &ProviderSession) -> LogoutTokenBuilder {
        self.set("sid", json!(session.sid))
            .set("sub", json!(session.sub))
    }

    /// `sub` of `user` (the `sid` stays).
    pub fn user(self, user: &FakeUser) -> LogoutTokenBuilder {
        self.set("sub", json!(user.sub))
    }

    /// Sets `sub`.
    // Named after the claim, like the other setters; not subtraction.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, sub: impl Into<String>) -> LogoutTokenBuilder {
        self.set("sub", Value::String(sub.into()))
    }

    /// Removes `sub` (a token with only `sid` is still valid).
    pub fn no_sub(self) -> LogoutTokenBuilder {
        self.unset("sub")
    }

    /// Sets `sid`.
    pub fn sid(self, sid: impl Into<String>) -> LogoutTokenBuilder {
        self.set("sid", Value::String(sid.into()))
    }

    /// Removes `sid` (with only `sub`, every session of the subject is meant). With
    /// [`no_sub`](Self::no_sub) too, the token is invalid.
    pub fn no_sid(self) -> LogoutTokenBuilder {
        self.unset("sid")
    }

    /// Sets `aud`: a string, or an array (`vec!["a", "b"]`), or any JSON value.
    pub fn audience(self, aud: impl Into<Value>) -> LogoutTokenBuilder {
        self.set("aud", aud.into())
    }

    /// Sets `iss`.
    pub fn issuer(self, iss: impl Into<String>) -> LogoutTokenBuilder {
        self.set("iss", Value::String(iss.into()))
    }

    /// Sets `jti` to a fixed value: two tokens with the same `jti` are a replay.
    pub fn jti(self, jti: impl Into<String>) -> LogoutTokenBuilder {
        self.set("jti", Value::String(jti.into()))
    }

    /// Removes `jti` (required by the spec).
    pub fn no_jti(self) -> LogoutTokenBuilder {
        self.unset("jti")
    }

    /// Adds a `nonce` (forbidden in logout tokens, so that an ID token cannot pass for one).
    pub fn nonce(self, nonce: impl Into<String>) -> LogoutTokenBuilder {
        self.set("nonce", Value::String(nonce.into()))
    }

    /// Removes `events` (required).
    pub fn no_events(self) -> LogoutTokenBuilder {
        self.unset("events")
    }

    /// Sets `events` to any JSON value (e.g. an object without the back-channel member, or the
    /// member with a non-object value).
    pub fn events(self, events: Value) -> LogoutTokenBuilder {
        self.set("events", events)
    }

    /// Sets the header `typ` (`Some`) or removes it (`None`; absent is allowed by the spec).
    pub fn typ(mut self, typ: Option<&str>) -> LogoutTokenBuilder {
        self.minter = match typ {
            Some(t) => self.minter.header_field("typ", t),
            None => self.minter.without_header("typ"),
        };
        self
    }

    /// Sets `iat` (seconds since the epoch; e.g. an hour ago, or in the future). `exp` is not
    /// changed.
    pub fn iat(self, iat: i64) -> LogoutTokenBuilder {
        self.set("iat", json!(iat))
    }

    /// Removes `iat` (required).
    pub fn no_iat(self) -> LogoutTokenBuilder {
        self.unset("iat")
    }

    /// Sets `exp` (seconds since the epoch).
    pub fn exp(self, exp: i64) -> LogoutTokenBuilder {
        self.set("exp", json!(exp))
    }

    /// Removes `exp` (optional in Back-Channel Logout 1.0 as published; recommended).
    pub fn no_exp(self) -> LogoutTokenBuilder {
        self.unset("exp")
    }

    /// Sets any claim (`Value::Null` sets it to `null`; see [`remove`](Self::remove)).
    pub fn claim(self, name: &str, value: impl Into<Value>) -> LogoutTokenBuilder {
        self.set(name, value.into())
    }

    /// Removes any claim.
    pub fn remove(self, name: &str) -> LogoutTokenBuilder {
        self.unset(name)
    }

    /// Sets a raw header field (e.g. `crit`, `jku`, or `alg` to lie about the algorithm).
    pub fn header_field(mut self, name: &str, value: impl Into<Value>) -> LogoutTokenBuilder {
        self.minter = self.minter.header_field(name, value);
        self
    }

    /// Sets (`Some`) or removes (`None`) the header `kid`, without changing the signing key.
    pub fn kid(mut self, kid: Option<&str>) -> LogoutTokenBuilder {
        self.minter = self.minter.kid(kid);
        self
    }

    /// Signs with key `kid` (`fake-rsa-1`, `-2`, `-3`, `fake-ec-1` or `fake-ed-1`) and sets the header `alg`
    /// and `kid` to match: an unpublished key gives a token signed by a key the relying party
    /// does not trust, `fake-ec-1` one whose algorithm (ES256) is outside the default allow-list.
    ///
    /// # Panics
    ///
    /// If `kid` is not one of the fake's keys.
    pub fn key(mut self, kid: &str) -> LogoutTokenBuilder {
        self.minter = self.minter.key(kid);
        self
    }

    /// Keeps header and claims but flips one bit of the signature: the shape is right, the
    /// signature does not verify with any key.
    pub fn bad_signature(mut self) -> LogoutTokenBuilder {
        self.flip_signature = true;
        self
    }

    /// Header `alg` `none` and an empty signature (an unsecured JWT).
    pub fn alg_none(mut self) -> LogoutTokenBuilder {
        self.alg_none = true;
        self
    }

    /// The header and claims as they will be signed.
    pub fn unsigned_parts(&self) -> (Value, Value) {
        let (mut header, claims) = self.minter.unsigned_parts();
        if self.alg_none {
            header["alg"] = json!("none");
        }
        (header, claims)
    }

    /// The compact JWT.
    pub fn sign(&self) -> String {
        if self.alg_none {
            let (header, claims) = self.unsigned_parts();
            return format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
        }
        let token = self.minter.sign();
        if !self.flip_signature {
            return token;
        }
        let Some((message, signature)) = token.rsplit_once('.') else {
            return token;
        };
        let mut raw = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
        if let Some(first) = raw.first_mut() {
            *first ^= 0x01;
        }
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(raw))
    }
}
