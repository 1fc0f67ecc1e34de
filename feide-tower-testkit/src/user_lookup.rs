//! Feide's user lookup (`GET /userinfo/v1/lookup/{identifier}`) and user existence
//! (`GET /userinfo/v1/exists/{userid_sec}`, `GET /userinfo/v1/exists-by-mail/{realm}/{mail}`).
//!
//! As Feide documents: the token must come from client credentials (a token with a user is
//! 403) and carry `system-all-users` (lookup) or `system-check-user-existence` (existence),
//! else 403; 401 for a missing, unknown or expired token; lookup of an unknown user, or of one
//! who is not a Feide user, is 404; only `feide:` identifiers (or a `sub` for lookup) are
//! supported (400 otherwise).

use http::StatusCode;
use serde_json::{Value, json};

use super::apis::{bearer_token, forbidden};
use super::group_api::decode;
use super::mint::has_scope;
use super::response::{self, Resp};
use super::server::Req;
use super::state::State;
use super::user::FakeUser;

/// The path prefix of these endpoints.
pub(crate) const PREFIX: &str = "/userinfo/v1/";

/// Every `GET` under `/userinfo/v1/` but `/userinfo/v1/userinfo`.
pub(crate) fn handle(state: &State, req: &Req) -> Resp {
    let rest = req.path.strip_prefix(PREFIX).unwrap_or_default();
    let Some(parts) = rest.split('/').map(decode).collect::<Option<Vec<_>>>() else {
        return status(StatusCode::BAD_REQUEST, "malformed path");
    };
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let (wanted, what) = match parts.as_slice() {
        ["lookup", _] => ("system-all-users", "lookup"),
        ["exists", _] | ["exists-by-mail", _, _] => ("system-check-user-existence", "exists"),
        _ => return status(StatusCode::NOT_FOUND, "no such endpoint"),
    };
    let scope = match bearer_token(state, req) {
        Err(resp) => return *resp,
        Ok((Some(_), _)) => return forbidden("the token must come from client credentials"),
        Ok((None, scope)) => scope,
    };
    if !has_scope(&scope, wanted) {
        return forbidden(&format!("the token lacks scope {wanted}"));
    }
    let users: Vec<FakeUser> = state
        .lock()
        .users
        .iter()
        .filter(|u| u.feide_user)
        .cloned()
        .collect();
    match (what, parts.as_slice()) {
        ("lookup", [_, identifier]) => {
            let found = match identifier.strip_prefix("feide:") {
                Some(eppn) => users.iter().find(|u| u.eppn.eq_ignore_ascii_case(eppn)),
                None if identifier.contains(':') => {
                    return status(StatusCode::BAD_REQUEST, "only Feide identifiers");
                }
                None => users.iter().find(|u| u.sub == *identifier),
            };
            match found {
                Some(u) => response::json(StatusCode::OK, &attributes(u)),
                None => status(StatusCode::NOT_FOUND, "no such user"),
            }
        }
        (_, ["exists", userid_sec]) => {
            let Some(eppn) = userid_sec.strip_prefix("feide:") else {
                return status(StatusCode::BAD_REQUEST, "only Feide identifiers");
            };
            let exists = users.iter().any(|u| u.eppn.eq_ignore_ascii_case(eppn));
            response::json(StatusCode::OK, &json!({ "exists": exists }))
        }
        (_, ["exists-by-mail", realm, mail]) => {
            let exists = users.iter().any(|u| {
                u.eppn
                    .rsplit_once('@')
                    .is_some_and(|(_, r)| r.eq_ignore_ascii_case(realm))
                    && u.email.eq_ignore_ascii_case(mail)
            });
            response::json(StatusCode::OK, &json!({ "exists": exists }))
        }
        _ => status(StatusCode::NOT_FOUND, "no such endpoint"),
    }
}

/// The lookup answer: the directory attributes, with `displayName` and
/// `eduPersonPrincipalName` single-valued as in Feide's example.
fn attributes(user: &FakeUser) -> Value {
    let mut out = user.extended.clone();
    if let Some(map) = out.as_object_mut() {
        map.insert("displayName".into(), json!(user.name));
        map.insert("eduPersonPrincipalName".into(), json!(user.eppn));
    }
    out
}

fn status(code: StatusCode, message: &str) -> Resp {
    response::json(code, &json!({ "message": message }))
}
