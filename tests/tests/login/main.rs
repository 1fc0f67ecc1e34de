//! FeideLoginLayer over real HTTP against FakeFeide, on axum and on plain hyper.

mod callback;
mod controls;
mod cookies;
mod flow;
mod flow_binding;
mod harness;
mod return_to;
mod spans;
mod step_up;
mod tenants;
