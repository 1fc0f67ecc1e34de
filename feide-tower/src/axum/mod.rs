//! axum extractors (feature `axum`).

mod session;

pub use session::LoginRequired;
