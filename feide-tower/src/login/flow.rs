//! The per-flow cookie: state, nonce and PKCE verifier of one login, sealed, named after its
//! state (so several tabs can log in at once), 10 minutes long, consumed by the callback.
//!
//! The cookie also binds the login to the browser that started it (login CSRF): its name is
//! `__Host-feide_flow_<state>` whenever cookies are `Secure`, and the name is sealed into the
//! value as associated data. A browser accepts a `__Host-` cookie only from our own host over
//! https, with `Path=/` and no `Domain`, so neither a sibling subdomain nor a man in the middle
//! on plain http can plant one; a flow cookie copied from the attacker's own browser and planted
//! under any other name (`__Secure-...`, unprefixed, another domain or path) does not open.
//! Without the binding, an attacker could start a login, stop at the callback URL, plant their
//! flow cookie in the victim's browser and send the victim to that URL: the victim would be
//! signed in as the attacker. The price of `Path=/` is that a flow cookie (~0.3 KB, more with a
//! long `return_to`) rides along on the site's requests while its login is under way. On plain
//! `http://localhost` (development) cookies cannot be `Secure`, so the name has no prefix there.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::return_to::ReturnTo;
use super::values::{CsrfState, Nonce, PkceVerifier};

/// How long a started login may take.
pub(crate) const FLOW_LIFETIME: Duration = Duration::from_secs(600);

/// What a login remembers between `/login` and `/callback`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Flow {
    pub(crate) nonce: Nonce,
    pub(crate) verifier: PkceVerifier,
    pub(crate) return_to: String,
    /// The `acr_values` asked for, which the ID token's `acr` must then match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) acr: Option<String>,
    /// The `max_age` asked for: the ID token must then carry a recent enough `auth_time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_age: Option<u64>,
    /// A silent login (`prompt=none`): its "needs the user" errors are an outcome, not a page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) silent: bool,
}

impl Flow {
    pub(crate) fn new(return_to: ReturnTo, acr: Option<String>) -> (CsrfState, Self) {
        let flow = Self {
            nonce: Nonce::random(),
            verifier: PkceVerifier::random(),
            return_to: return_to.as_str().to_owned(),
            acr,
            max_age: None,
            silent: false,
        };
        (CsrfState::random(), flow)
    }
}
