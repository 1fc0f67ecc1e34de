//! RFC 7662 token introspection: protecting APIs with **opaque** access tokens, for providers
//! that offer an `introspection_endpoint` (Feide does not; its data-source tokens are JWTs, see
//! [`bearer`](crate::bearer)).
//!
//! [`Introspector`] asks the provider about each new token (client-authenticated), maps an
//! active answer to the same [`Claims`](crate::token::Claims) and [`Principal`](crate::bearer::Principal)
//! a JWT would give, and applies the same issuer, audience, time, user and scope rules and the
//! same RFC 6750 [`Challenge`](crate::bearer::Challenge)s:
//!
//! | answer | result |
//! |---|---|
//! | `active: true`, right `iss`/`aud`, not expired, scopes present | let through |
//! | `active: false` (unknown, expired, revoked) | 401 `invalid_token` |
//! | active, wrong `iss`/`aud`, no `iss`/`aud`/`exp`/`sub`, or an ID token's claims | 401 `invalid_token` |
//! | active, scopes missing | 403 `insufficient_scope` |
//! | endpoint unreachable, slow, erroring, or refusing our client | 503 |
//!
//! Active answers are cached, keyed by the SHA-256 of the token (never the token itself), until
//! the token's `exp` and at most [`IntrospectorBuilder::cache_max_lifetime`] (so a revoked token
//! is let through for at most that long); the expiry is checked again on every hit. Concurrent
//! requests with the same new token share one introspection call.
//!
//! Refusals are remembered too, briefly (default 30 s, at most 10 000 tokens, keyed by the
//! SHA-256 of the token): a junk token sent again and again costs the provider one call, not one
//! per request ([`IntrospectorBuilder::refusal_cache_lifetime`]). Only lasting refusals are
//! remembered (`active: false`, wrong issuer or audience, ...); a failed call never is, so an
//! outage is not turned into refusals. Each *new* junk token still costs one call: put a rate
//! limit in front of an introspected API that anyone can reach.
//!
//! Use it as a tower layer on its own ([`Introspector::layer`], no login needed), as the bearer
//! judge of [`AccessGuard`](crate::access::AccessGuard), or directly.

mod builder;
mod introspector;
mod layer;
mod request;

pub use builder::{IntrospectionConfigError, IntrospectorBuilder};
pub use introspector::Introspector;
pub use layer::{IntrospectionLayer, IntrospectionService, ResponseFuture};
