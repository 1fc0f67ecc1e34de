//! Who may enter: guards on Feide affiliations, organisations, groups (with roles) and MFA.
//!
//! A [`Rule`] says who may enter; a guard checks it for each request against the user's
//! [`FeideFacts`], fetched from Feide's extended userinfo and groups API and cached:
//!
//! - [`SessionGuard`]: for a web app's signed-in users ([`FeideLogin`](crate::login::FeideLogin));
//!   the facts are fetched with the session's access token and kept with the session.
//! - [`DataSourceGuard`]: for a data source's callers (behind
//!   [`BearerJwtLayer`](crate::bearer::BearerJwtLayer)); the caller's token is exchanged for one
//!   for Feide's APIs, and the facts kept per subject.
//!
//! Each is a tower layer ([`AuthorizeLayer`], via `.layer()`) and a plain async `decide`
//! function returning a [`Verdict`] (for actix and others). A request let in carries the
//! [`FeideFacts`] in its extensions.
//!
//! ```no_run
//! # fn run(login: feide_tower::login::FeideLogin) -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, routing::get};
//! use feide_tower::authorization::{FeideFacts, Rule, SessionGuard};
//!
//! let staff = SessionGuard::builder(&login, Rule::affiliation(["employee"])).build()?;
//! let lecturers = SessionGuard::builder(&login, Rule::group_type("fc:fs:*").fs_role("LECTURER"))
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/staff", get(|facts: FeideFacts| async move {
//!         format!("{} groups", facts.groups().len())
//!     }).route_layer(staff.layer()))
//!     .route("/teach", get(|| async { "lecturers" }).route_layer(lecturers.layer()))
//!     .layer(login.layer());
//! # Ok(()) }
//! ```
//!
//! Answers: a request without a session gets what
//! [`RequireLoginLayer`](crate::login::RequireLoginLayer) gives; a user who does not meet the
//! rule `403` (an HTML page for browsers, `{"error":"forbidden","error_description":...}` naming
//! the failed requirement kind for API callers; bodies from the login's
//! [`ErrorRenderer`](crate::ErrorRenderer) as [`Denial::Authorization`](crate::Denial)); Feide's
//! APIs down or failing `503` with `Retry-After` — never an allow.

mod cache;
mod data_source;
mod decision_span;
mod error;
mod facts;
mod layer;
mod rule;
mod session;
mod source;
mod verdict;

pub use crate::apis::{BasicRole, Membership};
pub use data_source::{DataSourceGuard, DataSourceGuardBuilder};
pub use error::AuthorizationConfigError;
pub use facts::{FactGroup, FeideFacts, HomeOrganization, Mfa};
pub use layer::{AuthorizationGuard, Authorize, AuthorizeFuture, AuthorizeLayer, Decision};
pub use rule::{AFFILIATIONS, Rule};
pub use session::{DEFAULT_CAPACITY, DEFAULT_FRESHNESS, SessionGuard, SessionGuardBuilder};
pub use verdict::{UNAVAILABLE_RETRY_AFTER_SECS, Verdict};
