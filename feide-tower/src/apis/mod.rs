//! Clients for the provider's APIs that take the user's access token: userinfo (and, with token
//! exchange, Feide's extended userinfo and groups).

mod bearer_get;
mod extended_userinfo;
mod groups;
mod userinfo;

pub use bearer_get::ApiError;
pub(crate) use bearer_get::get_json;
pub use extended_userinfo::extended_userinfo;
pub use groups::{Group, groups};
pub use userinfo::userinfo;
