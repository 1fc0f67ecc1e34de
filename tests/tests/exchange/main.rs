//! Token exchange, client credentials and the Feide API clients, over real HTTP against
//! FakeFeide and a downstream API on 127.0.0.1.

mod apis;
mod cache;
mod client_credentials;
mod common;
mod end_to_end;
mod group_api;
mod layer;
mod logs;
mod measure;
mod patterns;
mod spans;
