//! Issue 18: operations. Health endpoints (`/healthz`, `/readyz`) over real HTTP, with the
//! faults that must flip readiness: a cold or stale key cache, a stopped or hung Redis.

mod health;
