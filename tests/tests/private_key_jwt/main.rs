//! `private_key_jwt` client authentication (RFC 7523 §2.2) over real HTTP against FakeFeide: a
//! login end to end with RS256, PS256 and ES256 keys from JWKs and PEMs; refresh, token
//! exchange, client credentials and introspection signing their requests; a wrong key; the
//! fake's verification (replay, audience, lifetime, algorithm); configuration from the
//! environment; the key never in `Debug` or logs.

mod common;
mod env;
mod fake_verifies;
mod flows;
mod login;
