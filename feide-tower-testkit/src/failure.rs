//! Endpoints of the fake and the failures a test can make them produce.

use std::time::Duration;

/// An endpoint (group) of the fake, for failure injection and counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /.well-known/openid-configuration`.
    Discovery,
    /// `GET /openid/jwks`.
    Jwks,
    /// `GET /oauth/authorization` and `POST /oauth/authorization/decision`.
    Authorize,
    /// `POST /oauth/token`.
    Token,
    /// `GET /openid/userinfo`.
    Userinfo,
    /// `GET /userinfo/v1/userinfo` (extended userinfo).
    ExtendedUserinfo,
    /// `GET /groups/me/groups`, and every other groups API path under `/groups/`
    /// (`/groups/groups/{id}`, `/groups/grouptypes`, `/groups/v1/orgs/…`, …).
    Groups,
    /// `POST /oauth/introspect` (RFC 7662; only when enabled).
    Introspection,
    /// `GET /openid/endsession`.
    EndSession,
    /// `POST /oauth/par` (RFC 9126; only when enabled).
    Par,
    /// `GET /userinfo/v1/lookup/…`, `/userinfo/v1/exists/…` and
    /// `/userinfo/v1/exists-by-mail/…` (user lookup and existence).
    UserLookup,
}

/// How an endpoint misbehaves, set with
/// [`FakeFeide::fail`](super::FakeFeide::fail) until cleared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Answer with this status and an empty body (500 if the number is not
    /// a valid HTTP status).
    Status(u16),
    /// Answer with exactly this status, `Content-Type` and body.
    Body {
        /// The status code (500 if invalid).
        status: u16,
        /// The `Content-Type` header value.
        content_type: String,
        /// The body.
        body: String,
    },
    /// Never answer; the connection stays open until the fake shuts down.
    /// Other endpoints and connections are unaffected.
    Hang,
    /// Wait this long, then answer normally.
    Delay(Duration),
}
