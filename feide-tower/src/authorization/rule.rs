//! [`Rule`]: who may enter, as a small composable vocabulary checked against [`FeideFacts`].

use std::fmt;

use super::error::AuthorizationConfigError;
use super::facts::{FactGroup, FeideFacts, Mfa, org_number};
use crate::apis::BasicRole;

/// The affiliation values Feide (eduPerson) defines; any other value is a start-up error.
pub const AFFILIATIONS: &[&str] = &[
    "student",
    "faculty",
    "staff",
    "employee",
    "member",
    "affiliate",
    "alum",
    "library-walk-in",
];

/// Most rules in one combinator, and deepest nesting.
const MAX_CHILDREN: usize = 64;
const MAX_DEPTH: usize = 8;
/// Longest value in a rule (ids, types, realms).
const MAX_VALUE_LEN: usize = 256;

/// A requirement on the user, checked against [`FeideFacts`]. Build with the constructors and
/// combine with [`Rule::any_of`] / [`Rule::all_of`]; a guard's builder checks the whole rule
/// once (`build()?`): an empty set, an unknown affiliation or role, or a malformed value is an
/// [`AuthorizationConfigError`], never a rule that silently lets everyone (or no one) in.
///
/// ```
/// use feide_tower::authorization::Rule;
///
/// // Employees of uio.no, or lecturers in any FS group.
/// let rule = Rule::any_of([
///     Rule::all_of([Rule::affiliation(["employee"]), Rule::realm("uio.no")]),
///     Rule::group_type("fc:fs:*").fs_role("LECTURER"),
/// ]);
/// assert!(rule.check().is_ok());
/// assert!(Rule::affiliation(["emplyee"]).check().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Rule(Kind);

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    Affiliation(Vec<String>),
    PrimaryAffiliation(Vec<String>),
    Realm(String),
    OrgId(String),
    OrgNumber(String),
    Group(GroupRule),
    Mfa,
    AnyOf(Vec<Rule>),
    AllOf(Vec<Rule>),
}

/// Which groups a group rule matches.
#[derive(Clone, PartialEq, Eq)]
enum GroupMatch {
    Id(String),
    Type(String),
    /// `fc:fs:*`: any type starting with the prefix (`fc:fs:`).
    TypePrefix(String),
}

#[derive(Clone, PartialEq, Eq)]
struct GroupRule {
    matches: GroupMatch,
    /// The least basic role (member < admin < owner), as given (checked at build).
    role: Option<String>,
    /// One of these FS roles.
    fs_roles: Vec<String>,
}

impl Rule {
    /// The user has one of these affiliations (`eduPersonAffiliation`: `employee`, `student`,
    /// `faculty`, `staff`, `member`, `affiliate`, `alum`, `library-walk-in`).
    pub fn affiliation<I>(any_of: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self(Kind::Affiliation(
            any_of
                .into_iter()
                .map(|a| a.into().to_ascii_lowercase())
                .collect(),
        ))
    }

    /// The user's primary affiliation (`eduPersonPrimaryAffiliation`) is one of these.
    pub fn primary_affiliation<I>(any_of: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self(Kind::PrimaryAffiliation(
            any_of
                .into_iter()
                .map(|a| a.into().to_ascii_lowercase())
                .collect(),
        ))
    }

    /// The user's home organisation has this realm (the Feide id's, e.g. `uio.no`).
    pub fn realm(realm: impl Into<String>) -> Self {
        Self(Kind::Realm(realm.into().to_ascii_lowercase()))
    }

    /// The user's home organisation is this one (`fc:org:uio.no`).
    pub fn org_id(id: impl Into<String>) -> Self {
        Self(Kind::OrgId(id.into().to_ascii_lowercase()))
    }

    /// The user's home organisation has this organisation number (`974767880` or
    /// `NO974767880`). Refuses when Feide did not send the number.
    pub fn org_number(number: impl Into<String>) -> Self {
        Self(Kind::OrgNumber(org_number(&number.into())))
    }

    /// The user is an (active) member of the group with this id. Narrow with
    /// [`role`](Self::role) or [`fs_role`](Self::fs_role).
    pub fn group(id: impl Into<String>) -> Self {
        Self::group_rule(GroupMatch::Id(id.into()))
    }

    /// The user is an (active) member of a group of this type (`fc:fs:emne`), or, with a
    /// trailing `*`, of any type with that prefix (`fc:fs:*`). Narrow with
    /// [`role`](Self::role) or [`fs_role`](Self::fs_role).
    pub fn group_type(kind: impl Into<String>) -> Self {
        let kind = kind.into();
        let matches = match kind.strip_suffix('*') {
            Some(prefix) => GroupMatch::TypePrefix(prefix.to_owned()),
            None => GroupMatch::Type(kind),
        };
        Self::group_rule(matches)
    }

    fn group_rule(matches: GroupMatch) -> Self {
        Self(Kind::Group(GroupRule {
            matches,
            role: None,
            fs_roles: Vec::new(),
        }))
    }

    /// On a group rule: the membership's basic role is at least `role` (`member`, `admin` or
    /// `owner`; an owner is also an admin). On any other rule it is a start-up error.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        match &mut self.0 {
            Kind::Group(group) => group.role = Some(role.into()),
            // Remembered as malformed: `check` refuses it.
            _ => self = Self(Kind::AllOf(vec![self, Self::misplaced()])),
        }
        self
    }

    /// On a group rule: the membership has this FS role (`STUDENT`, `LECTURER`, ...; case
    /// as Feide sends it, compared case-insensitively). Several calls: any of them.
    pub fn fs_role(mut self, role: impl Into<String>) -> Self {
        match &mut self.0 {
            Kind::Group(group) => group.fs_roles.push(role.into()),
            _ => self = Self(Kind::AllOf(vec![self, Self::misplaced()])),
        }
        self
    }

    /// A rule that never checks: a role given to a rule that is not about groups.
    fn misplaced() -> Self {
        Self(Kind::AnyOf(Vec::new()))
    }

    /// The user authenticated with multi-factor authentication (the session's `acr` is
    /// [`FEIDE_MFA_ACR`](crate::login::FEIDE_MFA_ACR); for a data source, the incoming token's
    /// `acr`, and a token without one refuses).
    pub fn mfa() -> Self {
        Self(Kind::Mfa)
    }

    /// Any one of `rules` holds.
    pub fn any_of(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self(Kind::AnyOf(rules.into_iter().collect()))
    }

    /// All of `rules` hold.
    pub fn all_of(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self(Kind::AllOf(rules.into_iter().collect()))
    }

    /// Both this rule and `other` hold.
    pub fn and(self, other: Rule) -> Self {
        Self::all_of([self, other])
    }

    /// This rule or `other` holds.
    pub fn or(self, other: Rule) -> Self {
        Self::any_of([self, other])
    }

    /// Checks the rule's values (what a guard's `build()` does).
    ///
    /// # Errors
    ///
    /// [`AuthorizationConfigError::InvalidRule`] naming the rule kind and what is wrong.
    pub fn check(&self) -> Result<(), AuthorizationConfigError> {
        self.check_at(0)
    }

    fn check_at(&self, depth: usize) -> Result<(), AuthorizationConfigError> {
        let kind = self.kind();
        let bad =
            |reason: &'static str| Err(AuthorizationConfigError::InvalidRule { kind, reason });
        if depth > MAX_DEPTH {
            return bad("nested more than 8 deep");
        }
        match &self.0 {
            Kind::Affiliation(values) | Kind::PrimaryAffiliation(values) => {
                if values.is_empty() {
                    return bad("no affiliation given");
                }
                if !values.iter().all(|v| AFFILIATIONS.contains(&v.as_str())) {
                    return bad("not an eduPersonAffiliation value");
                }
            }
            Kind::Realm(realm) => {
                if !is_value(realm) || !realm.contains('.') || realm.contains(['@', ':']) {
                    return bad("not a realm such as uio.no");
                }
            }
            Kind::OrgId(id) => {
                let realm = id.strip_prefix("fc:org:").unwrap_or_default();
                if !is_value(id) || realm.is_empty() || realm.contains(':') {
                    return bad("not an organisation id such as fc:org:uio.no");
                }
            }
            Kind::OrgNumber(number) => {
                if number.len() != 9 || !number.bytes().all(|b| b.is_ascii_digit()) {
                    return bad("not a nine-digit organisation number");
                }
            }
            Kind::Group(group) => {
                match &group.matches {
                    GroupMatch::Id(id) | GroupMatch::Type(id) => {
                        if !is_value(id) || id.contains('*') {
                            return bad("not a group id or type");
                        }
                    }
                    GroupMatch::TypePrefix(prefix) => {
                        if !is_value(prefix) || prefix.contains('*') || !prefix.ends_with(':') {
                            return bad(
                                "a type pattern is a prefix ending in ':' and '*' (fc:fs:*)",
                            );
                        }
                    }
                }
                if let Some(role) = &group.role
                    && rank(&BasicRole::parse(role)).is_none()
                {
                    return bad("the role is not member, admin or owner");
                }
                if !group.fs_roles.iter().all(|r| is_value(r)) {
                    return bad("an FS role is empty or malformed");
                }
            }
            Kind::Mfa => {}
            Kind::AnyOf(rules) | Kind::AllOf(rules) => {
                if rules.is_empty() {
                    return bad("no rule given (or a role on a rule that is not about groups)");
                }
                if rules.len() > MAX_CHILDREN {
                    return bad("more than 64 rules");
                }
                for rule in rules {
                    rule.check_at(depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// The requirement kind, as a refusal names it.
    pub fn kind(&self) -> &'static str {
        match &self.0 {
            Kind::Affiliation(_) => "affiliation",
            Kind::PrimaryAffiliation(_) => "primary_affiliation",
            Kind::Realm(_) | Kind::OrgId(_) | Kind::OrgNumber(_) => "organization",
            Kind::Group(GroupRule {
                matches: GroupMatch::Id(_),
                ..
            }) => "group",
            Kind::Group(_) => "group_type",
            Kind::Mfa => "mfa",
            Kind::AnyOf(_) => "any_of",
            Kind::AllOf(_) => "all_of",
        }
    }

    /// Whether `facts` satisfy the rule: `Ok`, or the kind of the requirement that failed
    /// (for `all_of`, the first failing one's; for `any_of`, `"any_of"` unless it has only
    /// one rule).
    pub fn evaluate(&self, facts: &FeideFacts) -> Result<(), &'static str> {
        let holds = match &self.0 {
            Kind::Affiliation(values) => values.iter().any(|v| facts.has_affiliation(v)),
            Kind::PrimaryAffiliation(values) => facts
                .primary_affiliation()
                .is_some_and(|p| values.iter().any(|v| v == p)),
            Kind::Realm(realm) => facts.home_organization().is_some_and(|o| &o.realm == realm),
            Kind::OrgId(id) => facts.home_organization().is_some_and(|o| &o.id == id),
            Kind::OrgNumber(number) => facts
                .home_organization()
                .is_some_and(|o| o.number.as_deref() == Some(number.as_str())),
            Kind::Group(group) => facts.groups().iter().any(|g| group.admits(g)),
            Kind::Mfa => facts.mfa() == Mfa::Yes,
            Kind::AnyOf(rules) => {
                let mut failed = "any_of";
                for rule in rules {
                    match rule.evaluate(facts) {
                        Ok(()) => return Ok(()),
                        Err(kind) if rules.len() == 1 => failed = kind,
                        Err(_) => {}
                    }
                }
                return Err(failed);
            }
            Kind::AllOf(rules) => {
                // An empty list never passes `check`; fail closed should one get here.
                if rules.is_empty() {
                    return Err("all_of");
                }
                for rule in rules {
                    rule.evaluate(facts)?;
                }
                return Ok(());
            }
        };
        if holds { Ok(()) } else { Err(self.kind()) }
    }
}

impl GroupRule {
    fn admits(&self, group: &FactGroup) -> bool {
        let matched = match &self.matches {
            GroupMatch::Id(id) => &group.id == id,
            GroupMatch::Type(kind) => &group.kind == kind,
            GroupMatch::TypePrefix(prefix) => group.kind.starts_with(prefix.as_str()),
        };
        let membership = &group.membership;
        if !matched || !membership.active {
            return false;
        }
        // Roles are ordered: an owner is also an admin, an admin also a member. A role Feide
        // sent that is none of the three meets no role requirement.
        let role_ok = match &self.role {
            None => true,
            Some(least) => match (rank(&BasicRole::parse(least)), membership.basic.as_ref()) {
                (Some(least), Some(basic)) => rank(basic).is_some_and(|have| have >= least),
                _ => false,
            },
        };
        let fs_ok = self.fs_roles.is_empty()
            || self.fs_roles.iter().any(|wanted| {
                membership
                    .fsroles
                    .iter()
                    .any(|have| have.to_lowercase() == wanted.to_lowercase())
            });
        role_ok && fs_ok
    }
}

/// The order of the basic roles (member < admin < owner); `None` for any other value.
fn rank(role: &BasicRole) -> Option<u8> {
    match role {
        BasicRole::Member => Some(1),
        BasicRole::Admin => Some(2),
        BasicRole::Owner => Some(3),
        _ => None,
    }
}

/// A rule value: 1 to 256 bytes, no whitespace or control characters.
fn is_value(value: &str) -> bool {
    (1..=MAX_VALUE_LEN).contains(&value.len())
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl fmt::Debug for Rule {
    // Rules are configuration, not personal data: shown in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Affiliation(v) => f.debug_tuple("affiliation").field(v).finish(),
            Kind::PrimaryAffiliation(v) => f.debug_tuple("primary_affiliation").field(v).finish(),
            Kind::Realm(v) => f.debug_tuple("realm").field(v).finish(),
            Kind::OrgId(v) => f.debug_tuple("org_id").field(v).finish(),
            Kind::OrgNumber(v) => f.debug_tuple("org_number").field(v).finish(),
            Kind::Group(g) => {
                let (name, value) = match &g.matches {
                    GroupMatch::Id(id) => ("group", id.clone()),
                    GroupMatch::Type(kind) => ("group_type", kind.clone()),
                    GroupMatch::TypePrefix(prefix) => ("group_type", format!("{prefix}*")),
                };
                f.debug_struct(name)
                    .field("matches", &value)
                    .field("role", &g.role)
                    .field("fs_roles", &g.fs_roles)
                    .finish()
            }
            Kind::Mfa => f.write_str("mfa"),
            Kind::AnyOf(rules) => f.debug_tuple("any_of").field(rules).finish(),
            Kind::AllOf(rules) => f.debug_tuple("all_of").field(rules).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::apis::Group;
    use crate::authorization::facts::Directory;

    fn facts(mfa: Mfa) -> FeideFacts {
        let raw = json!([
            {"id": "fc:org:uio.no", "type": "fc:org", "displayName": "UiO", "norEduOrgNIN": "NO974767880",
             "membership": {"basic": "member", "primaryAffiliation": "employee", "affiliation": ["employee", "member"]}},
            {"id": "fc:fs:fs:emne:uio.no:INF1000:1", "type": "fc:fs:emne", "displayName": "x",
             "membership": {"basic": "admin", "fsroles": ["LECTURER"]}},
            {"id": "fc:adhoc:old", "type": "fc:adhoc", "displayName": "z",
             "membership": {"basic": "owner", "active": false}},
        ]);
        let groups: Vec<Group> = serde_json::from_value(raw.clone()).unwrap();
        let d = Directory::from_sources(None, &groups, Some("a@uio.no"));
        FeideFacts::new(Arc::new(d), mfa)
    }

    #[test]
    fn the_vocabulary() {
        let f = facts(Mfa::No);
        let ok = |r: Rule| {
            r.check().unwrap();
            r.evaluate(&f)
        };
        assert_eq!(ok(Rule::affiliation(["employee"])), Ok(()));
        assert_eq!(ok(Rule::affiliation(["student"])), Err("affiliation"));
        assert_eq!(ok(Rule::primary_affiliation(["employee"])), Ok(()));
        assert_eq!(ok(Rule::realm("uio.no")), Ok(()));
        assert_eq!(ok(Rule::realm("ntnu.no")), Err("organization"));
        assert_eq!(ok(Rule::org_id("fc:org:uio.no")), Ok(()));
        assert_eq!(ok(Rule::org_number("NO974767880")), Ok(()));
        assert_eq!(ok(Rule::org_number("974767881")), Err("organization"));
        assert_eq!(ok(Rule::group("fc:fs:fs:emne:uio.no:INF1000:1")), Ok(()));
        assert_eq!(
            ok(Rule::group("fc:fs:fs:emne:uio.no:INF1000:1").role("admin")),
            Ok(())
        );
        assert_eq!(
            ok(Rule::group("fc:fs:fs:emne:uio.no:INF1000:1").role("owner")),
            Err("group")
        );
        assert_eq!(ok(Rule::group_type("fc:fs:*").fs_role("lecturer")), Ok(()));
        assert_eq!(
            ok(Rule::group_type("fc:fs:*").fs_role("STUDENT")),
            Err("group_type")
        );
        assert_eq!(ok(Rule::group_type("fc:fs:emne")), Ok(()));
        assert_eq!(ok(Rule::group_type("fc:gogroup")), Err("group_type"));
        // Inactive memberships do not count.
        assert_eq!(ok(Rule::group("fc:adhoc:old")), Err("group"));
        assert_eq!(ok(Rule::mfa()), Err("mfa"));
        assert_eq!(facts(Mfa::Unknown).mfa(), Mfa::Unknown);
        assert_eq!(Rule::mfa().evaluate(&facts(Mfa::Unknown)), Err("mfa"));
        assert_eq!(Rule::mfa().evaluate(&facts(Mfa::Yes)), Ok(()));
        assert_eq!(
            ok(Rule::affiliation(["employee"]).and(Rule::mfa())),
            Err("mfa")
        );
        assert_eq!(
            ok(Rule::any_of([Rule::mfa(), Rule::realm("uio.no")])),
            Ok(())
        );
        assert_eq!(
            ok(Rule::any_of([Rule::mfa(), Rule::realm("x.no")])),
            Err("any_of")
        );
    }

    #[test]
    fn malformed_rules_are_start_up_errors() {
        for bad in [
            Rule::affiliation(Vec::<String>::new()),
            Rule::affiliation(["teacher"]),
            Rule::realm("uio"),
            Rule::realm("a@uio.no"),
            Rule::org_id("uio.no"),
            Rule::org_number("12345"),
            Rule::group(""),
            Rule::group("a b"),
            Rule::group_type("fc:*:emne"),
            Rule::group_type("fc:fs*"),
            Rule::group("fc:adhoc:1").role("boss"),
            Rule::realm("uio.no").role("admin"),
            Rule::any_of([]),
            Rule::all_of([Rule::any_of([Rule::group("")])]),
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
