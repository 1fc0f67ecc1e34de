//! axum extractors (feature `axum`).

mod bearer;
mod exchange;
mod identity;
mod session;
mod silent;

pub use bearer::BearerRejection;
pub use session::LoginRequired;
