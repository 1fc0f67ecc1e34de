//! Server-side sessions (issue 15) over real HTTP: three app instances sharing one store, as
//! replicas behind a load balancer share Redis. Every scenario runs on `MemoryStore` (one
//! process, shared by the three instances) and on Redis (`redis.rs`).

mod harness;
mod memory;
mod provider_logout;
mod provider_logout_runs;
mod redis;
mod scenarios;
