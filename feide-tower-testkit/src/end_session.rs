//! RP-initiated logout (`/openid/endsession`), which also ends the provider session named by
//! the `id_token_hint` and sends the logout notifications the switches call for.

use std::sync::Arc;

use http::StatusCode;

use super::html;
use super::jwt;
use super::logout::{self, signed_out_page};
use super::response::{self, Resp, with_query};
use super::server::Req;
use super::state::State;

/// `GET|POST /openid/endsession`.
///
/// A present `id_token_hint` must carry one of the fake's signatures (expiry
/// is not checked). A present `client_id` must be a registered client and,
/// with a hint, one of the hint's audiences (OpenID Connect RP-Initiated
/// Logout 1.0 §2; a certified provider refuses the mismatch). Parameters must
/// not be repeated. A `post_logout_redirect_uri` needs such a hint and must be
/// registered for a client in its `aud`; then the answer redirects there
/// (with `state`). Without one, a "signed out" page is shown.
///
/// When the request is valid and the hint carries the `sid` of a live provider session of its
/// `sub`, that session ends: with back-channel logout on, every client of the session with a
/// `backchannel_logout_uri` gets its logout token before this answers; with front-channel
/// logout on, the "signed out" page frames each client's front-channel logout URL, and a
/// `post_logout_redirect_uri` is followed from that page (script or link) instead of a 302.
pub(crate) async fn end_session(state: &Arc<State>, req: &Req) -> Resp {
    let (sid, sub, target) = match check(state, req) {
        Ok(plan) => plan,
        Err(resp) => return *resp,
    };
    let frames = match sid.and_then(|sid| logout::end(state, &sid, sub.as_deref())) {
        Some(ending) => {
            let frames = ending.frames.clone();
            logout::deliver(state, ending).await;
            frames
        }
        None => Vec::new(),
    };
    match target {
        Some(target) if frames.is_empty() => response::redirect(&target),
        target => response::html(StatusCode::OK, signed_out_page(&frames, target.as_deref())),
    }
}

/// The provider session the hint names (`sid`, `sub`) and where to go afterwards; or the
/// error page.
type Plan = (Option<String>, Option<String>, Option<String>);

/// Validates the request.
fn check(state: &State, req: &Req) -> Result<Plan, Box<Resp>> {
    let p = req.params();
    if let Some(name) = p.repeated() {
        return Err(bad_request(&format!("The parameter {name} is repeated.")));
    }
    let hint = match p.get("id_token_hint") {
        None => None,
        Some(token) => match jwt::verify(token) {
            Some(claims) => Some(claims),
            None => return Err(bad_request("The id_token_hint is not valid.")),
        },
    };
    if let Some(client_id) = p.get("client_id") {
        if state.lock().client(client_id).is_none() {
            return Err(bad_request("The client_id is not a registered client."));
        }
        if let Some(claims) = &hint
            && !jwt::audiences(claims).iter().any(|aud| aud == client_id)
        {
            return Err(bad_request(
                "The client_id does not match the id_token_hint.",
            ));
        }
    }
    let claim = |name: &str| {
        hint.as_ref()
            .and_then(|c| c.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let (sid, sub) = (claim("sid"), claim("sub"));
    let Some(target) = p.get("post_logout_redirect_uri") else {
        return Ok((sid, sub, None));
    };
    let Some(claims) = &hint else {
        return Err(bad_request(
            "A post_logout_redirect_uri needs an id_token_hint.",
        ));
    };
    let audiences = jwt::audiences(claims);
    let registered = {
        let inner = state.lock();
        audiences.iter().any(|aud| {
            inner
                .client(aud)
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == target))
        })
    };
    if !registered {
        return Err(bad_request(
            "The post_logout_redirect_uri is not registered for this client.",
        ));
    }
    let params: Vec<(&str, &str)> = p.get("state").map(|s| ("state", s)).into_iter().collect();
    Ok((sid, sub, Some(with_query(target, &params))))
}

fn bad_request(message: &str) -> Box<Resp> {
    Box::new(response::html(
        StatusCode::BAD_REQUEST,
        html::error_page(message),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use http::{HeaderMap, Method};
    use serde_json::json;

    use super::super::client::FakeClient;
    use super::super::keys;
    use super::super::mint::TokenMinter;
    use super::super::state::{Inner, State};
    use super::super::user::FakeUser;
    use super::*;

    const LOGGED_OUT: &str = "http://app.test/logged-out";

    fn state() -> Arc<State> {
        let clients = vec![
            FakeClient::new("app", "secret").post_logout_redirect_uri(LOGGED_OUT),
            FakeClient::new("other", "secret").post_logout_redirect_uri("http://other.test/out"),
        ];
        let inner = Inner::new(
            FakeUser::defaults(),
            clients,
            false,
            None,
            Duration::from_secs(3600),
        );
        Arc::new(State::new(
            "http://127.0.0.1:1".into(),
            false,
            Duration::from_secs(3600),
            inner,
        ))
    }

    fn id_token(aud: &str) -> String {
        keys::install_crypto_provider();
        TokenMinter::new("http://127.0.0.1:1", None, keys::all()[0].kid)
            .claims(
                json!({"iss": "http://127.0.0.1:1", "aud": aud, "sub": "x", "iat": 1, "exp": 2}),
            )
            .sign()
    }

    fn get(state: &Arc<State>, params: &[(&str, &str)]) -> Resp {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let req = Req {
            method: Method::GET,
            path: "/openid/endsession".into(),
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
            .block_on(end_session(state, &req))
    }

    fn location(resp: &Resp) -> Option<&str> {
        resp.headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    #[test]
    fn a_matching_client_id_is_accepted() {
        let state = state();
        let hint = id_token("app");
        let resp = get(
            &state,
            &[
                ("id_token_hint", &hint),
                ("client_id", "app"),
                ("post_logout_redirect_uri", LOGGED_OUT),
                ("state", "bye"),
            ],
        );
        assert_eq!(resp.status(), StatusCode::FOUND);
        assert_eq!(
            location(&resp),
            Some("http://app.test/logged-out?state=bye")
        );
    }

    #[test]
    fn a_client_id_that_is_not_the_hints_audience_is_refused() {
        // oidc-provider answers this with 400 invalid_request; FakeFeide used to redirect.
        let state = state();
        let hint = id_token("app");
        for client_id in ["other", "nobody"] {
            let resp = get(
                &state,
                &[
                    ("id_token_hint", &hint),
                    ("client_id", client_id),
                    ("post_logout_redirect_uri", LOGGED_OUT),
                ],
            );
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{client_id}");
            assert!(location(&resp).is_none());
        }
    }

    #[test]
    fn an_unknown_client_id_alone_is_refused() {
        let resp = get(&state(), &[("client_id", "nobody")]);
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn repeated_parameters_are_refused() {
        // oidc-provider refuses any repeated parameter at end-session; so does FakeFeide now.
        let state = state();
        let hint = id_token("app");
        let resp = get(
            &state,
            &[
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", LOGGED_OUT),
                ("state", "one"),
                ("state", "two"),
            ],
        );
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(location(&resp).is_none());
    }
}
