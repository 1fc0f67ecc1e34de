//! Refresh tokens in FeideLoginLayer over real HTTP against FakeFeide (refresh tokens switched
//! on), on axum and on plain hyper: refresh before expiry, single flight, rotation, failures.

// Shared with the login binary, which uses all of it.
#[allow(dead_code, unused_imports)]
#[path = "../login/harness.rs"]
mod harness;

mod fake;
mod id_token;
mod layer;
mod setup;
