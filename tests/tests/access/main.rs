//! AccessLayer (bearer-or-session, optional authentication, custom error bodies) over real HTTP
//! against FakeFeide, on axum and on plain hyper.

mod debug;
mod harness;
mod introspection;
mod layer_render;
mod logs;
mod mixed;
mod optional;
mod render;
