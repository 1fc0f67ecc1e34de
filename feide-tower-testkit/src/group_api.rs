//! Feide's groups API (base `/groups`): the user's groups and memberships, group details,
//! members, public groups, group types and the organisation endpoints.
//!
//! Statuses as Feide documents them: 401 for a missing, unknown or expired token; 403 for a
//! token without a user where one is needed, without a group scope (`groups`, `groups-edu`,
//! `groups-org`, `groups-other`) or a caller who may not list a group's members; 404 for an
//! unknown group or organisation. `/me/groups` and `/me/groups/{id}` accept any user token (as
//! FakeFeide always did; real Feide filters the groups by the token's group scopes).

use http::StatusCode;
use http::header::LINK;
use serde_json::{Value, json};

use super::apis::{bearer_token, bearer_user, forbidden};
use super::fake_group::FakeOrg;
use super::mint::has_scope;
use super::params::Params;
use super::response::{self, Resp};
use super::server::Req;
use super::state::{Inner, State};
use super::user::FakeUser;

/// Scopes that open the group endpoints other than `/me/…`.
const GROUP_SCOPES: [&str; 4] = ["groups", "groups-edu", "groups-org", "groups-other"];

/// The group types `GET /grouptypes` lists.
const GROUP_TYPES: [(&str, &str, &str); 6] = [
    ("fc:org", "Organisasjon", "Organisation"),
    ("fc:orgunit", "Organisasjonsenhet", "Organisational unit"),
    ("fc:fs:emne", "Emne", "Course"),
    ("fc:fs:prg", "Studieprogram", "Study programme"),
    ("fc:gogroup", "Gruppe i skolen", "School group"),
    ("fc:adhoc", "Ad-hoc-gruppe", "Ad hoc group"),
];

/// Every `GET` under `/groups/`.
pub(crate) fn handle(state: &State, req: &Req) -> Resp {
    let Some(rest) = req.path.strip_prefix("/groups/") else {
        return not_found("no such endpoint");
    };
    let Some(parts) = rest.split('/').map(decode).collect::<Option<Vec<_>>>() else {
        return not_found("malformed path");
    };
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let result = match parts.as_slice() {
        ["me", "groups"] => my_groups(state, req),
        ["me", "groups", id] => my_group(state, req, id),
        ["groups"] => public_groups(state, req),
        ["groups", id] => group(state, req, id),
        ["groups", id, "members"] => members(state, req, id),
        ["grouptypes"] => group_types(state, req),
        ["v1", "orgs", domain, rest @ ..] => org(state, req, OrgKey::Domain(domain), rest),
        ["v1", "by-orgno", number, rest @ ..] => org(state, req, OrgKey::Number(number), rest),
        _ => Err(Box::new(not_found("no such endpoint"))),
    };
    result.unwrap_or_else(|resp| *resp)
}

type Answer = Result<Resp, Box<Resp>>;

fn my_groups(state: &State, req: &Req) -> Answer {
    let (user, _) = bearer_user(state, req)?;
    let show_all = Params::parse(req.query.as_bytes()).get("showAll") == Some("true");
    let groups = memberships(&user)
        .into_iter()
        .filter(|g| show_all || active(g))
        .collect();
    Ok(list(state, req, groups))
}

fn my_group(state: &State, req: &Req, id: &str) -> Answer {
    let (user, _) = bearer_user(state, req)?;
    memberships(&user)
        .into_iter()
        .find(|g| g["id"] == id)
        .map(|g| response::json(StatusCode::OK, &g))
        .ok_or_else(|| Box::new(not_found("the user is not a member of this group")))
}

fn public_groups(state: &State, req: &Req) -> Answer {
    scoped(state, req)?;
    let groups = directory(&state.lock())
        .into_iter()
        .filter(|g| g["public"] == true)
        .collect();
    Ok(list(state, req, groups))
}

fn group(state: &State, req: &Req, id: &str) -> Answer {
    scoped(state, req)?;
    find_group(&state.lock(), id)
        .map(|g| response::json(StatusCode::OK, &g))
        .ok_or_else(|| Box::new(not_found("no such group")))
}

fn members(state: &State, req: &Req, id: &str) -> Answer {
    let (user, scope) = bearer_user(state, req)?;
    require_scope(&scope)?;
    let inner = state.lock();
    let Some(group) = find_group(&inner, id) else {
        return Err(Box::new(not_found("no such group")));
    };
    if group["type"] == "fc:org" {
        return Err(Box::new(forbidden(
            "organisation members are listed only by the organisation groups API",
        )));
    }
    if !memberships(&user)
        .iter()
        .any(|g| g["id"] == id && active(g))
    {
        return Err(Box::new(forbidden("only members may list the members")));
    }
    let members = members_of(&inner, id);
    drop(inner);
    Ok(list(state, req, members))
}

fn group_types(state: &State, req: &Req) -> Answer {
    scoped(state, req)?;
    let types = GROUP_TYPES
        .iter()
        .map(|(id, nb, en)| json!({"id": id, "displayName": {"nb": nb, "en": en}}))
        .collect();
    Ok(list(state, req, types))
}

enum OrgKey<'a> {
    Domain(&'a str),
    Number(&'a str),
}

fn org(state: &State, req: &Req, key: OrgKey<'_>, rest: &[&str]) -> Answer {
    scoped(state, req)?;
    let inner = state.lock();
    let found: Option<FakeOrg> = inner
        .groups_api
        .orgs
        .iter()
        .find(|o| match key {
            OrgKey::Domain(d) => o.domain == d,
            OrgKey::Number(n) => o.has_number(n),
        })
        .cloned();
    let Some(org) = found else {
        return Err(Box::new(not_found("no such organisation")));
    };
    let groups: Vec<Value> = directory(&inner)
        .into_iter()
        .filter(|g| org.owns(g))
        .collect();
    match rest {
        ["groups"] => {
            drop(inner);
            Ok(list(state, req, groups))
        }
        ["groups", id] => groups
            .into_iter()
            .find(|g| g["id"] == *id)
            .map(|g| response::json(StatusCode::OK, &g))
            .ok_or_else(|| Box::new(not_found("no such group at the organisation"))),
        ["groups", id, "members"] => {
            if !groups.iter().any(|g| g["id"] == *id) {
                return Err(Box::new(not_found("no such group at the organisation")));
            }
            let members = members_of(&inner, id);
            drop(inner);
            Ok(list(state, req, members))
        }
        _ => Err(Box::new(not_found("no such endpoint"))),
    }
}

/// A live token (with or without a user) carrying a group scope.
fn scoped(state: &State, req: &Req) -> Result<(), Box<Resp>> {
    let (_, scope) = bearer_token(state, req)?;
    require_scope(&scope)
}

fn require_scope(scope: &str) -> Result<(), Box<Resp>> {
    if GROUP_SCOPES.iter().any(|s| has_scope(scope, s)) {
        Ok(())
    } else {
        Err(Box::new(forbidden("the token has no groups scope")))
    }
}

/// The user's group objects with memberships (entries without an id skipped).
fn memberships(user: &FakeUser) -> Vec<Value> {
    user.groups
        .as_array()
        .map(|g| g.iter().filter(|g| g["id"].is_string()).cloned().collect())
        .unwrap_or_default()
}

/// A membership without `active: false`.
fn active(group: &Value) -> bool {
    group["membership"]["active"] != false
}

/// Every group the fake knows: the registered ones, then those only found in users' groups
/// (without the membership), each id once.
fn directory(inner: &Inner) -> Vec<Value> {
    let mut out: Vec<Value> = inner
        .groups_api
        .groups
        .iter()
        .map(|g| g.to_json())
        .collect();
    for user in &inner.users {
        for mut g in memberships(user) {
            if !out.iter().any(|known| known["id"] == g["id"]) {
                if let Some(map) = g.as_object_mut() {
                    map.remove("membership");
                }
                out.push(g);
            }
        }
    }
    out
}

fn find_group(inner: &Inner, id: &str) -> Option<Value> {
    directory(inner).into_iter().find(|g| g["id"] == id)
}

/// The users with an active membership of `id`, as member objects.
fn members_of(inner: &Inner, id: &str) -> Vec<Value> {
    inner
        .users
        .iter()
        .filter_map(|u| {
            let g = memberships(u)
                .into_iter()
                .find(|g| g["id"] == id && active(g))?;
            Some(json!({
                "name": u.name,
                "userid_sec": [format!("feide:{}", u.eppn)],
                "membership": g["membership"],
            }))
        })
        .collect()
}

/// A list answer: everything, or one page (`?page=N`, from 1) with a `Link: rel="next"` when
/// paging is on; a forced next link is added as set.
fn list(state: &State, req: &Req, items: Vec<Value>) -> Resp {
    let (page_size, forced) = {
        let inner = state.lock();
        (
            inner.groups_api.page_size,
            inner.groups_api.forced_next.clone(),
        )
    };
    let params = Params::parse(req.query.as_bytes());
    let (body, next) = match page_size {
        None => (items, None),
        Some(size) => {
            let size = size.max(1);
            let page: usize = params
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1);
            let start = (page - 1).saturating_mul(size);
            let slice: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
            let more = start.saturating_add(size) < items.len();
            let next = more.then(|| {
                let mut query = format!("page={}", page + 1);
                if params.get("showAll") == Some("true") {
                    query.push_str("&showAll=true");
                }
                format!("{}{}?{query}", state.issuer, req.path)
            });
            (slice, next)
        }
    };
    let mut resp = response::json(StatusCode::OK, &Value::Array(body));
    if let Some(next) = forced.or(next) {
        response::set_header(&mut resp, LINK, &format!("<{next}>; rel=\"next\""));
    }
    resp
}

fn not_found(message: &str) -> Resp {
    response::json(StatusCode::NOT_FOUND, &json!({"message": message}))
}

/// Percent-decodes one path segment (`+` stays `+`); `None` if not UTF-8.
pub(crate) fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
