//! Operations (issue 18): what an operator scrapes, probes and reads.
//!
//! - `examples`: the examples serve `/healthz` and `/readyz`, readiness following the keys.
//! - `health`: the health endpoints (`/healthz`, `/readyz`) over real HTTP, with the faults
//!   that must flip readiness: a cold or stale key cache, a stopped or hung Redis.
//! - `scrape`: the examples' metrics listener (`METRICS_ADDR`): after a login round trip the
//!   scrape is Prometheus text naming every metric of the contract; no listener when unset; a
//!   bad address is a start-up error naming the variable.

mod examples;
mod health;
mod scrape;
