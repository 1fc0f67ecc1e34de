//! Several providers in one app, over real HTTP against two (and three) FakeFeide instances,
//! each its own issuer with its own keys: two named login layers side by side, and one bearer
//! layer trusting two issuers. On axum and on plain hyper.

mod bearer;
mod harness;
mod login;
