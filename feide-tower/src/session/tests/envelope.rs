use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::*;
use crate::session::cookie::{DEFAULT_TOUCH_INTERVAL, Envelope, OpenError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Session {
    user: String,
    org: Option<String>,
}

fn alice() -> Session {
    Session {
        user: "alice@uio.no".to_owned(),
        org: Some("uio".to_owned()),
    }
}

const T0: u64 = 1_700_000_000;
const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn round_trip_and_json_shape() {
    let codec = codec(&[NEW]);
    let value = codec.seal_envelope("session", &alice(), T0, HOUR).unwrap();

    let json: serde_json::Value =
        serde_json::from_slice(&codec.open("session", &value).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "v": 1, "iat": T0, "exp": T0 + 3600, "seen": T0,
            "data": { "user": "alice@uio.no", "org": "uio" }
        })
    );

    let env: Envelope<Session> = codec
        .open_envelope("session", &value, T0 + 10, None)
        .unwrap();
    assert_eq!(env.data, alice());
    assert_eq!(
        (env.issued_at, env.expires_at, env.seen),
        (T0, T0 + 3600, T0)
    );
    assert!(!env.sealed_with_old_key());
}

#[test]
fn absolute_expiry() {
    let codec = codec(&[NEW]);
    let value = codec.seal_envelope("session", &alice(), T0, HOUR).unwrap();
    let open = |now| codec.open_envelope::<Session>("session", &value, now, None);
    assert!(open(T0 + 3599).is_ok());
    assert_eq!(open(T0 + 3600).unwrap_err(), OpenError::Expired);
    assert_eq!(open(u64::MAX).unwrap_err(), OpenError::Expired);
}

#[test]
fn idle_expiry() {
    let codec = codec(&[NEW]);
    let value = codec.seal_envelope("session", &alice(), T0, HOUR).unwrap();
    let idle = Some(Duration::from_secs(600));
    let open = |now, idle| codec.open_envelope::<Session>("session", &value, now, idle);
    assert!(open(T0 + 600, idle).is_ok());
    assert_eq!(open(T0 + 601, idle).unwrap_err(), OpenError::Idle);
    // Without an idle timeout only the absolute expiry counts.
    assert!(open(T0 + 3000, None).is_ok());
    // A clock behind `seen` (another server) is not idle.
    assert!(open(T0 - 5, idle).is_ok());
}

#[test]
fn touch_reissues_only_when_seen_is_stale() {
    let mut env = Envelope::new(alice(), T0, HOUR);
    assert_eq!(DEFAULT_TOUCH_INTERVAL, Duration::from_secs(60));
    assert!(!env.touch(T0 + 60));
    assert_eq!(env.seen, T0);
    assert!(env.touch(T0 + 61));
    assert_eq!(env.seen, T0 + 61);
    assert!(!env.touch(T0 + 62));
    assert!(!env.touch(T0)); // a clock behind does not move `seen` back
    assert_eq!(env.seen, T0 + 61);

    assert!(!env.touch_after(T0 + 70, Duration::from_secs(10)));
    assert!(env.touch_after(T0 + 72, Duration::from_secs(10)));
    assert_eq!(env.seen, T0 + 72);
}

#[test]
fn reseal_keeps_the_lifetime_and_extends_idle() {
    let codec = codec(&[NEW]);
    let idle = Some(Duration::from_secs(600));
    let value = codec.seal_envelope("session", &alice(), T0, HOUR).unwrap();
    let mut env: Envelope<Session> = codec
        .open_envelope("session", &value, T0 + 500, idle)
        .unwrap();
    assert!(env.touch(T0 + 500));
    env.data.org = None;
    let value = codec.reseal_envelope("session", &env).unwrap();

    let env: Envelope<Session> = codec
        .open_envelope("session", &value, T0 + 1000, idle)
        .unwrap();
    assert_eq!(
        (env.issued_at, env.expires_at, env.seen),
        (T0, T0 + 3600, T0 + 500)
    );
    assert_eq!(env.data.org, None);
    assert_eq!(
        codec
            .open_envelope::<Session>("session", &value, T0 + 3600, idle)
            .unwrap_err(),
        OpenError::Expired
    );
}

#[test]
fn an_old_key_asks_for_a_reissue() {
    let old_value = codec(&[OLD])
        .seal_envelope("session", &alice(), T0, HOUR)
        .unwrap();
    let rotated = codec(&[NEW, OLD]);
    let mut env: Envelope<Session> = rotated
        .open_envelope("session", &old_value, T0 + 1, None)
        .unwrap();
    assert!(env.sealed_with_old_key());
    assert!(env.touch(T0 + 1), "fresh, but sealed with the old key");
    assert!(!env.sealed_with_old_key());
    assert!(!env.touch(T0 + 2));

    let new_value = rotated.reseal_envelope("session", &env).unwrap();
    let env: Envelope<Session> = codec(&[NEW])
        .open_envelope("session", &new_value, T0 + 2, None)
        .unwrap();
    assert!(!env.sealed_with_old_key());
}

#[test]
fn wrong_shapes_are_refused() {
    let codec = codec(&[NEW]);
    let value = codec
        .seal_envelope("session", &"just a string", T0, HOUR)
        .unwrap();
    let err = codec
        .open_envelope::<Session>("session", &value, T0, None)
        .unwrap_err();
    assert_eq!(err, OpenError::Payload);
    assert!(!format!("{err} {err:?}").contains("just a string"));

    let not_json = codec.seal("session", b"not json");
    assert_eq!(
        codec
            .open_envelope::<Session>("session", &not_json, T0, None)
            .unwrap_err(),
        OpenError::Payload
    );

    let v2 = br#"{"v":2,"iat":1,"exp":18446744073709551615,"seen":1,"data":"x"}"#;
    assert_eq!(
        codec
            .open_envelope::<String>("session", &codec.seal("session", v2), T0, None)
            .unwrap_err(),
        OpenError::UnknownVersion
    );
    // The cookie checks still come first.
    assert_eq!(
        codec
            .open_envelope::<String>("other", &value, T0, None)
            .unwrap_err(),
        OpenError::Undecryptable
    );
}

#[test]
fn huge_ttl_saturates() {
    let env = Envelope::new((), u64::MAX - 5, Duration::from_secs(u64::MAX));
    assert_eq!(env.expires_at, u64::MAX);
}

#[test]
fn debug_hides_the_data() {
    let env = Envelope::new(alice(), T0, HOUR);
    let shown = format!("{env:?}");
    assert!(!shown.contains("alice"), "{shown}");
    assert!(shown.contains(&T0.to_string()));
}

#[test]
fn unserializable_data_is_an_error() {
    let mut map = std::collections::HashMap::new();
    map.insert((1, 2), "tuple keys are not JSON");
    let err = codec(&[NEW])
        .seal_envelope("session", &map, T0, HOUR)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("could not serialize the session data")
    );
}
