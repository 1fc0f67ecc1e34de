//! BearerJwtLayer against FakeFeide over real HTTP, on axum and on plain hyper.

mod answers;
mod cache;
mod clients;
mod common;
mod extractors;
mod introspection_layer;
mod keys;
mod logs;
mod scopes;
mod token_kinds;
mod tower_contract;
