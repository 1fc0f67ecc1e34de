//! Operations (issue 18): what an operator scrapes, probes and reads.
//!
//! - `scrape`: the examples' metrics listener (`METRICS_ADDR`): after a login round trip the
//!   scrape is Prometheus text naming every metric of the contract; no listener when unset; a
//!   bad address is a start-up error naming the variable.

mod scrape;
