//! [`FeideFacts`]: what Feide says about a user that a rule can ask about — affiliations, the home
//! organisation, groups with memberships, and whether the user authenticated with MFA.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::apis::{Group, Membership};

/// The claim (and extended userinfo attribute) holding the Feide id.
const EPPN: &str = "eduPersonPrincipalName";
/// The same, as an ID-token / JWT claim.
const EPPN_CLAIM: &str = "https://n.feide.no/claims/eduPersonPrincipalName";
/// Most values kept from one list (affiliations, groups, roles): far more than Feide sends.
const MAX_ITEMS: usize = 1000;
/// Longest string kept (ids, types, roles); longer ones are dropped.
const MAX_LEN: usize = 512;

/// Whether the user authenticated with multi-factor authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mfa {
    /// Yes: the session's (or token's) `acr` is Feide's MFA level.
    Yes,
    /// No: the `acr` is another level.
    No,
    /// Nobody said (a data source's token without `acr`): a rule asking for MFA refuses.
    Unknown,
}

/// One group the user is a member of.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FactGroup {
    /// The group id, e.g. `fc:org:uio.no`, `fc:fs:fs:emne:uio.no:INF1000:1`.
    pub id: String,
    /// The group type, e.g. `fc:org`, `fc:fs:emne`.
    pub kind: String,
    /// The parent group's id.
    pub parent: Option<String>,
    /// The user's membership.
    pub membership: Membership,
    /// The organisation number (`norEduOrgNIN`) of an `fc:org` group, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) org_number: Option<String>,
}

/// The user's home organisation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HomeOrganization {
    /// The realm of the Feide id (`alice@uio.no` → `uio.no`), lowercased.
    pub realm: String,
    /// `fc:org:<realm>`.
    pub id: String,
    /// The organisation number (`NO` and nine digits in Feide; kept as the nine digits), when
    /// the groups API or extended userinfo sent it.
    pub number: Option<String>,
}

/// What Feide's APIs said about the user: fetched together and cached together.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct Directory {
    pub(crate) affiliations: Vec<String>,
    pub(crate) primary_affiliation: Option<String>,
    pub(crate) org: Option<HomeOrganization>,
    pub(crate) groups: Vec<FactGroup>,
}

/// What a guard knows about the user: affiliations, home organisation, groups and MFA. Put in
/// the request's extensions by the guards of [`crate::authorization`] when they let a request
/// through; read it in a handler (`request.extensions().get::<FeideFacts>()`, or the axum
/// extractor). Cheap to clone.
///
/// Personal data: never log it. `Debug` shows counts only.
#[derive(Clone)]
pub struct FeideFacts {
    directory: Arc<Directory>,
    mfa: Mfa,
}

impl FeideFacts {
    pub(crate) fn new(directory: Arc<Directory>, mfa: Mfa) -> Self {
        Self { directory, mfa }
    }

    /// The user's affiliations (`eduPersonAffiliation`, with the home organisation group's
    /// `affiliation`), lowercased: `student`, `employee`, `faculty`, `staff`, `member`, ...
    pub fn affiliations(&self) -> &[String] {
        &self.directory.affiliations
    }

    /// Whether `affiliation` is one of the user's (case-insensitive).
    pub fn has_affiliation(&self, affiliation: &str) -> bool {
        self.directory
            .affiliations
            .iter()
            .any(|a| a.eq_ignore_ascii_case(affiliation))
    }

    /// The primary affiliation (`eduPersonPrimaryAffiliation`, else the home organisation
    /// group's `primaryAffiliation`), lowercased.
    pub fn primary_affiliation(&self) -> Option<&str> {
        self.directory.primary_affiliation.as_deref()
    }

    /// The home organisation (from the Feide id's realm), if known.
    pub fn home_organization(&self) -> Option<&HomeOrganization> {
        self.directory.org.as_ref()
    }

    /// The groups the user is a member of (from Feide's groups API).
    pub fn groups(&self) -> &[FactGroup] {
        &self.directory.groups
    }

    /// Whether the user authenticated with MFA.
    pub fn mfa(&self) -> Mfa {
        self.mfa
    }
}

impl fmt::Debug for FeideFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: the facts are personal data.
        f.debug_struct("FeideFacts")
            .field("affiliations", &self.directory.affiliations.len())
            .field("home_organization", &self.directory.org.is_some())
            .field("groups", &self.directory.groups.len())
            .field("mfa", &self.mfa)
            .finish()
    }
}

impl fmt::Debug for FactGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactGroup")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for HomeOrganization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HomeOrganization")
    }
}

impl fmt::Debug for Directory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Directory")
            .field("groups", &self.groups.len())
            .finish_non_exhaustive()
    }
}

/// A string kept from the network: bounded, trimmed, non-empty.
fn kept(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text.len() <= MAX_LEN).then(|| text.to_owned())
}

/// Strings from a value that is a string or an array of strings (Feide sends both shapes).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => kept(s).into_iter().collect(),
        Some(Value::Array(items)) => items
            .iter()
            .take(MAX_ITEMS)
            .filter_map(Value::as_str)
            .filter_map(kept)
            .collect(),
        _ => Vec::new(),
    }
}

fn first_string(value: Option<&Value>) -> Option<String> {
    strings(value).into_iter().next()
}

fn lower(items: Vec<String>) -> Vec<String> {
    items.into_iter().map(|s| s.to_ascii_lowercase()).collect()
}

/// The organisation number without Feide's `NO` prefix (`NO974767880` → `974767880`).
pub(crate) fn org_number(text: &str) -> String {
    let text = text.trim();
    let digits = text
        .strip_prefix("NO")
        .or_else(|| text.strip_prefix("no"))
        .unwrap_or(text);
    digits.to_owned()
}

/// The group's membership, kept within the bounds of everything taken from the network, its
/// affiliations lowercased (Feide's values are, but a rule must not depend on it).
fn membership(group: &Group) -> Membership {
    let mut membership = group.membership_view().unwrap_or_default();
    let bounded = |items: Vec<String>| -> Vec<String> {
        items
            .iter()
            .take(MAX_ITEMS)
            .filter_map(|s| kept(s))
            .collect()
    };
    membership.affiliation = lower(bounded(membership.affiliation));
    membership.primary_affiliation = membership
        .primary_affiliation
        .as_deref()
        .and_then(kept)
        .map(|s| s.to_ascii_lowercase());
    membership.fsroles = bounded(membership.fsroles);
    membership.title = bounded(membership.title);
    membership
}

fn group(group: &Group) -> Option<FactGroup> {
    Some(FactGroup {
        id: kept(&group.id)?,
        kind: kept(&group.kind)?,
        parent: group.parent.as_deref().and_then(kept),
        membership: membership(group),
        // Only organisation groups carry it (`fc:org`).
        org_number: first_string(group.extra.get("norEduOrgNIN")).map(|n| org_number(&n)),
    })
}

impl Directory {
    /// The facts from extended userinfo (`None` when the user has none or it was not asked),
    /// the groups API's answer, and the Feide id the login or token carried.
    pub(crate) fn from_sources(
        extended: Option<&Map<String, Value>>,
        groups: &[Group],
        feide_id: Option<&str>,
    ) -> Self {
        let groups: Vec<FactGroup> = groups.iter().take(MAX_ITEMS).filter_map(group).collect();
        let extended_field = |name: &str| extended.and_then(|e| e.get(name));
        let feide_id = feide_id
            .map(str::to_owned)
            .or_else(|| first_string(extended_field(EPPN)));
        let realm = feide_id
            .as_deref()
            .and_then(|id| id.rsplit_once('@'))
            .map(|(_, realm)| realm.trim().to_ascii_lowercase())
            .filter(|realm| !realm.is_empty() && realm.len() <= MAX_LEN);
        let org = realm.map(|realm| {
            let id = format!("fc:org:{realm}");
            let number = groups
                .iter()
                .find(|g| g.kind == "fc:org" && g.id == id)
                .and_then(|g| g.org_number.clone())
                .or_else(|| {
                    first_string(extended_field("eduPersonOrgDN:norEduOrgNIN"))
                        .map(|n| org_number(&n))
                });
            HomeOrganization { realm, id, number }
        });
        // The home organisation's group (or the only organisation group) speaks for the
        // affiliations too.
        let home_group = {
            let orgs: Vec<&FactGroup> = groups.iter().filter(|g| g.kind == "fc:org").collect();
            match &org {
                Some(org) => orgs.iter().copied().find(|g| g.id == org.id),
                None if orgs.len() == 1 => orgs.first().copied(),
                None => None,
            }
            .filter(|g| g.membership.active)
            .map(|g| g.membership.clone())
        };
        let mut affiliations = lower(strings(extended_field("eduPersonAffiliation")));
        if let Some(home) = &home_group {
            for a in &home.affiliation {
                if !affiliations.contains(a) {
                    affiliations.push(a.clone());
                }
            }
        }
        let primary_affiliation = first_string(extended_field("eduPersonPrimaryAffiliation"))
            .map(|s| s.to_ascii_lowercase())
            .or_else(|| home_group.and_then(|m| m.primary_affiliation));
        Self {
            affiliations,
            primary_affiliation,
            org,
            groups,
        }
    }
}

/// The Feide id in a set of claims (ID token, userinfo or a JWT access token).
pub(crate) fn feide_id_claim(claims: &Map<String, Value>) -> Option<&str> {
    claims
        .get(EPPN_CLAIM)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn facts_from_both_apis() {
        let extended = json!({
            "eduPersonAffiliation": ["member", "Employee"],
            "eduPersonPrimaryAffiliation": "employee",
        });
        let raw = json!([
            {"id": "fc:org:uio.no", "type": "fc:org", "displayName": "UiO",
             "norEduOrgNIN": "NO974767880",
             "membership": {"basic": "member", "affiliation": ["staff"], "primaryAffiliation": "staff"}},
            {"id": "fc:fs:fs:emne:uio.no:INF1000:1", "type": "fc:fs:emne", "displayName": "x",
             "parent": "fc:org:uio.no",
             "membership": {"basic": "admin", "fsroles": ["LECTURER"], "active": true}},
            {"id": "fc:adhoc:1", "type": "fc:adhoc", "displayName": "y",
             "membership": {"basic": "owner", "active": "yes"}}
        ]);
        let groups: Vec<Group> = serde_json::from_value(raw.clone()).unwrap();
        let d = Directory::from_sources(extended.as_object(), &groups, Some("alice@UiO.no"));
        assert_eq!(d.affiliations, ["member", "employee", "staff"]);
        assert_eq!(d.primary_affiliation.as_deref(), Some("employee"));
        let org = d.org.as_ref().unwrap();
        assert_eq!(
            (org.realm.as_str(), org.id.as_str()),
            ("uio.no", "fc:org:uio.no")
        );
        assert_eq!(org.number.as_deref(), Some("974767880"));
        assert_eq!(
            d.groups[1].membership.basic,
            Some(crate::apis::BasicRole::Admin)
        );
        assert_eq!(d.groups[1].membership.fsroles, ["LECTURER"]);
        assert!(!d.groups[2].membership.active);
        let facts = FeideFacts::new(Arc::new(d), Mfa::Unknown);
        let printed = format!("{facts:?} {:?}", facts.groups());
        assert!(!printed.contains("uio"), "{printed}");
        assert!(!printed.contains("employee"), "{printed}");
    }
}
