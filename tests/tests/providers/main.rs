//! Several providers in one app, over real HTTP against two (and three) FakeFeide instances,
//! each its own issuer with its own keys: two named login layers side by side, and one bearer
//! layer trusting two issuers. On axum and on plain hyper. And (`algorithms`) providers that
//! sign with ES256 or EdDSA only, used with default settings.

mod algorithms;
mod bearer;
mod harness;
mod login;
