//! The session envelope: session data with its issue, expiry and last-activity times.
//!
//! Sealed as the JSON `{"v":1,"iat":…,"exp":…,"seen":…,"data":…}` (times in Unix seconds).
//! Times are passed in by the caller, so nothing here reads a clock.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{CookieCodec, OpenError, SealError};

/// The only envelope version this code writes and reads.
const VERSION: u32 = 1;

/// How old `seen` must be before [`Envelope::touch`] asks for a re-issue.
pub(crate) const DEFAULT_TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// Session data with its lifetime, as stored in the session cookie.
///
/// `Debug` does not show `data` (it may hold tokens or personal data).
///
/// ```
/// use std::time::Duration;
/// use feide_tower::session::KeyRing;
/// use feide_tower::session::cookie::{CookieCodec, Envelope, OpenError};
///
/// let codec = CookieCodec::new(KeyRing::from_secrets(&["TVXDMivzjvRDjp5cD6eUxxQ19zgmpzZy9e5y2SNLJpA="])?);
/// let eight_hours = Duration::from_secs(8 * 3600);
/// let idle = Some(Duration::from_secs(30 * 60));
///
/// let value = codec.seal_envelope("session", &"user-42", 1_000, eight_hours)?;
///
/// let mut session: Envelope<String> = codec.open_envelope("session", &value, 1_030, idle)?;
/// assert_eq!(session.data, "user-42");
/// assert!(!session.touch(1_030)); // seen 30 s ago: no need to rewrite the cookie
/// assert!(session.touch(1_090)); // seen 90 s ago: re-issue
/// let value = codec.reseal_envelope("session", &session)?;
///
/// // 31 minutes later without a request: idle.
/// let late = codec.open_envelope::<String>("session", &value, 1_090 + 31 * 60, idle);
/// assert_eq!(late.unwrap_err(), OpenError::Idle);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope<T> {
    /// When the session began (Unix seconds).
    pub issued_at: u64,
    /// When the session ends whatever the activity (Unix seconds).
    pub expires_at: u64,
    /// Last activity written to the cookie (Unix seconds).
    pub seen: u64,
    /// The application's session data.
    pub data: T,
    /// Opened with a key other than the ring's sealing key: re-issue to move it to the new key.
    old_key: bool,
}

/// The JSON shape.
#[derive(Serialize, Deserialize)]
struct Wire<T> {
    v: u32,
    iat: u64,
    exp: u64,
    seen: u64,
    data: T,
}

impl<T> Envelope<T> {
    /// A new session issued at `now`, ending `absolute_ttl` later.
    pub fn new(data: T, now: u64, absolute_ttl: Duration) -> Self {
        Self {
            issued_at: now,
            expires_at: now.saturating_add(absolute_ttl.as_secs()),
            seen: now,
            data,
            old_key: false,
        }
    }

    /// Records activity at `now` if `seen` is more than the touch interval (60 s unless given) old,
    /// and says whether the cookie should be re-issued
    /// ([`CookieCodec::reseal_envelope`]). Also true once for an envelope opened with an older
    /// key of the ring, so rotation moves active sessions to the new key.
    ///
    /// With an idle timeout of a few minutes or less, use [`touch_after`](Self::touch_after)
    /// with a fraction of it, or sessions can idle out while in use.
    pub fn touch(&mut self, now: u64) -> bool {
        self.touch_after(now, DEFAULT_TOUCH_INTERVAL)
    }

    /// As [`touch`](Self::touch), with `seen` considered stale once more than `interval` old.
    pub fn touch_after(&mut self, now: u64, interval: Duration) -> bool {
        let stale = now.saturating_sub(self.seen) > interval.as_secs();
        if !stale && !self.old_key {
            return false;
        }
        self.seen = self.seen.max(now);
        self.old_key = false;
        true
    }

    /// Whether it was opened with a key other than the ring's sealing key.
    pub fn sealed_with_old_key(&self) -> bool {
        self.old_key
    }

    /// An envelope as [`CookieCodec::open_envelope`] returned it before, from its parts (the
    /// login layer keeps the parts of recently opened sessions).
    pub(crate) fn from_parts(
        issued_at: u64,
        expires_at: u64,
        seen: u64,
        data: T,
        old_key: bool,
    ) -> Self {
        Self {
            issued_at,
            expires_at,
            seen,
            data,
            old_key,
        }
    }

    /// Whether the session is still usable at `now`: [`OpenError::Expired`] from `expires_at`
    /// on, [`OpenError::Idle`] once `now - seen` exceeds `idle_timeout`.
    pub(crate) fn check_times(
        &self,
        now: u64,
        idle_timeout: Option<Duration>,
    ) -> Result<(), OpenError> {
        check_times(self.expires_at, self.seen, now, idle_timeout)
    }
}

fn check_times(
    expires_at: u64,
    seen: u64,
    now: u64,
    idle_timeout: Option<Duration>,
) -> Result<(), OpenError> {
    if now >= expires_at {
        return Err(OpenError::Expired);
    }
    if let Some(idle) = idle_timeout
        && now.saturating_sub(seen) > idle.as_secs()
    {
        return Err(OpenError::Idle);
    }
    Ok(())
}

impl<T> fmt::Debug for Envelope<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("seen", &self.seen)
            .field("data", &format_args!("<redacted>"))
            .field("old_key", &self.old_key)
            .finish()
    }
}

impl CookieCodec {
    /// Seals `data` as a new session issued at `now` that ends `absolute_ttl` later.
    ///
    /// # Errors
    /// [`SealError::Serialize`] if `data` cannot be serialized as JSON.
    pub fn seal_envelope<T: Serialize>(
        &self,
        cookie_name: &str,
        data: &T,
        now: u64,
        absolute_ttl: Duration,
    ) -> Result<String, SealError> {
        self.reseal_envelope(cookie_name, &Envelope::new(data, now, absolute_ttl))
    }

    /// Seals an existing envelope again (after [`Envelope::touch`] or a change of its data),
    /// keeping its issue and expiry times.
    ///
    /// # Errors
    /// [`SealError::Serialize`] if the data cannot be serialized as JSON.
    pub fn reseal_envelope<T: Serialize>(
        &self,
        cookie_name: &str,
        envelope: &Envelope<T>,
    ) -> Result<String, SealError> {
        let wire = Wire {
            v: VERSION,
            iat: envelope.issued_at,
            exp: envelope.expires_at,
            seen: envelope.seen,
            data: &envelope.data,
        };
        let json = serde_json::to_vec(&wire).map_err(SealError::Serialize)?;
        Ok(self.seal(cookie_name, &json))
    }

    /// Opens a session sealed by [`seal_envelope`](Self::seal_envelope) and checks its times
    /// against `now`.
    ///
    /// # Errors
    /// Those of [`open`](Self::open), then [`OpenError::UnknownVersion`] for an envelope version
    /// other than 1, [`OpenError::Payload`] if it is not an envelope of `T`,
    /// [`OpenError::Expired`] from `expires_at` on, [`OpenError::Idle`] if `now - seen` exceeds
    /// `idle_timeout`.
    pub fn open_envelope<T: DeserializeOwned>(
        &self,
        cookie_name: &str,
        value: &str,
        now: u64,
        idle_timeout: Option<Duration>,
    ) -> Result<Envelope<T>, OpenError> {
        let (json, key_index) = self.open_indexed(cookie_name, value)?;
        // The parser's error can quote session content: drop it.
        let wire: Wire<T> = serde_json::from_slice(&json).map_err(|_| OpenError::Payload)?;
        if wire.v != VERSION {
            return Err(OpenError::UnknownVersion);
        }
        check_times(wire.exp, wire.seen, now, idle_timeout)?;
        Ok(Envelope {
            issued_at: wire.iat,
            expires_at: wire.exp,
            seen: wire.seen,
            data: wire.data,
            old_key: key_index != 0,
        })
    }
}
