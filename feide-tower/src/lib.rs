//! # feide-tower
//!
//! Tower middleware that signs users in with [Feide](https://docs.feide.no) (or any OpenID Connect
//! provider), protects APIs with Feide JWT access tokens, and calls downstream APIs with exchanged
//! tokens. Works with any tower, axum or hyper service.
//!
//! Start with one shared [`Provider`]: discovery and the signing-key cache, built once.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use feide_tower::{Provider, token::Validator};
//!
//! let feide = Provider::from_env().await?;
//! let validator = Validator::for_provider(&feide)
//!     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
//!     .build()?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod access;
pub mod apis;
pub mod bearer;
pub mod body;
pub mod exchange;
mod find_byte;
mod hot_cache;
pub mod introspection;
pub mod login;
pub mod provider;
pub mod session;
mod take_ready;
pub mod token;

#[cfg(feature = "axum")]
pub mod axum;

/// `FakeFeide`, an in-process fake Feide for tests and demos: the `feide-tower-testkit` crate,
/// re-exported (feature `testkit`). Never for production: its signing keys are public.
#[cfg(feature = "testkit")]
pub use feide_tower_testkit as testkit;

pub use provider::Provider;
