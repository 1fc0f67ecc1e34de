//! Groups, organisations and memberships for FakeFeide's groups API: builders and the directory
//! the handlers read.

use serde_json::{Map, Value, json};

use super::user::FakeUser;

/// A group FakeFeide knows, whether or not anyone is a member: what `GET /groups/{id}`, the
/// public list and the organisation endpoints serve. Memberships live on users
/// ([`FakeUser::member_of`]).
///
/// ```
/// use feide_tower_testkit::{FakeGroup, FakeMembership, FakeUser};
///
/// let course = FakeGroup::course("test.feide.no", "INF2000", "Databases");
/// assert_eq!(course.id, "fc:fs:fs:emne:test.feide.no:INF2000:1");
/// let dave = FakeUser::new("dave", "Dave Student")
///     .member_of(&course, FakeMembership::member().fs_role("STUDENT"));
/// assert_eq!(dave.groups[1]["membership"]["fsroles"][0], "STUDENT");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FakeGroup {
    /// The group id, e.g. `fc:org:test.feide.no`.
    pub id: String,
    /// The group type, e.g. `fc:org`, `fc:fs:emne`, `fc:adhoc`.
    pub kind: String,
    /// `displayName`.
    pub display_name: String,
    /// `parent`: the organisation a unit or course belongs to.
    pub parent: Option<String>,
    /// `public`: listed by `GET /groups`.
    pub public: bool,
    /// Other fields of the group object (`orgType`, `norEduOrgNIN`, `url`, ...).
    pub extra: Map<String, Value>,
}

impl FakeGroup {
    /// A group `id` of type `kind` named `display_name`.
    pub fn new(
        id: impl Into<String>,
        kind: impl Into<String>,
        display_name: impl Into<String>,
    ) -> FakeGroup {
        FakeGroup {
            id: id.into(),
            kind: kind.into(),
            display_name: display_name.into(),
            parent: None,
            public: false,
            extra: Map::new(),
        }
    }

    /// The organisation group `fc:org:{domain}` (type `fc:org`).
    pub fn org(domain: &str, name: impl Into<String>) -> FakeGroup {
        FakeGroup::new(format!("fc:org:{domain}"), "fc:org", name)
    }

    /// A course (emne) at `domain`: `fc:fs:fs:emne:{domain}:{code}:1`, type `fc:fs:emne`,
    /// parent `fc:org:{domain}`.
    pub fn course(domain: &str, code: &str, name: impl Into<String>) -> FakeGroup {
        FakeGroup::new(
            format!("fc:fs:fs:emne:{domain}:{code}:1"),
            "fc:fs:emne",
            name,
        )
        .parent(format!("fc:org:{domain}"))
    }

    /// An ad-hoc group `fc:adhoc:{id}`.
    pub fn adhoc(id: &str, name: impl Into<String>) -> FakeGroup {
        FakeGroup::new(format!("fc:adhoc:{id}"), "fc:adhoc", name)
    }

    /// Sets `parent`.
    pub fn parent(mut self, parent: impl Into<String>) -> FakeGroup {
        self.parent = Some(parent.into());
        self
    }

    /// Sets `public`.
    pub fn public(mut self, public: bool) -> FakeGroup {
        self.public = public;
        self
    }

    /// Sets another field of the group object.
    pub fn field(mut self, name: &str, value: Value) -> FakeGroup {
        self.extra.insert(name.to_owned(), value);
        self
    }

    /// The group object, without a membership.
    pub fn to_json(&self) -> Value {
        let mut group = Map::new();
        group.insert("id".into(), json!(self.id));
        group.insert("type".into(), json!(self.kind));
        group.insert("displayName".into(), json!(self.display_name));
        if let Some(parent) = &self.parent {
            group.insert("parent".into(), json!(parent));
        }
        group.insert("public".into(), json!(self.public));
        for (k, v) in &self.extra {
            group.insert(k.clone(), v.clone());
        }
        Value::Object(group)
    }
}

/// A user's membership of a group: the `membership` object FakeFeide serves.
///
/// ```
/// use feide_tower_testkit::FakeMembership;
///
/// let m = FakeMembership::admin().fs_role("LECTURER").inactive().to_json();
/// assert_eq!(m["basic"], "admin");
/// assert_eq!(m["active"], false);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FakeMembership {
    /// `basic`: `member`, `admin` or `owner`.
    pub basic: String,
    /// `active` (inactive memberships are served only with `showAll=true`).
    pub active: bool,
    /// `fsroles`.
    pub fsroles: Vec<String>,
    /// `affiliation`.
    pub affiliation: Vec<String>,
    /// `primaryAffiliation`.
    pub primary_affiliation: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `notAfter`.
    pub not_after: Option<String>,
}

impl FakeMembership {
    fn basic(basic: &str) -> FakeMembership {
        FakeMembership {
            basic: basic.to_owned(),
            active: true,
            fsroles: Vec::new(),
            affiliation: Vec::new(),
            primary_affiliation: None,
            display_name: None,
            not_after: None,
        }
    }

    /// `basic: member`, active.
    pub fn member() -> FakeMembership {
        FakeMembership::basic("member")
    }

    /// `basic: admin`, active.
    pub fn admin() -> FakeMembership {
        FakeMembership::basic("admin")
    }

    /// `basic: owner`, active.
    pub fn owner() -> FakeMembership {
        FakeMembership::basic("owner")
    }

    /// Adds an FS role (`STUDENT`, `LECTURER`, ...).
    pub fn fs_role(mut self, role: &str) -> FakeMembership {
        self.fsroles.push(role.to_owned());
        self
    }

    /// Sets the affiliations with an organisation.
    pub fn affiliation(mut self, all: &[&str]) -> FakeMembership {
        self.affiliation = all.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Sets `primaryAffiliation`.
    pub fn primary_affiliation(mut self, primary: &str) -> FakeMembership {
        self.primary_affiliation = Some(primary.to_owned());
        self
    }

    /// Sets `displayName` (the role for people).
    pub fn display_name(mut self, name: &str) -> FakeMembership {
        self.display_name = Some(name.to_owned());
        self
    }

    /// Marks the membership inactive (`active: false`), with `notAfter` in the past.
    pub fn inactive(mut self) -> FakeMembership {
        self.active = false;
        self.not_after = Some("2020-06-30T22:00:00Z".to_owned());
        self
    }

    /// The `membership` object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("basic".into(), json!(self.basic));
        m.insert("active".into(), json!(self.active));
        if !self.fsroles.is_empty() {
            m.insert("fsroles".into(), json!(self.fsroles));
        }
        if !self.affiliation.is_empty() {
            m.insert("affiliation".into(), json!(self.affiliation));
        }
        if let Some(p) = &self.primary_affiliation {
            m.insert("primaryAffiliation".into(), json!(p));
        }
        if let Some(d) = &self.display_name {
            m.insert("displayName".into(), json!(d));
        }
        if let Some(n) = &self.not_after {
            m.insert("notAfter".into(), json!(n));
        }
        Value::Object(m)
    }
}

/// An organisation served by the organisation endpoints (`/v1/orgs/{domain}/…`,
/// `/v1/by-orgno/{orgno}/…`). Its groups are those whose id is `fc:org:{domain}` or starts with
/// `fc:org:{domain}:`, whose parent is `fc:org:{domain}`, or whose id contains `:{domain}:`.
#[derive(Clone, Debug, PartialEq)]
pub struct FakeOrg {
    /// The realm, e.g. `test.feide.no`.
    pub domain: String,
    /// The organisation number, e.g. `NO999888777` (found with or without `NO`).
    pub org_number: String,
    /// The name.
    pub name: String,
}

impl FakeOrg {
    /// An organisation.
    pub fn new(
        domain: impl Into<String>,
        org_number: impl Into<String>,
        name: impl Into<String>,
    ) -> FakeOrg {
        FakeOrg {
            domain: domain.into(),
            org_number: org_number.into(),
            name: name.into(),
        }
    }

    /// Its organisation group (`fc:org:{domain}`, with `norEduOrgNIN`).
    pub fn group(&self) -> FakeGroup {
        FakeGroup::org(&self.domain, self.name.clone())
            .field("norEduOrgNIN", json!(self.org_number))
            .field("orgType", json!(["higher_education"]))
    }

    /// Whether the group object `group` belongs to this organisation.
    pub(crate) fn owns(&self, group: &Value) -> bool {
        let org = format!("fc:org:{}", self.domain);
        let id = group["id"].as_str().unwrap_or_default();
        id == org
            || id.starts_with(&format!("{org}:"))
            || group["parent"].as_str() == Some(org.as_str())
            || id.contains(&format!(":{}:", self.domain))
    }

    /// Whether `number` names this organisation (with or without the `NO` prefix).
    pub(crate) fn has_number(&self, number: &str) -> bool {
        let bare = |n: &str| n.trim_start_matches("NO").to_owned();
        bare(&self.org_number) == bare(number)
    }
}

/// The groups API state of one fake.
#[derive(Debug, Default)]
pub(crate) struct GroupsState {
    pub(crate) groups: Vec<FakeGroup>,
    pub(crate) orgs: Vec<FakeOrg>,
    /// Items per list page (`None`: one page, as Feide).
    pub(crate) page_size: Option<usize>,
    /// A `Link: <…>; rel="next"` added to every list answer (hostile-server tests).
    pub(crate) forced_next: Option<String>,
}

impl GroupsState {
    /// The demo directory: the test organisation, its course, an old course and a public
    /// ad-hoc group.
    pub(crate) fn defaults() -> GroupsState {
        let org = FakeOrg::new("test.feide.no", "NO999888777", "Test organisation");
        GroupsState {
            groups: vec![
                org.group(),
                FakeGroup::course("test.feide.no", "INF1000", "Introduction to programming"),
                FakeGroup::course("test.feide.no", "INF0999", "Programming (2019)"),
                FakeGroup::adhoc("5f3e2b1a-demo", "feide-tower demo group").public(true),
            ],
            orgs: vec![org],
            page_size: None,
            forced_next: None,
        }
    }

    /// Adds or replaces (by id) a group.
    pub(crate) fn upsert_group(&mut self, group: FakeGroup) {
        match self.groups.iter_mut().find(|g| g.id == group.id) {
            Some(slot) => *slot = group,
            None => self.groups.push(group),
        }
    }
}

impl FakeUser {
    /// Adds a membership of `group` (the group object with `membership` set) to the user's
    /// groups, replacing an earlier membership of the same group.
    pub fn member_of(mut self, group: &FakeGroup, membership: FakeMembership) -> FakeUser {
        let mut entry = group.to_json();
        entry["membership"] = membership.to_json();
        if let Some(groups) = self.groups.as_array_mut() {
            groups.retain(|g| g["id"] != group.id.as_str());
        }
        self.group(entry)
    }

    /// A student in course `group`: `basic: member`, FS role `STUDENT`.
    pub fn student_in(self, group: &FakeGroup) -> FakeUser {
        self.member_of(
            group,
            FakeMembership::member()
                .fs_role("STUDENT")
                .display_name("Student"),
        )
    }

    /// A lecturer in course `group`: `basic: admin`, FS role `LECTURER`.
    pub fn lecturer_in(self, group: &FakeGroup) -> FakeUser {
        self.member_of(
            group,
            FakeMembership::admin()
                .fs_role("LECTURER")
                .display_name("Foreleser"),
        )
    }
}
