//! Test users: what the fake's login page offers and its APIs describe.

use aws_lc_rs::digest;
use serde_json::{Value, json};

/// The organisation every derived user belongs to.
const ORG_ID: &str = "fc:org:test.feide.no";
/// The realm of derived Feide ids.
const REALM: &str = "test.feide.no";

/// A test user of the fake Feide.
///
/// [`FakeUser::new`] derives every field from the short name, so the same
/// name always gives the same `sub`, Feide id and attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct FakeUser {
    /// Short name, e.g. `"alice"`. Selects the user in `login_hint`,
    /// [`FakeFeide::set_next_user`](super::FakeFeide::set_next_user) and the
    /// test helpers.
    pub id: String,
    /// The OpenID Connect subject: a stable UUID-shaped string.
    pub sub: String,
    /// Display name (`name` claim).
    pub name: String,
    /// E-mail address (`email` claim).
    pub email: String,
    /// Feide id, the eduPersonPrincipalName, e.g. `alice@test.feide.no`.
    pub eppn: String,
    /// The extended userinfo document (directory attributes, mostly arrays).
    pub extended: Value,
    /// The groups API answer: a JSON array of group objects.
    pub groups: Value,
    /// `false` for a user who logged in some other way than Feide: the
    /// extended userinfo endpoint then answers 404.
    pub feide_user: bool,
}

impl FakeUser {
    /// A Feide user `id` named `name`, a plain member of `test.feide.no`.
    ///
    /// `sub` is derived from `id` by hashing, `eppn` is `id@test.feide.no`,
    /// `email` is `id@example.org`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> FakeUser {
        let id = id.into();
        let name = name.into();
        let eppn = format!("{id}@{REALM}");
        let email = format!("{id}@example.org");
        let mut user = FakeUser {
            sub: derive_sub(&id),
            extended: Value::Null,
            groups: json!([org_group("member")]),
            feide_user: true,
            id,
            name,
            email,
            eppn,
        };
        user.extended = user.derive_extended(&["member"]);
        user
    }

    /// Sets the e-mail address (also in the extended userinfo `mail`).
    pub fn email(mut self, email: impl Into<String>) -> FakeUser {
        self.email = email.into();
        self.extended["mail"] = json!([self.email]);
        self
    }

    /// Sets the Feide id (also in the extended userinfo).
    pub fn eppn(mut self, eppn: impl Into<String>) -> FakeUser {
        self.eppn = eppn.into();
        self.extended["eduPersonPrincipalName"] = json!([self.eppn]);
        self
    }

    /// Sets the subject identifier.
    pub fn subject(mut self, sub: impl Into<String>) -> FakeUser {
        self.sub = sub.into();
        self
    }

    /// Sets the affiliations: `primary` (e.g. `"student"`) and the full list
    /// (e.g. `["member", "student"]`), in the extended userinfo and in the
    /// membership of the organisation group.
    pub fn affiliation(mut self, primary: &str, all: &[&str]) -> FakeUser {
        self.extended["eduPersonAffiliation"] = json!(all);
        self.extended["eduPersonPrimaryAffiliation"] = json!([primary]);
        if let Some(groups) = self.groups.as_array_mut() {
            for g in groups.iter_mut().filter(|g| g["id"] == ORG_ID) {
                g["membership"]["primaryAffiliation"] = json!(primary);
            }
        }
        self
    }

    /// Replaces the extended userinfo document.
    pub fn extended(mut self, extended: Value) -> FakeUser {
        self.extended = extended;
        self
    }

    /// Replaces the groups (a JSON array of group objects).
    pub fn groups(mut self, groups: Value) -> FakeUser {
        self.groups = groups;
        self
    }

    /// Adds one group object to the groups.
    pub fn group(mut self, group: Value) -> FakeUser {
        match self.groups.as_array_mut() {
            Some(groups) => groups.push(group),
            None => self.groups = json!([group]),
        }
        self
    }

    /// Marks the user as not a Feide user (extended userinfo answers 404)
    /// and removes its groups.
    pub fn not_feide_user(mut self) -> FakeUser {
        self.feide_user = false;
        self.groups = json!([]);
        self
    }

    fn derive_extended(&self, affiliations: &[&str]) -> Value {
        let (given, surname) = match self.name.rsplit_once(' ') {
            Some((g, s)) => (g, s),
            None => (self.name.as_str(), ""),
        };
        json!({
            "eduPersonPrincipalName": [self.eppn],
            "displayName": [self.name],
            "cn": [self.name],
            "givenName": [given],
            "sn": [surname],
            "mail": [self.email],
            "uid": [self.id],
            "eduPersonAffiliation": affiliations,
            "eduPersonPrimaryAffiliation": [affiliations.last().copied().unwrap_or("member")],
            "eduPersonOrgDN:o": ["Test organisation"],
            "preferredLanguage": ["nb"],
        })
    }

    /// The default users: `alice` (student), `bob` (teacher) and `carol`
    /// (not a Feide user).
    pub(crate) fn defaults() -> Vec<FakeUser> {
        let course = |role: &str, basic: &str| {
            json!({
                "id": "fc:fs:fs:emne:test.feide.no:INF1000:1",
                "type": "fc:fs:emne",
                "displayName": "Introduction to programming",
                "parent": ORG_ID,
                "membership": {"basic": basic, "active": true, "fsroles": [role]},
            })
        };
        vec![
            FakeUser::new("alice", "Alice Student")
                .affiliation("student", &["member", "student"])
                .group(course("STUDENT", "member"))
                // Last year's course: served only with `showAll=true`.
                .member_of(
                    &super::fake_group::FakeGroup::course(REALM, "INF0999", "Programming (2019)"),
                    super::fake_group::FakeMembership::member()
                        .fs_role("STUDENT")
                        .inactive(),
                ),
            FakeUser::new("bob", "Bob Teacher")
                .affiliation("faculty", &["member", "employee", "faculty"])
                .group(course("LÆRER", "admin")),
            FakeUser::new("carol", "Carol Guest").not_feide_user(),
        ]
    }
}

fn org_group(primary: &str) -> Value {
    json!({
        "id": ORG_ID,
        "type": "fc:org",
        "displayName": "Test organisation",
        "membership": {"basic": "member", "primaryAffiliation": primary},
    })
}

/// A UUID-shaped (version 4 layout) string derived from `id` by SHA-256.
fn derive_sub(id: &str) -> String {
    let d = digest::digest(&digest::SHA256, format!("fakefeide-sub:{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_ref()[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
