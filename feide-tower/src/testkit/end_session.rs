//! RP-initiated logout (`/openid/endsession`).

use http::StatusCode;

use super::html;
use super::jwt;
use super::response::{self, Resp, with_query};
use super::server::Req;
use super::state::State;

/// `GET|POST /openid/endsession`.
///
/// A present `id_token_hint` must carry one of the fake's signatures (expiry
/// is not checked). A `post_logout_redirect_uri` needs such a hint and must
/// be registered for a client in its `aud`; then the answer redirects there
/// (with `state`). Without one, a "signed out" page is shown.
pub(crate) fn end_session(state: &State, req: &Req) -> Resp {
    let p = req.params();
    let hint = match p.get("id_token_hint") {
        None => None,
        Some(token) => match jwt::verify(token) {
            Some(claims) => Some(claims),
            None => return bad_request("The id_token_hint is not valid."),
        },
    };
    let Some(target) = p.get("post_logout_redirect_uri") else {
        return response::html(StatusCode::OK, html::signed_out_page());
    };
    let Some(claims) = hint else {
        return bad_request("A post_logout_redirect_uri needs an id_token_hint.");
    };
    let audiences = jwt::audiences(&claims);
    let registered = {
        let inner = state.lock();
        audiences.iter().any(|aud| {
            inner
                .client(aud)
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == target))
        })
    };
    if !registered {
        return bad_request("The post_logout_redirect_uri is not registered for this client.");
    }
    let params: Vec<(&str, &str)> = p.get("state").map(|s| ("state", s)).into_iter().collect();
    response::redirect(&with_query(target, &params))
}

fn bad_request(message: &str) -> Resp {
    response::html(StatusCode::BAD_REQUEST, html::error_page(message))
}
