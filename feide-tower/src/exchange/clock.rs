//! The time source of the token caches: the monotonic clock, replaceable in tests so expiry can
//! be checked without waiting.

use std::sync::Arc;
use std::time::Instant;

/// Returns "now".
pub(crate) type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// `Instant::now`.
pub(crate) fn system() -> Clock {
    Arc::new(Instant::now)
}
