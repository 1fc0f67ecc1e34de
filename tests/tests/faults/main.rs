//! Issue #9, part 3: provider faults, injected with FakeFeide's controls under running apps.
//! Each test prints a matrix of what it observed (`faults: ...` lines on stderr).
//!
//! - `login`: the token endpoint hangs, is slow, answers 500/503, HTML, no `id_token`, a bad or
//!   foreign `id_token`; userinfo fails; the JWKS fails while the ID token needs a new key;
//!   the provider is shut down. The callback answers a 5xx page, never a 200 or a session; the
//!   app serves other requests meanwhile; the next login after recovery works.
//! - `keys`: the JWKS returns garbage, 404, 500, an empty set, keys with the wrong `use`/`alg`,
//!   broken key material, or hangs. The cached keys keep bearer validation working; tokens of a
//!   new key get 503 until the JWKS is back, then validate after one fetch. A cold cache fails
//!   closed (503) and recovers.
//! - `discovery`: the issuer changes or discovery breaks: new providers refuse to start,
//!   running ones keep working.
//! - `flood`: every provider or API body the library reads (discovery, JWKS, token endpoint,
//!   token exchange, client credentials, userinfo, extended userinfo, groups, introspection)
//!   answered with 256 MiB chunked: the read stops at the limit with the typed error
//!   (issue 13, finding 4).
//! - `provider_numbers`: the token endpoint's `expires_in` as a huge, negative, float or string
//!   value: the login works with the right expiry or fails cleanly, never panics (issue 13,
//!   finding 5).

mod app;
mod discovery;
mod flood;
mod keys;
mod login;
#[path = "../hostile/panics.rs"]
mod panics;
mod provider_numbers;
