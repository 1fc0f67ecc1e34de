//! The authorization endpoint: validation, auto-approve, and the interactive
//! login page with its decision form.

use std::time::Instant;

use http::StatusCode;

use super::html;
use super::mint::now_unix;
use super::params::{Params, is_valid_scope};
use super::response::{self, Resp, with_query};
use super::server::Req;
use super::sign_in::{AuthorizationRequest, Decision};
use super::state::{AuthRequest, Inner, PENDING_LIFETIME, State, random_token};

/// `GET|POST /oauth/authorization`.
pub(crate) fn authorize(state: &State, req: &Req) -> Resp {
    let p = req.params();
    let mut inner = state.lock();
    let p = match super::par::authorization_params(&mut inner, p) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    inner.sign_in.requests.push(AuthorizationRequest {
        params: p.pairs().to_vec(),
    });
    let request = match validate(state, &inner, &p) {
        Ok(request) => request,
        Err(resp) => return *resp,
    };
    if inner.sign_in.memory {
        match inner.sign_in.decide(&p, request.acr.as_deref(), now_unix()) {
            Decision::Fresh => {}
            Decision::Silent { user_id, auth_time } => {
                return approve_at(state, &mut inner, request, &user_id, auth_time);
            }
            Decision::LoginRequired => {
                return error_redirect(state, &request, "login_required", "Not signed in");
            }
        }
    }
    if inner.interactive {
        if p.get("prompt") == Some("none") {
            return error_redirect(
                state,
                &request,
                "login_required",
                "Interactive login required",
            );
        }
        let request_id = random_token();
        let page = html::login_page(&request.client_id, &request_id, &inner.users);
        inner
            .pending
            .insert(request_id, (request, Instant::now() + PENDING_LIFETIME));
        return response::html(StatusCode::OK, page);
    }
    let user_id = p
        .get("login_hint")
        .and_then(|hint| inner.find_user(hint))
        .or_else(|| {
            inner
                .next_user
                .as_deref()
                .and_then(|id| inner.find_user(id))
        })
        .or_else(|| inner.users.first())
        .map(|u| u.id.clone());
    match user_id {
        Some(user_id) => {
            tracing::debug!(user = %user_id, "fakefeide: auto-approved login");
            approve(state, &mut inner, request, &user_id)
        }
        None => response::html(
            StatusCode::INTERNAL_SERVER_ERROR,
            html::error_page("FakeFeide has no test users."),
        ),
    }
}

/// `POST /oauth/authorization/decision`: the login page's answer.
pub(crate) fn decision(state: &State, req: &Req) -> Resp {
    let p = Params::parse(&req.body);
    let mut inner = state.lock();
    let pending = p
        .get("request_id")
        .and_then(|id| inner.pending.remove(id))
        .filter(|(_, expires)| Instant::now() < *expires);
    let Some((request, _)) = pending else {
        return bad_request("This login request is unknown or has expired. Start the login again.");
    };
    if p.has("cancel") {
        return error_redirect(
            state,
            &request,
            "access_denied",
            "The user cancelled the login",
        );
    }
    let user_id = p
        .get("user")
        .and_then(|id| inner.find_user(id))
        .map(|u| u.id.clone());
    match user_id {
        Some(user_id) => approve(state, &mut inner, request, &user_id),
        None => bad_request("No such test user."),
    }
}

/// Checks the request. Problems with the client or redirect URI give an
/// error page (never a redirect); the rest redirect back with an error.
fn validate(state: &State, inner: &Inner, p: &Params) -> Result<AuthRequest, Box<Resp>> {
    if let Some(name @ ("client_id" | "redirect_uri")) = p.repeated() {
        return Err(Box::new(bad_request(&format!(
            "The parameter {name} is repeated."
        ))));
    }
    let Some(client_id) = p.get("client_id") else {
        return Err(Box::new(bad_request("The request has no client_id.")));
    };
    let Some(client) = inner.client(client_id) else {
        return Err(Box::new(bad_request(&format!(
            "Unknown client {client_id:?}."
        ))));
    };
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return Err(Box::new(bad_request("The request has no redirect_uri.")));
    };
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(Box::new(bad_request(&format!(
            "The redirect_uri {redirect_uri:?} is not registered for client {client_id:?}."
        ))));
    }
    let mut request = AuthRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        state: p.get("state").map(str::to_string),
        nonce: p.get("nonce").map(str::to_string),
        scope: p.get("scope").unwrap_or_default().to_string(),
        code_challenge: String::new(),
        acr: p
            .get("acr_values")
            .and_then(|v| v.split(' ').find(|s| !s.is_empty()))
            .map(str::to_string),
    };
    let fail = |code, desc: &str| Err(Box::new(error_redirect(state, &request, code, desc)));
    if let Some(name) = p.repeated() {
        return fail("invalid_request", &format!("parameter {name} is repeated"));
    }
    match p.get("response_type") {
        None => return fail("invalid_request", "response_type is required"),
        Some("code") => {}
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
    }
    if p.get("scope").is_some_and(|scope| !is_valid_scope(scope)) {
        return fail("invalid_scope", "scope contains invalid characters");
    }
    let Some(challenge) = p.get("code_challenge") else {
        return fail(
            "invalid_request",
            "PKCE is required: code_challenge is missing",
        );
    };
    if p.get("code_challenge_method") != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let well_formed = (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return fail("invalid_request", "code_challenge is malformed");
    }
    request.code_challenge = challenge.to_string();
    Ok(request)
}

/// Issues a code for `user_id`, authenticated now, and redirects back with it.
fn approve(state: &State, inner: &mut Inner, request: AuthRequest, user_id: &str) -> Resp {
    let now = now_unix();
    inner
        .sign_in
        .authenticated(user_id, now, request.acr.as_deref());
    approve_at(state, inner, request, user_id, now)
}

/// Issues a code for `user_id`, authenticated at `auth_time`, and redirects back with it.
fn approve_at(
    state: &State,
    inner: &mut Inner,
    request: AuthRequest,
    user_id: &str,
    auth_time: u64,
) -> Resp {
    let (redirect_uri, req_state) = (request.redirect_uri.clone(), request.state.clone());
    let sid = match inner.find_user(user_id).cloned() {
        Some(user) => inner.logout.session_for_login(&user),
        None => None,
    };
    let code = inner.issue_code(request, user_id, auth_time, sid);
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &req_state {
        params.push(("state", s));
    }
    if state.callback_iss {
        params.push(("iss", &state.issuer));
    }
    response::redirect(&with_query(&redirect_uri, &params))
}

/// Redirects back to the client with an OAuth error.
fn error_redirect(state: &State, request: &AuthRequest, error: &str, description: &str) -> Resp {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = &request.state {
        params.push(("state", s));
    }
    if state.callback_iss {
        params.push(("iss", &state.issuer));
    }
    response::redirect(&with_query(&request.redirect_uri, &params))
}

fn bad_request(message: &str) -> Resp {
    response::html(StatusCode::BAD_REQUEST, html::error_page(message))
}
