//! axum extractors (feature `axum`).

mod bearer;
mod exchange;
mod identity;
mod session;

pub use bearer::BearerRejection;
pub use session::LoginRequired;
