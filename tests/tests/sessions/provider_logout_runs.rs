//! The provider-logout scenarios on each kind of session: cookies (one instance, the
//! in-process revocation list), `MemoryStore` and Redis (three instances sharing the store).

use std::sync::Arc;

use feide_tower::store::{MemoryStore, RedisStore, SessionStore};
use integration_tests::redis::RedisServer;

use crate::provider_logout as scenario;

fn memory() -> Option<Arc<dyn SessionStore>> {
    Some(Arc::new(MemoryStore::default()))
}

fn redis(server: &RedisServer) -> Option<Arc<dyn SessionStore>> {
    Some(Arc::new(
        RedisStore::builder(server.url())
            .build()
            .expect("a RedisStore"),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn backchannel_sub_ends_all_of_the_users_sessions_in_cookies() {
    scenario::backchannel_sub_ends_all_of_the_users_sessions(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backchannel_sub_ends_all_of_the_users_sessions_in_memory() {
    scenario::backchannel_sub_ends_all_of_the_users_sessions(memory()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backchannel_sub_ends_all_of_the_users_sessions_on_redis() {
    let server = RedisServer::start();
    scenario::backchannel_sub_ends_all_of_the_users_sessions(redis(&server)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_logout_tokens_end_nothing_in_cookies() {
    scenario::hostile_logout_tokens_end_nothing(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_logout_tokens_end_nothing_on_redis() {
    let server = RedisServer::start();
    scenario::hostile_logout_tokens_end_nothing(redis(&server)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn frontchannel_ends_the_browsers_session_in_cookies() {
    scenario::frontchannel_ends_the_browsers_session(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn frontchannel_ends_the_browsers_session_on_redis() {
    let server = RedisServer::start();
    scenario::frontchannel_ends_the_browsers_session(redis(&server)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backchannel_sid_ends_that_session_only_in_cookies() {
    scenario::backchannel_sid_ends_that_session_only(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backchannel_sid_ends_that_session_only_in_memory() {
    scenario::backchannel_sid_ends_that_session_only(memory()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backchannel_sid_ends_that_session_only_on_redis() {
    let server = RedisServer::start();
    scenario::backchannel_sid_ends_that_session_only(redis(&server)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn frontchannel_sid_ends_that_session_in_cookies() {
    scenario::frontchannel_sid_ends_that_session(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn frontchannel_sid_ends_that_session_on_redis() {
    let server = RedisServer::start();
    scenario::frontchannel_sid_ends_that_session(redis(&server)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_logout_the_store_cannot_take_is_retried_on_redis() {
    let server = RedisServer::start();
    scenario::a_logout_the_store_cannot_take_is_retried(
        redis(&server).unwrap(),
        || server.pause(),
        || server.resume(),
    )
    .await;
}
