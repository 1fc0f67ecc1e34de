//! The label values, as closed enums: a label can only take a value listed here (or, for
//! `reason`, one of the crate's own `&'static str` reason codes), never a string from a request.
// Without the `metrics` feature the names are read by nothing but the logs.
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

/// `result` of [`LOGINS_TOTAL`](super::names::LOGINS_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoginResult {
    Success,
    /// The user declined at the provider, or a silent login needed the user.
    Cancelled,
    Failed,
}

/// `result` of [`BEARER_REQUESTS_TOTAL`](super::names::BEARER_REQUESTS_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BearerResult {
    Allowed,
    Unauthorized,
    Forbidden,
    Unavailable,
}

/// `cache` of [`BEARER_REQUESTS_TOTAL`](super::names::BEARER_REQUESTS_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheUse {
    Hit,
    Miss,
    /// No cache configured, or the request never reached it (no token, a malformed header).
    None,
}

/// `result` of [`TOKEN_EXCHANGES_TOTAL`](super::names::TOKEN_EXCHANGES_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExchangeResult {
    Success,
    Failure,
    Cached,
}

/// `grant` of [`TOKEN_EXCHANGES_TOTAL`](super::names::TOKEN_EXCHANGES_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    TokenExchange,
    ClientCredentials,
}

/// `cause` of [`SESSION_REVOCATIONS_TOTAL`](super::names::SESSION_REVOCATIONS_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RevocationCause {
    /// The user's own `/logout`.
    Logout,
    Backchannel,
    Frontchannel,
    /// The application's session administration (`revoke_user`, …).
    Admin,
}

/// `endpoint` of [`PROVIDER_REQUEST_DURATION_SECONDS`](super::names::PROVIDER_REQUEST_DURATION_SECONDS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Discovery,
    Jwks,
    Token,
    PushedAuthorization,
    Introspection,
    Userinfo,
    ExtendedUserinfo,
    Groups,
}

/// `result` of [`AUTHORIZATION_DECISIONS_TOTAL`](super::names::AUTHORIZATION_DECISIONS_TOTAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthorizationResult {
    Allowed,
    Forbidden,
    LoginRequired,
    Unavailable,
}

/// `cache` of [`CACHE_ENTRIES`](super::names::CACHE_ENTRIES).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheName {
    VerifiedTokens,
    OpenedSessions,
    ExchangedTokens,
}

impl LoginResult {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }
}

impl BearerResult {
    pub(crate) const ALL: [Self; 4] = [
        Self::Allowed,
        Self::Unauthorized,
        Self::Forbidden,
        Self::Unavailable,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Unavailable => "unavailable",
        }
    }
}

impl CacheUse {
    pub(crate) const ALL: [Self; 3] = [Self::Hit, Self::Miss, Self::None];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::None => "none",
        }
    }
}

impl ExchangeResult {
    pub(crate) const ALL: [Self; 3] = [Self::Success, Self::Failure, Self::Cached];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Cached => "cached",
        }
    }
}

impl Grant {
    pub(crate) const ALL: [Self; 2] = [Self::TokenExchange, Self::ClientCredentials];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::TokenExchange => "token_exchange",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

impl RevocationCause {
    pub(crate) const ALL: [Self; 4] = [
        Self::Logout,
        Self::Backchannel,
        Self::Frontchannel,
        Self::Admin,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Backchannel => "backchannel",
            Self::Frontchannel => "frontchannel",
            Self::Admin => "admin",
        }
    }
}

impl Endpoint {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::Token => "token",
            Self::PushedAuthorization => "pushed_authorization",
            Self::Introspection => "introspection",
            Self::Userinfo => "userinfo",
            Self::ExtendedUserinfo => "extended_userinfo",
            Self::Groups => "groups",
        }
    }
}

impl AuthorizationResult {
    pub(crate) const ALL: [Self; 4] = [
        Self::Allowed,
        Self::Forbidden,
        Self::LoginRequired,
        Self::Unavailable,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Forbidden => "forbidden",
            Self::LoginRequired => "login_required",
            Self::Unavailable => "unavailable",
        }
    }
}

impl CacheName {
    pub(crate) const ALL: [Self; 3] = [
        Self::VerifiedTokens,
        Self::OpenedSessions,
        Self::ExchangedTokens,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::VerifiedTokens => "verified_tokens",
            Self::OpenedSessions => "opened_sessions",
            Self::ExchangedTokens => "exchanged_tokens",
        }
    }
}
