//! Issue #9, part 4: concurrency and load, bounded and on loopback only. Figures are printed as
//! `load: ...` lines on stderr.
//!
//! - 500 concurrent full logins of 500 distinct users against axum-login (through its own
//!   `configure`) and FakeFeide: every session belongs to its own user, no errors.
//! - 10,000 bearer requests from 50 clients against the data source's bearer protection (the
//!   axum-datasource `BearerJwtLayer` configuration) while FakeFeide rotates its signing key
//!   mid-run and the clients switch to tokens of the new key: no 401 (or any other refusal) at
//!   all, exactly one JWKS fetch per rotation. Once with the default settings (30 s refresh
//!   cooldown: one rotation), once with three rotations and no cooldown.

mod bearer;
mod logins;
#[path = "../hostile/panics.rs"]
mod panics;
