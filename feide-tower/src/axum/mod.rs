//! axum extractors (feature `axum`).

mod bearer;
mod session;

pub use bearer::BearerRejection;
pub use session::LoginRequired;
