//! axum extractors (feature `axum`).

mod bearer;
mod exchange;
mod facts;
mod identity;
mod session;
mod silent;

pub use bearer::BearerRejection;
pub use facts::FactsMissing;
pub use session::LoginRequired;
