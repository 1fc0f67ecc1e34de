//! Bearer-token APIs: userinfo, extended userinfo and groups.

use http::StatusCode;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use serde_json::json;

use super::mint::{EPPN_CLAIM, has_scope};
use super::response::{self, Resp};
use super::server::Req;
use super::state::State;
use super::user::FakeUser;

/// `GET|POST /openid/userinfo`: `sub`, plus `name` for scope `profile`,
/// `email` for `email` and the Feide id for `userid-feide`, like Feide.
pub(crate) fn userinfo(state: &State, req: &Req) -> Resp {
    let (u, scope) = match bearer_user(state, req) {
        Ok(found) => found,
        Err(resp) => return *resp,
    };
    let mut body = json!({ "sub": u.sub });
    if has_scope(&scope, "profile") {
        body["name"] = json!(u.name);
    }
    if has_scope(&scope, "email") {
        body["email"] = json!(u.email);
    }
    if has_scope(&scope, "userid-feide") {
        body[EPPN_CLAIM] = json!(u.eppn);
    }
    response::json(StatusCode::OK, &body)
}

/// `GET /userinfo/v1/userinfo`: 404 for a user who is not a Feide user.
pub(crate) fn extended_userinfo(state: &State, req: &Req) -> Resp {
    match bearer_user(state, req) {
        Ok((u, _)) if u.feide_user => response::json(StatusCode::OK, &u.extended),
        Ok(_) => response::json(
            StatusCode::NOT_FOUND,
            &json!({"message": "The user is not a Feide user"}),
        ),
        Err(resp) => *resp,
    }
}

/// The user and scope behind the request's bearer token, or the error
/// response:
/// 401 for a missing, unknown or expired token, 403 for a token with no user.
pub(crate) fn bearer_user(state: &State, req: &Req) -> Result<(FakeUser, String), Box<Resp>> {
    match bearer_token(state, req)? {
        (Some(user), scope) => Ok((user, scope)),
        (None, _) => Err(Box::new(forbidden("the token has no user"))),
    }
}

/// The user (`None` for a client-credentials token) and scope behind the
/// request's bearer token, or the 401 response for a missing, unknown or
/// expired token.
pub(crate) fn bearer_token(
    state: &State,
    req: &Req,
) -> Result<(Option<FakeUser>, String), Box<Resp>> {
    let token = req
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(token) = token else {
        return Err(Box::new(unauthorized(
            "Bearer realm=\"FakeFeide\"",
            "missing bearer token",
        )));
    };
    let inner = state.lock();
    let Some(record) = inner.live_token(token) else {
        return Err(Box::new(unauthorized(
            "Bearer error=\"invalid_token\"",
            "unknown or expired access token",
        )));
    };
    let scope = record.scope.clone();
    let Some(user_id) = &record.user_id else {
        return Ok((None, scope));
    };
    let user = inner.find_user(user_id).cloned().ok_or_else(|| {
        Box::new(unauthorized(
            "Bearer error=\"invalid_token\"",
            "the token's user no longer exists",
        ))
    })?;
    Ok((Some(user), scope))
}

/// 403 `insufficient_scope` with `description`.
pub(crate) fn forbidden(description: &str) -> Resp {
    response::json(
        StatusCode::FORBIDDEN,
        &json!({"error": "insufficient_scope", "error_description": description}),
    )
}

fn unauthorized(challenge: &str, description: &str) -> Resp {
    let mut resp = response::json(
        StatusCode::UNAUTHORIZED,
        &json!({"error": "invalid_token", "error_description": description}),
    );
    response::set_header(&mut resp, WWW_AUTHENTICATE, challenge);
    resp
}
