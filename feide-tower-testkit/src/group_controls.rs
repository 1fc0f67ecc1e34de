//! The test controls of the groups API and the user lookup endpoints.

use super::FakeFeide;
use super::fake_group::{FakeGroup, FakeOrg};

impl FakeFeide {
    /// The groups API base (real Feide: `https://groups-api.dataporten.no/groups`), for
    /// `feide_tower::apis::GroupsApi::with_base_url`. [`groups_url`](Self::groups_url) is this
    /// plus `/me/groups`.
    pub fn groups_api_url(&self) -> String {
        self.url("/groups")
    }

    /// The user lookup and existence base (real Feide: `https://api.dataporten.no/userinfo/v1`).
    /// [`extended_userinfo_url`](Self::extended_userinfo_url) is this plus `/userinfo`.
    pub fn user_lookup_url(&self) -> String {
        self.url("/userinfo/v1")
    }

    /// Adds or replaces (by id) a group the groups API knows (details, public list,
    /// organisation lists). Memberships are set on users: [`FakeUser::member_of`](crate::FakeUser::member_of).
    ///
    /// The defaults: `fc:org:test.feide.no` (organisation number `NO999888777`), the courses
    /// `INF1000` (alice a student, bob a teacher) and `INF0999` (alice's inactive membership,
    /// listed only with `showAll=true`), and the public ad-hoc group
    /// `fc:adhoc:5f3e2b1a-demo`.
    pub fn add_group(&self, group: FakeGroup) {
        self.state().lock().groups_api.upsert_group(group);
    }

    /// Adds or replaces (by domain) an organisation served by `/groups/v1/orgs/{domain}/…` and
    /// `/groups/v1/by-orgno/{orgno}/…`; its organisation group is added too.
    pub fn add_org(&self, org: FakeOrg) {
        let mut inner = self.state().lock();
        inner.groups_api.upsert_group(org.group());
        let orgs = &mut inner.groups_api.orgs;
        orgs.retain(|o| o.domain != org.domain);
        orgs.push(org);
    }

    /// Pages every groups API list: `size` items per answer, `?page=N` (from 1) and a
    /// `Link: <…>; rel="next"` header while more remain. `None` (the default, as Feide) answers
    /// each list whole.
    pub fn set_groups_page_size(&self, size: Option<usize>) {
        self.state().lock().groups_api.page_size = size;
    }

    /// Adds `Link: <url>; rel="next"` to every groups API list answer (a server that pages
    /// forever, or to another origin); `None` stops it.
    pub fn set_groups_next_link(&self, url: Option<String>) {
        self.state().lock().groups_api.forced_next = url;
    }
}
