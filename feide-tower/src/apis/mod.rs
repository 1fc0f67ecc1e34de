//! Clients for the provider's APIs that take the user's access token: userinfo (and, with token
//! exchange, Feide's extended userinfo and groups); Feide's groups API as a typed client
//! ([`GroupsApi`]) and its user lookup and existence APIs ([`UserLookup`]).

mod bearer_get;
mod extended_userinfo;
mod group_api;
mod group_types;
mod groups;
mod members;
mod membership;
mod org_groups;
mod paging;
mod path;
mod user_lookup;
mod userinfo;

pub use bearer_get::ApiError;
pub(crate) use bearer_get::get_json;
pub use extended_userinfo::extended_userinfo;
pub use group_api::{FEIDE_GROUPS_API_BASE, GroupsApi};
pub use group_types::GroupType;
pub use groups::{Group, groups};
pub use members::Member;
pub use membership::{BasicRole, Membership};
pub use org_groups::Org;
pub use user_lookup::{FEIDE_USERINFO_API_BASE, UserLookup};
pub use userinfo::userinfo;
