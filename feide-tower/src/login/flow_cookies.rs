//! [`FlowCookies`]: the per-flow cookies of a login (see `flow` for why they are named and
//! sealed as they are): their keys, name prefix and options.

use http::HeaderValue;

use super::config::LoginConfigError;
use super::flow::{FLOW_LIFETIME, Flow};
use super::session_cookies::affixes;
use super::values::CsrfState;
use crate::session::KeyRing;
use crate::session::cookie::{CookieCodec, CookieOptions, Envelope};

/// How a login seals, names and writes its flow cookies.
#[derive(Debug)]
pub(crate) struct FlowCookies {
    /// Seals flow cookies ([`CookieCodec::login_flow`]): other keys than the session's, so a
    /// flow cookie never opens as a session and a session never as a flow.
    pub(crate) codec: CookieCodec,
    /// `__Host-feide_flow[_<login name>]_` (no `__Host-` when cookies cannot be `Secure`).
    pub(crate) prefix: String,
    pub(crate) options: CookieOptions,
    /// Finds the silent-login marker's name in a raw `Cookie` header (see `silent`).
    pub(crate) marker_finder: memchr::memmem::Finder<'static>,
}

/// `__Host-feide_flow[_<login name>]_` (no `__Host-` when cookies cannot be `Secure`).
pub(crate) fn flow_prefix(login_name: &str, secure: bool) -> String {
    let (host, suffix) = affixes(login_name, secure);
    format!("{host}feide_flow{suffix}_")
}

impl FlowCookies {
    /// The flow cookies of login `login_name` sealed with `keys`; `secure` as the redirect URI
    /// allows.
    pub(crate) fn new(
        keys: KeyRing,
        login_name: &str,
        secure: bool,
    ) -> Result<Self, LoginConfigError> {
        // `__Host-` (hence `Path=/`): a sibling subdomain cannot plant a flow cookie, so a flow
        // completes only in the browser that started it (see `flow`).
        let options = CookieOptions {
            secure,
            max_age: Some(FLOW_LIFETIME),
            ..CookieOptions::default()
        };
        let prefix = flow_prefix(login_name, secure);
        options
            .validate(&format!("{prefix}x"))
            .map_err(LoginConfigError::FlowCookie)?;
        let marker_finder =
            memchr::memmem::Finder::new(super::silent::marker_name(&prefix).as_bytes())
                .into_owned();
        Ok(Self {
            codec: CookieCodec::login_flow(keys, login_name),
            prefix,
            options,
            marker_finder,
        })
    }

    pub(crate) fn name(&self, state: &CsrfState) -> String {
        format!("{}{}", self.prefix, state.as_str())
    }

    /// The `Set-Cookie` header that stores `flow` for `state`.
    pub(crate) fn set_cookie(
        &self,
        state: &CsrfState,
        flow: &Flow,
        now: u64,
    ) -> Option<HeaderValue> {
        let name = self.name(state);
        let value = self
            .codec
            .seal_envelope(&name, flow, now, FLOW_LIFETIME)
            .ok()?;
        self.options.set_cookie(&name, &value).ok()
    }

    /// Opens the flow cookie of `state` from the request, if present, sealed by us and fresh.
    pub(crate) fn open<'a>(
        &self,
        state: &CsrfState,
        cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
        now: u64,
    ) -> Option<Flow> {
        let name = self.name(state);
        let mut values = cookies.into_iter().filter(|(n, _)| *n == name);
        let (_, value) = values.next()?;
        if values.next().is_some() {
            return None; // two cookies of one name: someone planted one
        }
        let envelope: Envelope<Flow> = self.codec.open_envelope(&name, value, now, None).ok()?;
        Some(envelope.data)
    }

    /// The `Set-Cookie` header that deletes the flow cookie of `state`.
    pub(crate) fn removal(&self, state: &CsrfState) -> Option<HeaderValue> {
        self.options.removal(&self.name(state)).ok()
    }
}
