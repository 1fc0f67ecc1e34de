// The groups API and user lookup as FakeFeide serves them, over raw HTTP: paths, query, status
// codes, paging headers and the fault switches.

use crate::common::*;
use feide_tower::testkit::{Endpoint, Failure, FakeFeide, FakeGroup, FakeMembership, FakeUser};
use serde_json::Value;

const COURSE: &str = "fc%3Afs%3Afs%3Aemne%3Atest.feide.no%3AINF1000%3A1";

fn scoped(feide: &FakeFeide, user: Option<&str>, scope: &str) -> String {
    feide.issue_opaque_token_with_scope(user, APP_ID, scope)
}

async fn get_json(url: &str, token: &str) -> Result<(u16, Value), Error> {
    let (status, _, text) = bearer_get(url, token).await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread")]
async fn inactive_memberships_only_with_show_all() -> TestResult {
    let feide = start().await?;
    let alice = scoped(&feide, Some("alice"), "openid");
    let (status, active) = get_json(&feide.groups_url(), &alice).await?;
    assert_eq!(status, 200);
    assert_eq!(active.as_array().map(Vec::len), Some(2));
    let url = format!("{}?showAll=true", feide.groups_url());
    let (_, all) = get_json(&url, &alice).await?;
    let all = all.as_array().ok_or("array")?;
    assert_eq!(all.len(), 3);
    let old = all
        .iter()
        .find(|g| g["id"] == "fc:fs:fs:emne:test.feide.no:INF0999:1")
        .ok_or("old course")?;
    assert_eq!(old["membership"]["active"], false);
    assert_eq!(old["membership"]["fsroles"][0], "STUDENT");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_groups_endpoint_answers() -> TestResult {
    let feide = start().await?;
    let base = feide.groups_api_url();
    let bob = scoped(&feide, Some("bob"), "openid groups-edu");
    let cases = [
        (format!("{base}/me/groups/{COURSE}"), 200),
        (format!("{base}/groups/{COURSE}"), 200),
        (format!("{base}/groups/{COURSE}/members"), 200),
        (format!("{base}/groups"), 200),
        (format!("{base}/grouptypes"), 200),
        (format!("{base}/v1/orgs/test.feide.no/groups"), 200),
        (format!("{base}/v1/orgs/test.feide.no/groups/{COURSE}"), 200),
        (
            format!("{base}/v1/orgs/test.feide.no/groups/{COURSE}/members"),
            200,
        ),
        (format!("{base}/v1/by-orgno/NO999888777/groups"), 200),
        (
            format!("{base}/v1/by-orgno/999888777/groups/{COURSE}/members"),
            200,
        ),
        (format!("{base}/groups/fc%3Aadhoc%3Anope"), 404),
        (format!("{base}/me/groups/fc%3Aadhoc%3Anope"), 404),
        (format!("{base}/v1/orgs/nowhere.no/groups"), 404),
        (format!("{base}/v1/by-orgno/NO1/groups"), 404),
        (format!("{base}/nonsense"), 404),
    ];
    for (url, expected) in cases {
        let (status, body) = get_json(&url, &bob).await?;
        assert_eq!(status, expected, "{url}: {body}");
    }
    let (_, me) = get_json(&format!("{base}/me/groups/{COURSE}"), &bob).await?;
    assert_eq!(me["membership"]["basic"], "admin");
    let (_, group) = get_json(&format!("{base}/groups/{COURSE}"), &bob).await?;
    assert!(group.get("membership").is_none());
    let (_, members) = get_json(&format!("{base}/groups/{COURSE}/members"), &bob).await?;
    assert_eq!(members[0]["userid_sec"][0], "feide:alice@test.feide.no");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn status_codes_follow_feide() -> TestResult {
    let feide = start().await?;
    let base = feide.groups_api_url();
    // No token, an unknown token: 401 with a challenge.
    let resp = http().get(format!("{base}/grouptypes")).send().await?;
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let (status, _) = get_json(&format!("{base}/grouptypes"), "unknown").await?;
    assert_eq!(status, 401);
    // A client token at /me: 403. Without a group scope: 403.
    let client = scoped(&feide, None, "groups-org");
    let (status, _) = get_json(&feide.groups_url(), &client).await?;
    assert_eq!(status, 403);
    let (status, _) = get_json(&format!("{base}/grouptypes"), &client).await?;
    assert_eq!(status, 200, "a client token with a group scope lists types");
    let unscoped = scoped(&feide, Some("alice"), "openid");
    for path in ["/grouptypes", "/groups", "/v1/orgs/test.feide.no/groups"] {
        let (status, _) = get_json(&format!("{base}{path}"), &unscoped).await?;
        assert_eq!(status, 403, "{path}");
    }
    // Members: not a member, or an organisation group: 403.
    let carol = scoped(&feide, Some("carol"), "groups-edu");
    let (status, _) = get_json(&format!("{base}/groups/{COURSE}/members"), &carol).await?;
    assert_eq!(status, 403);
    let alice = scoped(&feide, Some("alice"), "groups-org");
    let org = "fc%3Aorg%3Atest.feide.no";
    let (status, _) = get_json(&format!("{base}/groups/{org}/members"), &alice).await?;
    assert_eq!(status, 403);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_links_when_switched_on() -> TestResult {
    let feide = start().await?;
    feide.set_groups_page_size(Some(2));
    let alice = scoped(&feide, Some("alice"), "openid");
    let url = format!("{}?showAll=true", feide.groups_url());
    let resp = http().get(&url).bearer_auth(&alice).send().await?;
    let link = resp
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .ok_or("link")?
        .to_string();
    assert_eq!(
        link,
        format!("<{}?page=2&showAll=true>; rel=\"next\"", feide.groups_url())
    );
    assert_eq!(
        resp.json::<Value>().await?.as_array().map(Vec::len),
        Some(2)
    );
    let resp = http()
        .get(format!("{}?page=2&showAll=true", feide.groups_url()))
        .bearer_auth(&alice)
        .send()
        .await?;
    assert!(resp.headers().get("link").is_none(), "the last page");
    assert_eq!(
        resp.json::<Value>().await?.as_array().map(Vec::len),
        Some(1)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn configured_groups_and_memberships() -> TestResult {
    let feide = start().await?;
    let club = FakeGroup::adhoc("club", "Chess club").public(true);
    feide.add_group(club.clone());
    feide.add_user(
        FakeUser::new("dave", "Dave")
            .member_of(&club, FakeMembership::owner())
            .member_of(&club, FakeMembership::member()),
    );
    let dave = scoped(&feide, Some("dave"), "groups-other");
    let (_, groups) = get_json(&feide.groups_url(), &dave).await?;
    let clubs: Vec<&Value> = groups
        .as_array()
        .ok_or("array")?
        .iter()
        .filter(|g| g["id"] == "fc:adhoc:club")
        .collect();
    assert_eq!(clubs.len(), 1, "a later membership replaces an earlier one");
    assert_eq!(clubs[0]["membership"]["basic"], "member");
    let (_, public) = get_json(&format!("{}/groups", feide.groups_api_url()), &dave).await?;
    assert_eq!(public.as_array().map(Vec::len), Some(2));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn user_lookup_rules_and_fault_switches() -> TestResult {
    let feide = start().await?;
    let base = feide.user_lookup_url();
    let all_users = scoped(&feide, None, "system-all-users");
    let url = format!("{base}/lookup/feide%3Aalice%40test.feide.no");
    let (status, alice) = get_json(&url, &all_users).await?;
    assert_eq!(status, 200);
    assert_eq!(alice["eduPersonPrincipalName"], "alice@test.feide.no");
    let (status, _) = get_json(&url, &scoped(&feide, Some("alice"), "system-all-users")).await?;
    assert_eq!(status, 403, "a token with a user");
    let (status, _) = get_json(&format!("{base}/lookup/nin%3A123"), &all_users).await?;
    assert_eq!(status, 400, "only Feide ids");
    let check = scoped(&feide, None, "system-check-user-existence");
    let (status, body) = get_json(
        &format!("{base}/exists-by-mail/test.feide.no/bob%40example.org"),
        &check,
    )
    .await?;
    assert_eq!((status, body["exists"].as_bool()), (200, Some(true)));

    feide.fail(Endpoint::UserLookup, Failure::Status(500));
    assert_eq!(get_json(&url, &all_users).await?.0, 500);
    // The extended userinfo endpoint next door is not affected.
    let personal = feide.issue_opaque_token(Some("alice"), APP_ID);
    assert_eq!(
        bearer_get(&feide.extended_userinfo_url(), &personal)
            .await?
            .0,
        200
    );
    feide.fail(Endpoint::Groups, Failure::Status(503));
    let (status, _) = get_json(&format!("{}/grouptypes", feide.groups_api_url()), &check).await?;
    assert_eq!(status, 503);
    Ok(())
}
