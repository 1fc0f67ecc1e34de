//! Every scenario on one `MemoryStore` shared by the three instances.

use std::sync::Arc;

use feide_tower::store::{MemoryStore, SessionStore};

use crate::scenarios;

fn store() -> Arc<dyn SessionStore> {
    Arc::new(MemoryStore::default())
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_on_one_use_on_all() {
    scenarios::sign_in_on_one_use_on_all(store()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_on_one_refused_on_all() {
    let took = scenarios::sign_out_on_one_refused_on_all(store()).await;
    eprintln!("memory: revocation visible on every instance after {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_everywhere_leaves_others() {
    scenarios::sign_out_everywhere_leaves_others(store()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_one_session() {
    scenarios::revoke_one_session(store()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_racing_requests_stays_deleted() {
    scenarios::logout_racing_requests_stays_deleted(store()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_refresh_grant_across_replicas() {
    scenarios::one_refresh_grant_across_replicas(store()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cookie_session_is_signed_out_cleanly() {
    scenarios::a_cookie_session_is_signed_out_cleanly(store()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_faults_keep_or_end_the_session() {
    scenarios::refresh_faults_keep_or_end_the_session(store()).await;
}
