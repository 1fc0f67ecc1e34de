//! [`take_ready`]: the tower rule for middleware that calls its inner service later than in
//! `call` (after a key fetch, a session decision, a token refresh or exchange).

/// The inner service that `poll_ready` made ready, taken for this call, with a fresh clone left
/// in its place for the next `poll_ready`. Calling the clone instead would break the contract of
/// services that reserve capacity when polled (`ConcurrencyLimit`, buffers).
pub(crate) fn take_ready<S: Clone>(inner: &mut S) -> S {
    let clone = inner.clone();
    std::mem::replace(inner, clone)
}
