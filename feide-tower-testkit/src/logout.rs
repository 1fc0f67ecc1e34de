//! Provider-initiated logout: provider sessions (`sid`), and the OpenID Connect Back-Channel
//! Logout 1.0 and Front-Channel Logout 1.0 notifications sent when one ends. Both are off by
//! default, as at Feide, which sends neither; see the crate docs for the switches.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::FakeFeide;
use super::backchannel::{self, BackchannelResponse, DELIVERY_TIMEOUT};
use super::client::FakeClient;
use super::html;
use super::logout_token::LogoutTokenBuilder;
use super::response::with_query;
use super::state::{State, random_token};
use super::user::FakeUser;

/// A provider session: one login (or several joined with
/// [`FakeFeide::set_login_session`]) of one user, and the clients that got ID tokens in it.
///
/// Exists only for logins made while back-channel or front-channel logout was on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderSession {
    /// The session id: the `sid` claim of its ID tokens and logout tokens (random, URL-safe).
    pub sid: String,
    /// The user's short name (see [`FakeUser::id`]).
    pub user: String,
    /// The user's `sub`.
    pub sub: String,
    /// The clients that got an ID token in this session, in order of their first one.
    pub clients: Vec<String>,
    /// Whether the session has been ended (at the end-session endpoint or by
    /// [`FakeFeide::end_provider_session`]); an ended session is never joined again.
    pub ended: bool,
}

/// One back-channel logout POST the fake made when a provider session ended.
#[derive(Clone)]
#[non_exhaustive]
pub struct BackchannelDelivery {
    /// The client notified.
    pub client_id: String,
    /// Its `backchannel_logout_uri`.
    pub uri: String,
    /// The provider session that ended.
    pub sid: String,
    /// The logout token sent (redacted in `Debug`).
    pub logout_token: String,
    /// The client's answer, or why there was none (connection refused, timeout,
    /// not a loopback `http://` URI).
    pub result: Result<BackchannelResponse, String>,
}

impl BackchannelDelivery {
    /// The HTTP status of the answer, `None` if there was none.
    pub fn status(&self) -> Option<u16> {
        self.result.as_ref().ok().map(|r| r.status)
    }
}

impl fmt::Debug for BackchannelDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackchannelDelivery")
            .field("client_id", &self.client_id)
            .field("uri", &self.uri)
            .field("sid", &self.sid)
            .field("logout_token", &"<redacted>")
            .field("result", &self.result)
            .finish()
    }
}

/// The logout part of the mutable state.
pub(crate) struct LogoutState {
    /// Back-Channel Logout 1.0 on.
    pub(crate) backchannel: bool,
    /// Front-Channel Logout 1.0 on.
    pub(crate) frontchannel: bool,
    /// Every provider session, oldest first.
    pub(crate) sessions: Vec<ProviderSession>,
    /// The session logins join ([`FakeFeide::set_login_session`]).
    pub(crate) join: Option<String>,
    /// Every back-channel POST made when a session ended, oldest first.
    pub(crate) deliveries: Vec<BackchannelDelivery>,
    /// How long each back-channel POST may take.
    pub(crate) timeout: Duration,
}

impl Default for LogoutState {
    fn default() -> LogoutState {
        LogoutState {
            backchannel: false,
            frontchannel: false,
            sessions: Vec::new(),
            join: None,
            deliveries: Vec::new(),
            timeout: DELIVERY_TIMEOUT,
        }
    }
}

impl LogoutState {
    /// Whether provider sessions are kept (either notification is on).
    pub(crate) fn enabled(&self) -> bool {
        self.backchannel || self.frontchannel
    }

    /// The provider session of a login of `user` now, `None` when both switches are off.
    pub(crate) fn session_for_login(&mut self, user: &FakeUser) -> Option<String> {
        if !self.enabled() {
            return None;
        }
        let sid = match self.join.clone() {
            Some(sid) => match self.sessions.iter().find(|s| s.sid == sid) {
                Some(s) if !s.ended && s.user == user.id => return Some(sid),
                Some(_) => random_token(),
                None => sid,
            },
            None => random_token(),
        };
        self.sessions.push(ProviderSession {
            sid: sid.clone(),
            user: user.id.clone(),
            sub: user.sub.clone(),
            clients: Vec::new(),
            ended: false,
        });
        Some(sid)
    }

    /// Records that `client_id` got an ID token in session `sid`.
    pub(crate) fn joined(&mut self, sid: &str, client_id: &str) {
        if let Some(s) = self.sessions.iter_mut().find(|s| s.sid == sid)
            && !s.clients.iter().any(|c| c == client_id)
        {
            s.clients.push(client_id.to_string());
        }
    }
}

/// A back-channel POST to make.
struct Pending {
    client_id: String,
    uri: String,
    sid: String,
    token: String,
}

/// What ending a session does: POSTs to make and pages to frame.
pub(crate) struct Ending {
    pending: Vec<Pending>,
    timeout: Duration,
    /// Front-channel logout URLs for the signed-out page.
    pub(crate) frames: Vec<String>,
}

/// The front-channel logout URL of `client` for session `sid`, if it registered one.
fn frontchannel_url(issuer: &str, client: &FakeClient, sid: &str) -> Option<String> {
    let uri = client.frontchannel_logout_uri.as_deref()?;
    Some(with_query(uri, &[("iss", issuer), ("sid", sid)]))
}

/// Ends the live session `sid` (when `sub`, if given, is its user's): marks it ended and
/// returns the notifications the switches call for. `None` if there is no such live session.
pub(crate) fn end(state: &State, sid: &str, sub: Option<&str>) -> Option<Ending> {
    let mut inner = state.lock();
    let signing_kid = inner.signing_kid;
    let (backchannel, frontchannel) = (inner.logout.backchannel, inner.logout.frontchannel);
    let session = inner
        .logout
        .sessions
        .iter_mut()
        .find(|s| s.sid == sid && !s.ended && sub.is_none_or(|sub| s.sub == sub))?;
    session.ended = true;
    let session = session.clone();
    let clients: Vec<&FakeClient> = session
        .clients
        .iter()
        .filter_map(|id| inner.client(id))
        .collect();
    let pending = clients
        .iter()
        .filter(|_| backchannel)
        .filter_map(|c| {
            let uri = c.backchannel_logout_uri.clone()?;
            let token = LogoutTokenBuilder::new(
                &state.issuer,
                &c.client_id,
                &session.sub,
                sid,
                signing_kid,
            )
            .sign();
            Some(Pending {
                client_id: c.client_id.clone(),
                uri,
                sid: sid.to_string(),
                token,
            })
        })
        .collect();
    let frames = clients
        .iter()
        .filter(|_| frontchannel)
        .filter_map(|c| frontchannel_url(&state.issuer, c, sid))
        .collect();
    tracing::debug!(
        sid,
        clients = session.clients.len(),
        "fakefeide: provider session ended"
    );
    Some(Ending {
        pending,
        timeout: inner.logout.timeout,
        frames,
    })
}

/// Makes the ending's back-channel POSTs, all at once, each with the timeout; records and
/// returns them in client order.
pub(crate) async fn deliver(state: &Arc<State>, ending: Ending) -> Vec<BackchannelDelivery> {
    let timeout = ending.timeout;
    let calls: Vec<_> = ending
        .pending
        .into_iter()
        .map(|p| {
            let handle = tokio::spawn({
                let (uri, token) = (p.uri.clone(), p.token.clone());
                async move {
                    backchannel::post_logout_token(&uri, &token, timeout)
                        .await
                        .map_err(|e| e.to_string())
                }
            });
            (p, handle)
        })
        .collect();
    let mut done = Vec::with_capacity(calls.len());
    for (p, handle) in calls {
        let result = handle
            .await
            .unwrap_or_else(|e| Err(format!("delivery task failed: {e}")));
        tracing::debug!(
            client = %p.client_id,
            status = ?result.as_ref().ok().map(|r| r.status),
            "fakefeide: back-channel logout delivered"
        );
        done.push(BackchannelDelivery {
            client_id: p.client_id,
            uri: p.uri,
            sid: p.sid,
            logout_token: p.token,
            result,
        });
    }
    state.lock().logout.deliveries.extend(done.iter().cloned());
    done
}

/// The "signed out" page: one hidden `<iframe>` per front-channel logout URL and, when the
/// logout asked for a redirect, a script that follows it once every frame has loaded (or after
/// 5 s), plus a link for browsers without scripts.
pub(crate) fn signed_out_page(frames: &[String], then: Option<&str>) -> String {
    let mut body = String::from("<h1>You are signed out</h1>");
    for url in frames {
        body.push_str(&format!(
            "<iframe src=\"{}\" title=\"Signing out of an application\" \
width=\"0\" height=\"0\" style=\"border:0;display:block\" onload=\"fcDone()\"></iframe>",
            html::escape(url)
        ));
    }
    match then {
        Some(target) => {
            // A JSON string literal is a JavaScript string literal; `<` escaped so no `</script>`.
            let literal = json!(target).to_string().replace('<', "\\u003c");
            body.push_str(&format!(
                "<p><a id=\"continue\" href=\"{href}\">Continue</a></p>\
<script>var fcLeft={n};function fcGo(){{location.replace({literal});}}\
function fcDone(){{if(--fcLeft<=0)fcGo();}}setTimeout(fcGo,5000);</script>",
                href = html::escape(target),
                n = frames.len(),
            ));
        }
        None => {
            body.push_str("<p>You can close this window.</p>");
            if !frames.is_empty() {
                body.push_str("<script>function fcDone(){}</script>");
            }
        }
    }
    html::page("Signed out", &body)
}

impl FakeFeide {
    /// Turns OpenID Connect Back-Channel Logout 1.0 on or off (off by default, as at Feide).
    ///
    /// When on, discovery says `backchannel_logout_supported` and
    /// `backchannel_logout_session_supported`, logins get a provider session (`sid` in the ID
    /// token), and ending a session POSTs a logout token to the `backchannel_logout_uri` of each
    /// client that got an ID token in it. Turn it on before the logins and before building the
    /// `feide_tower::Provider` (discovery is read once).
    pub fn set_backchannel_logout(&self, on: bool) {
        self.state().lock().logout.backchannel = on;
    }

    /// Turns OpenID Connect Front-Channel Logout 1.0 on or off (off by default, as at Feide).
    ///
    /// When on, discovery says `frontchannel_logout_supported` and
    /// `frontchannel_logout_session_supported`, logins get a provider session (`sid` in the ID
    /// token), and the end-session endpoint's "signed out" page frames the
    /// `frontchannel_logout_uri?iss=…&sid=…` of each client that got an ID token in the ended
    /// session.
    pub fn set_frontchannel_logout(&self, on: bool) {
        self.state().lock().logout.frontchannel = on;
    }

    /// How long each back-channel logout POST (connect, send, read the answer) may take before
    /// it counts as failed (default 5 s), for the session endings and for
    /// [`send_backchannel_logout`](Self::send_backchannel_logout).
    pub fn set_backchannel_timeout(&self, timeout: Duration) {
        self.state().lock().logout.timeout = timeout;
    }

    /// Makes logins join provider session `sid` until changed, as one browser signing in to
    /// several applications would: a login of the session's user joins it while it is live; if
    /// no session has that id, the next login creates it with exactly that `sid`; a login of
    /// another user, or after the session ended, gets a new session. `None` (the default): every
    /// login gets a new session. Has no effect while both logout switches are off.
    pub fn set_login_session(&self, sid: Option<&str>) {
        self.state().lock().logout.join = sid.map(str::to_string);
    }

    /// Every provider session so far (live and ended), oldest first.
    pub fn provider_sessions(&self) -> Vec<ProviderSession> {
        self.state().lock().logout.sessions.clone()
    }

    /// The provider session `sid`, if there is one.
    pub fn provider_session(&self, sid: &str) -> Option<ProviderSession> {
        let inner = self.state().lock();
        inner.logout.sessions.iter().find(|s| s.sid == sid).cloned()
    }

    /// A [`LogoutTokenBuilder`] preset to a valid logout token for `client_id`, signed with the
    /// current signing key: about the newest live provider session `client_id` got an ID token
    /// in, or, if none, about the first user and a fresh random `sid` (matching no session).
    /// Works whatever the switches say.
    pub fn logout_token(&self, client_id: &str) -> LogoutTokenBuilder {
        let inner = self.state().lock();
        let session = inner
            .logout
            .sessions
            .iter()
            .rev()
            .find(|s| !s.ended && s.clients.iter().any(|c| c == client_id));
        let (sub, sid) = match session {
            Some(s) => (s.sub.clone(), s.sid.clone()),
            None => (
                inner
                    .users
                    .first()
                    .map(|u| u.sub.clone())
                    .unwrap_or_default(),
                random_token(),
            ),
        };
        LogoutTokenBuilder::new(
            &self.state().issuer,
            client_id,
            &sub,
            &sid,
            inner.signing_kid,
        )
    }

    /// POSTs `logout_token=<token>` (`application/x-www-form-urlencoded`) to `uri` as a
    /// provider's back-channel logout call would, and returns the answer's status. Only
    /// `http://` URIs on loopback; gives up after the
    /// [timeout](Self::set_backchannel_timeout). Not recorded in
    /// [`backchannel_deliveries`](Self::backchannel_deliveries).
    ///
    /// # Errors
    ///
    /// No answer: connection refused, timeout, or a URI that is not loopback `http://`.
    pub async fn send_backchannel_logout(&self, uri: &str, token: &str) -> std::io::Result<u16> {
        Ok(self.backchannel_logout_response(uri, token).await?.status)
    }

    /// Like [`send_backchannel_logout`](Self::send_backchannel_logout), returning the whole
    /// answer (status, headers, body).
    ///
    /// # Errors
    ///
    /// As [`send_backchannel_logout`](Self::send_backchannel_logout).
    pub async fn backchannel_logout_response(
        &self,
        uri: &str,
        token: &str,
    ) -> std::io::Result<BackchannelResponse> {
        let timeout = self.state().lock().logout.timeout;
        backchannel::post_logout_token(uri, token, timeout).await
    }

    /// Ends provider session `sid` as the end-session endpoint does ("the user signed out at
    /// Feide"), without a browser: with back-channel logout on, POSTs a logout token to each
    /// of its clients' `backchannel_logout_uri` (all at once, each with the
    /// [timeout](Self::set_backchannel_timeout)) and returns the
    /// deliveries once all have answered or failed. Empty if the session is unknown or already
    /// ended, or back-channel logout is off (the session still ends).
    pub async fn end_provider_session(&self, sid: &str) -> Vec<BackchannelDelivery> {
        match end(&self.handle.state, sid, None) {
            Some(ending) => deliver(&self.handle.state, ending).await,
            None => Vec::new(),
        }
    }

    /// Ends every live provider session of `user` (short name or Feide id) like
    /// [`end_provider_session`](Self::end_provider_session), as an administrator ending all of
    /// a user's sessions at the provider would.
    pub async fn end_user_sessions(&self, user: &str) -> Vec<BackchannelDelivery> {
        let sids: Vec<String> = {
            let inner = self.state().lock();
            let Some(u) = inner.find_user(user) else {
                return Vec::new();
            };
            inner
                .logout
                .sessions
                .iter()
                .filter(|s| !s.ended && s.user == u.id)
                .map(|s| s.sid.clone())
                .collect()
        };
        let mut all = Vec::new();
        for sid in sids {
            all.extend(self.end_provider_session(&sid).await);
        }
        all
    }

    /// The front-channel logout URLs (`frontchannel_logout_uri?iss=…&sid=…`) of the clients of
    /// session `sid` that registered one, as the signed-out page frames them when front-channel
    /// logout is on; whether or not the session has ended, and whatever the switch says.
    pub fn frontchannel_logout_urls(&self, sid: &str) -> Vec<String> {
        let inner = self.state().lock();
        let Some(session) = inner.logout.sessions.iter().find(|s| s.sid == sid) else {
            return Vec::new();
        };
        session
            .clients
            .iter()
            .filter_map(|id| inner.client(id))
            .filter_map(|c| frontchannel_url(&self.state().issuer, c, sid))
            .collect()
    }

    /// Every back-channel logout POST made when a provider session ended (at the end-session
    /// endpoint or by [`end_provider_session`](Self::end_provider_session)), oldest first.
    pub fn backchannel_deliveries(&self) -> Vec<BackchannelDelivery> {
        self.state().lock().logout.deliveries.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontchannel_urls_encode_and_append() {
        let client = FakeClient::new("a", "s").frontchannel_logout_uri("http://app.test/fc?x=1");
        assert_eq!(
            frontchannel_url("http://127.0.0.1:9", &client, "s/d+1").as_deref(),
            Some("http://app.test/fc?x=1&iss=http%3A%2F%2F127.0.0.1%3A9&sid=s%2Fd%2B1")
        );
        assert_eq!(frontchannel_url("x", &FakeClient::new("b", "s"), "s"), None);
    }

    #[test]
    fn the_page_escapes_urls_and_the_redirect() {
        let page = signed_out_page(
            &["http://app.test/fc?iss=a&sid=b".into()],
            Some("http://app.test/out?q=</script>"),
        );
        assert!(page.contains("<iframe src=\"http://app.test/fc?iss=a&amp;sid=b\""));
        assert!(!page.contains("q=</script>"));
        assert!(page.contains("\\u003c/script>"));
    }

    #[test]
    fn sessions_are_per_login_unless_joined() {
        let mut logout = LogoutState::default();
        let alice = FakeUser::new("alice", "Alice");
        let bob = FakeUser::new("bob", "Bob");
        assert_eq!(logout.session_for_login(&alice), None, "off: no sessions");
        logout.backchannel = true;
        let one = logout.session_for_login(&alice);
        let two = logout.session_for_login(&alice);
        assert!(one.is_some() && two.is_some() && one != two);
        logout.join = Some("chosen".into());
        assert_eq!(logout.session_for_login(&alice).as_deref(), Some("chosen"));
        assert_eq!(logout.session_for_login(&alice).as_deref(), Some("chosen"));
        let other = logout.session_for_login(&bob);
        assert!(other.is_some() && other.as_deref() != Some("chosen"));
        logout.sessions[2].ended = true;
        assert_ne!(logout.session_for_login(&alice).as_deref(), Some("chosen"));
    }
}
