//! Clients for the provider's APIs that take the user's access token: userinfo (and, with token
//! exchange, Feide's extended userinfo and groups).

mod bearer_get;
mod extended_userinfo;
mod userinfo;

pub use bearer_get::ApiError;
pub use extended_userinfo::extended_userinfo;
pub use userinfo::userinfo;
