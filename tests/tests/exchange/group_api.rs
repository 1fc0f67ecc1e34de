//! Feide's groups API and user lookup clients (`GroupsApi`, `UserLookup`) against FakeFeide over
//! real HTTP: every call's answer, every documented error, showAll, paging and its bound, and
//! percent-encoded ids.

use feide_tower::apis::{ApiError, BasicRole, GroupsApi, Org, UserLookup};
use feide_tower::provider::{ProviderError, Secret};
use feide_tower::testkit::{
    DEFAULT_CLIENT_ID, Endpoint, Failure, FakeFeide, FakeGroup, FakeMembership, FakeOrg, FakeUser,
};

use crate::common::{TestResult, start};

const COURSE: &str = "fc:fs:fs:emne:test.feide.no:INF1000:1";
const OLD_COURSE: &str = "fc:fs:fs:emne:test.feide.no:INF0999:1";
const ORG: &str = "fc:org:test.feide.no";

/// A token of `user` with the group scopes.
fn user_token(fake: &FakeFeide, user: &str) -> Secret {
    Secret::new(fake.issue_opaque_token_with_scope(
        Some(user),
        DEFAULT_CLIENT_ID,
        "openid groups-edu groups-org groups-other",
    ))
}

/// A client-credentials token with `scope`.
fn client_token(fake: &FakeFeide, scope: &str) -> Secret {
    Secret::new(fake.issue_opaque_token_with_scope(None, DEFAULT_CLIENT_ID, scope))
}

fn status_of(error: &ApiError) -> Option<u16> {
    match error {
        ApiError::Provider(ProviderError::Status { status, .. }) => Some(*status),
        _ => None,
    }
}

fn is_invalid_document(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Provider(ProviderError::InvalidDocument { .. })
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn my_groups_are_active_ones_unless_show_all() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    assert_eq!(api.base_url(), fake.groups_api_url());
    let alice = user_token(&fake, "alice");

    let active = api.my_groups(&alice, false).await?;
    let ids: Vec<&str> = active.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, [ORG, COURSE]);
    let org = active[0].membership_view().expect("membership");
    assert_eq!(org.primary_affiliation.as_deref(), Some("student"));
    assert!(org.has_affiliation("student"));
    let course = active[1].membership_view().expect("membership");
    assert_eq!(course.basic, Some(BasicRole::Member));
    assert!(course.has_fs_role("STUDENT") && course.active);

    let all = api.my_groups(&alice, true).await?;
    let old = all
        .iter()
        .find(|g| g.id == OLD_COURSE)
        .expect("showAll lists it");
    let old = old.membership_view().expect("membership");
    assert!(!old.active);
    assert!(old.not_after.is_some());
    assert_eq!(all.len(), 3);

    // bob teaches the course.
    let bob = api.my_groups(&user_token(&fake, "bob"), false).await?;
    let taught = bob.iter().find(|g| g.id == COURSE).expect("bob's course");
    assert!(taught.membership_view().expect("m").is_admin_or_owner());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn membership_group_details_and_percent_encoded_ids() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    let alice = user_token(&fake, "alice");

    let m = api.my_membership(&alice, COURSE).await?;
    assert_eq!(m.basic, Some(BasicRole::Member));
    assert!(m.has_fs_role("STUDENT"));
    let err = api.my_membership(&user_token(&fake, "carol"), COURSE).await;
    assert!(matches!(err, Err(ApiError::NotFound)), "{err:?}");

    let course = api.group(&alice, COURSE).await?;
    assert_eq!(course.display_name, "Introduction to programming");
    assert_eq!(course.parent.as_deref(), Some(ORG));
    assert!(course.membership.is_none());

    // An id with `/`, `?`, `#`, `%`, space and non-ASCII only arrives whole if encoded.
    let odd = "fc:adhoc:a/members?x=1#y %2F ø";
    fake.add_group(FakeGroup::new(odd, "fc:adhoc", "Odd one"));
    assert_eq!(api.group(&alice, odd).await?.id, odd);

    let err = api.group(&alice, "fc:adhoc:nope").await;
    assert!(matches!(err, Err(ApiError::NotFound)), "{err:?}");

    // An empty id, `.` and `..` are refused before anything is sent (`..`, even as `%2E%2E`,
    // would be resolved as the parent path).
    fake.reset_counts();
    for id in ["", ".", ".."] {
        let err = api.group(&alice, id).await;
        assert!(matches!(err, Err(ApiError::InvalidArgument(_))), "{err:?}");
        let err = api.members(&alice, id).await;
        assert!(matches!(err, Err(ApiError::InvalidArgument(_))), "{err:?}");
    }
    assert_eq!(fake.requests(Endpoint::Groups), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn members_public_groups_and_group_types() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    let bob = user_token(&fake, "bob");

    let members = api.members(&bob, COURSE).await?;
    let alice = members
        .iter()
        .find(|m| m.feide_id() == Some("alice@test.feide.no"))
        .expect("alice is a member");
    assert_eq!(alice.name, "Alice Student");
    assert!(alice.membership_view().expect("m").has_fs_role("STUDENT"));
    let teacher = members
        .iter()
        .find(|m| m.name == "Bob Teacher")
        .expect("bob");
    assert_eq!(
        teacher.membership_view().expect("m").basic,
        Some(BasicRole::Admin)
    );
    assert_eq!(members.len(), 2);

    // Not a member: 403; organisation members not through this API: 403; unknown: 404.
    let carol = user_token(&fake, "carol");
    assert!(matches!(
        api.members(&carol, COURSE).await,
        Err(ApiError::Forbidden)
    ));
    assert!(matches!(
        api.members(&bob, ORG).await,
        Err(ApiError::Forbidden)
    ));
    assert!(matches!(
        api.members(&bob, "fc:adhoc:nope").await,
        Err(ApiError::NotFound)
    ));

    let public = api.all_groups(&bob).await?;
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].kind, "fc:adhoc");
    assert_eq!(public[0].public, Some(true));

    let types = api.group_types(&bob).await?;
    let emne = types
        .iter()
        .find(|t| t.id == "fc:fs:emne")
        .expect("course type");
    assert_eq!(emne.display_name, "Emne");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn organisation_groups_by_domain_and_by_number() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    let token = client_token(&fake, "groups-org");
    fake.add_org(FakeOrg::new("other.no", "NO123456789", "Other org"));
    fake.add_group(FakeGroup::course("other.no", "X100", "Elsewhere"));

    for org in [
        Org::Domain("test.feide.no".into()),
        Org::OrgNumber("NO999888777".into()),
        Org::OrgNumber("999888777".into()),
    ] {
        let groups = api.org_groups(&token, &org).await?;
        let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        assert!(
            ids.contains(&ORG) && ids.contains(&COURSE),
            "{org:?}: {ids:?}"
        );
        assert!(!ids.iter().any(|id| id.contains("other.no")), "{ids:?}");
        let group = api.org_group(&token, &org, ORG).await?;
        assert_eq!(group.extra["norEduOrgNIN"], "NO999888777");
        let members = api.org_group_members(&token, &org, COURSE).await?;
        assert_eq!(members.len(), 2);
    }
    let other = Org::Domain("other.no".into());
    assert_eq!(api.org_groups(&token, &other).await?.len(), 2);
    assert!(matches!(
        api.org_group(&token, &other, COURSE).await,
        Err(ApiError::NotFound)
    ));
    assert!(matches!(
        api.org_groups(&token, &Org::Domain("nowhere.no".into()))
            .await,
        Err(ApiError::NotFound)
    ));
    assert!(matches!(
        api.org_groups(&client_token(&fake, "openid"), &other).await,
        Err(ApiError::Forbidden)
    ));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn documented_errors_map_without_bodies() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    let alice = user_token(&fake, "alice");

    let bad = Secret::new("not-a-token".to_string());
    assert!(matches!(
        api.my_groups(&bad, false).await,
        Err(ApiError::Unauthorized)
    ));
    assert!(matches!(
        api.group_types(&bad).await,
        Err(ApiError::Unauthorized)
    ));
    // A token without a user at /me: 403.
    let client = client_token(&fake, "groups-edu");
    assert!(matches!(
        api.my_groups(&client, false).await,
        Err(ApiError::Forbidden)
    ));
    assert!(matches!(
        api.my_membership(&client, COURSE).await,
        Err(ApiError::Forbidden)
    ));
    // A user token without a group scope: 403 where the scope is checked.
    let unscoped = Secret::new(fake.issue_opaque_token(Some("alice"), DEFAULT_CLIENT_ID));
    assert!(matches!(
        api.group(&unscoped, COURSE).await,
        Err(ApiError::Forbidden)
    ));
    assert!(matches!(
        api.all_groups(&unscoped).await,
        Err(ApiError::Forbidden)
    ));

    // 5xx, and the fault switch covers every groups API path.
    fake.fail(Endpoint::Groups, Failure::Status(503));
    for result in [
        api.my_groups(&alice, false).await.map(drop),
        api.group(&alice, COURSE).await.map(drop),
        api.group_types(&alice).await.map(drop),
        api.org_groups(&alice, &Org::Domain("test.feide.no".into()))
            .await
            .map(drop),
    ] {
        let err = result.expect_err("503");
        assert_eq!(status_of(&err), Some(503), "{err:?}");
    }
    // A 200 that is not the JSON expected.
    fake.fail(
        Endpoint::Groups,
        Failure::Body {
            status: 200,
            content_type: "application/json".into(),
            body: r#"{"not": "a list"}"#.into(),
        },
    );
    let err = api.my_groups(&alice, false).await.expect_err("not a list");
    assert!(is_invalid_document(&err), "{err:?}");
    fake.clear_failure(Endpoint::Groups);
    assert_eq!(api.my_groups(&alice, false).await?.len(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_are_followed_across_pages_up_to_the_bound() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    let alice = user_token(&fake, "alice");
    fake.set_groups_page_size(Some(1));

    fake.reset_counts();
    let all = api.my_groups(&alice, true).await?;
    assert_eq!(all.len(), 3, "showAll carried to every page");
    assert_eq!(fake.requests(Endpoint::Groups), 3);

    // Three pages with a bound of two: an error, after exactly two requests.
    fake.reset_counts();
    let err = api.clone().max_pages(2).my_groups(&alice, true).await;
    assert!(is_invalid_document(&err.expect_err("bound")));
    assert_eq!(fake.requests(Endpoint::Groups), 2);

    // A server that always has a next page: stopped at the bound (20 by default).
    fake.set_groups_page_size(None);
    fake.set_groups_next_link(Some(fake.url("/groups/grouptypes")));
    fake.reset_counts();
    let err = api.group_types(&alice).await.expect_err("endless");
    assert!(is_invalid_document(&err), "{err:?}");
    assert_eq!(fake.requests(Endpoint::Groups), 20);

    // A next page on another origin never gets the token.
    let elsewhere = fake
        .url("/groups/grouptypes")
        .replace("127.0.0.1", "localhost");
    fake.set_groups_next_link(Some(elsewhere));
    fake.reset_counts();
    let err = api.group_types(&alice).await.expect_err("other origin");
    assert!(is_invalid_document(&err), "{err:?}");
    assert_eq!(fake.requests(Endpoint::Groups), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn builder_memberships_reach_the_client() -> TestResult {
    let (fake, provider) = start().await;
    let api = GroupsApi::new(&provider)?;
    let course = FakeGroup::course("test.feide.no", "MAT1100", "Kalkulus");
    fake.add_group(course.clone());
    fake.add_user(
        FakeUser::new("erin", "Erin Lecturer")
            .affiliation("faculty", &["member", "employee", "faculty"])
            .lecturer_in(&course)
            .member_of(&FakeGroup::adhoc("team", "Team"), FakeMembership::owner()),
    );
    let groups = api.my_groups(&user_token(&fake, "erin"), false).await?;
    let kalkulus = groups.iter().find(|g| g.id == course.id).expect("course");
    let m = kalkulus.membership_view().expect("m");
    assert!(m.has_fs_role("LECTURER") && m.basic == Some(BasicRole::Admin));
    let team = groups.iter().find(|g| g.kind == "fc:adhoc").expect("team");
    assert_eq!(
        team.membership_view().expect("m").basic,
        Some(BasicRole::Owner)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_api_base_must_be_derivable() -> TestResult {
    let (fake, _) = start().await;
    let provider = feide_tower::Provider::builder(fake.issuer())
        .client(
            DEFAULT_CLIENT_ID,
            feide_tower::testkit::DEFAULT_CLIENT_SECRET,
        )
        .groups_url(fake.url("/custom-groups"))
        .build()
        .await?;
    let err = GroupsApi::new(&provider).expect_err("not derivable");
    assert!(
        matches!(err, ApiError::Provider(ProviderError::Config(_))),
        "{err:?}"
    );
    let api = GroupsApi::with_base_url(&provider, fake.groups_api_url());
    assert_eq!(
        api.my_groups(&user_token(&fake, "bob"), false).await?.len(),
        2
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn user_lookup_and_existence() -> TestResult {
    let (fake, provider) = start().await;
    let users = UserLookup::new(&provider)?;
    assert_eq!(users.base_url(), fake.user_lookup_url());
    let lookup = client_token(&fake, "system-all-users userid-feide userinfo-name");
    let check = client_token(&fake, "system-check-user-existence");

    let alice = users
        .lookup_feide_id(&lookup, "alice@test.feide.no")
        .await?;
    assert_eq!(alice["displayName"], "Alice Student");
    assert_eq!(alice["eduPersonPrincipalName"], "alice@test.feide.no");
    let sub = fake
        .users()
        .into_iter()
        .find(|u| u.id == "bob")
        .expect("bob")
        .sub;
    let bob = users.lookup(&lookup, &sub).await?;
    assert_eq!(bob["displayName"], "Bob Teacher");
    for missing in ["nobody@test.feide.no", "carol@test.feide.no"] {
        let err = users.lookup_feide_id(&lookup, missing).await;
        assert!(matches!(err, Err(ApiError::NotFound)), "{missing}: {err:?}");
    }

    assert!(users.exists(&check, "alice@test.feide.no").await?);
    assert!(users.exists(&check, "feide:bob@test.feide.no").await?);
    assert!(!users.exists(&check, "nobody@test.feide.no").await?);
    assert!(
        users
            .exists_by_mail(&check, "test.feide.no", "alice@example.org")
            .await?
    );
    assert!(
        !users
            .exists_by_mail(&check, "other.no", "alice@example.org")
            .await?
    );

    // A user's token, a token without the scope, an invalid token.
    let personal = user_token(&fake, "alice");
    assert!(matches!(
        users.exists(&personal, "alice@test.feide.no").await,
        Err(ApiError::Forbidden)
    ));
    assert!(matches!(
        users.lookup_feide_id(&check, "alice@test.feide.no").await,
        Err(ApiError::Forbidden)
    ));
    assert!(matches!(
        users.exists(&lookup, "alice@test.feide.no").await,
        Err(ApiError::Forbidden)
    ));
    let bad = Secret::new("nope".to_string());
    assert!(matches!(
        users.exists(&bad, "alice@test.feide.no").await,
        Err(ApiError::Unauthorized)
    ));
    fake.fail(Endpoint::UserLookup, Failure::Status(502));
    let err = users
        .exists(&check, "alice@test.feide.no")
        .await
        .expect_err("502");
    assert_eq!(status_of(&err), Some(502));
    // The looked-up person is personal data: the error (logged, maybe shown) names the API,
    // never the Feide id or e-mail address in the request's path.
    assert!(!err.to_string().contains("alice"), "{err}");
    let err = users
        .exists_by_mail(&check, "test.feide.no", "alice@example.org")
        .await
        .expect_err("502");
    assert!(!err.to_string().contains("alice"), "{err}");
    assert!(!format!("{err:?}").contains("alice"), "{err:?}");
    let err = users
        .lookup_feide_id(&lookup, "alice@test.feide.no")
        .await
        .expect_err("502");
    assert!(!err.to_string().contains("alice"), "{err}");
    Ok(())
}
