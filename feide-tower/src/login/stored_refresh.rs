//! The asynchronous part of a stored session's lookup: load, write back activity, and refresh
//! the access token once across every replica.
//!
//! **One grant per rotation, across replicas.** Within a process, requests of one session share
//! one flight. Across processes, the store decides: a replica takes a short lease on the record
//! with a compare-and-swap (the version it loaded), redeems the refresh token, and writes the
//! new tokens with another compare-and-swap, clearing the lease. A replica that finds the lease
//! taken waits for the record to change (polling the store, bounded) and adopts the result; one
//! that finds the tokens already refreshed adopts them at once. Nobody redeems a refresh token
//! that another replica has redeemed, so providers with reuse detection never see a reuse.
//! A record deleted meanwhile (logout racing the refresh) stays deleted: every write is a
//! compare-and-swap that never re-creates.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::HeaderMap;

use super::FeideLogin;
use super::refresh::{Failed, on_failure};
use super::session_lookup::SessionLookup;
use super::session_span::Refusal;
use super::stored::{Decision, Loaded, StoreAsk, StoredSessions};
use crate::answer::Answer;
use crate::session::FeideSession;
use crate::session::cookie::request_cookies;
use crate::store::{StoreError, StoreKey, Updated};
use crate::telemetry::labels::CacheUse;

/// How long a replica holds the refresh lease: longer than a token request can take.
const LEASE_SECS: u64 = 30;
/// How long a request waits for another replica's refresh before giving up on it.
const LEASE_WAIT: Duration = Duration::from_secs(10);
/// How often a waiting replica looks at the record.
const LEASE_POLL: Duration = Duration::from_millis(50);

/// How one flight ended.
#[derive(Clone)]
pub(crate) enum Flight {
    /// The session to serve: refreshed here or by another replica.
    Serve(Arc<Loaded>),
    /// The record is gone (logged out, revoked, expired) or the provider refused the refresh
    /// token (the record was deleted).
    Ended(Refusal),
}

/// Why a flight did not end in a session.
pub(crate) enum FlightError {
    /// The store could not answer.
    Store(StoreError),
    /// The provider could not answer (or another replica's refresh did not finish in time); the
    /// session as it was.
    Provider(String, Arc<Loaded>),
}

fn now() -> u64 {
    crate::token::now().max(0) as u64
}

fn serve(loaded: &Loaded) -> SessionLookup {
    SessionLookup {
        session: Some(loaded.session.clone()),
        ..SessionLookup::default()
    }
}

/// The lookup of a request whose session could not be checked: no session, cookie kept.
fn store_failed(error: StoreError) -> SessionLookup {
    tracing::warn!(%error, "session store unavailable");
    SessionLookup {
        store_error: Some(error),
        ..SessionLookup::default()
    }
}

impl FeideLogin {
    /// The asynchronous part of a stored session's lookup.
    pub(crate) async fn stored_session(
        &self,
        ask: StoreAsk,
        headers: &HeaderMap,
    ) -> Result<SessionLookup, Answer> {
        // From memory (the near cache) or from the store.
        let cache = if ask.loaded.is_some() {
            CacheUse::Hit
        } else {
            CacheUse::Miss
        };
        let mut result = self.stored_session_in(ask, headers).await;
        if let Ok(lookup) = &mut result {
            lookup.trace.cache = cache;
        }
        result
    }

    async fn stored_session_in(
        &self,
        ask: StoreAsk,
        headers: &HeaderMap,
    ) -> Result<SessionLookup, Answer> {
        let cfg = &*self.config;
        let Some(stored) = cfg.stored.as_ref() else {
            return Ok(SessionLookup::default());
        };
        let loaded = match ask.loaded {
            Some(loaded) => loaded,
            None => match stored.load_shared(ask.opened.key, cfg.login_name()).await {
                Ok(Some(loaded)) => loaded,
                Ok(None) => return Ok(cfg.session.clear(headers, Refusal::Revoked)),
                Err(error) => return Ok(store_failed(error)),
            },
        };
        let now = now();
        match cfg
            .session
            .stored_decide(&loaded, now, &cfg.refresh, stored)
        {
            Decision::Serve => return Ok(serve(&loaded)),
            Decision::Ended(reason) => return Ok(cfg.session.clear(headers, reason)),
            Decision::Write => {}
        }
        if cfg
            .refresh
            .due(loaded.session.data(), loaded.issued_at, now)
            .is_some()
        {
            return self.stored_refresh(stored, loaded, headers).await;
        }
        // Activity, written back at most every touch interval.
        let touched = StoredSessions::restore(&loaded, |s| s.seen = now);
        match stored.write(&loaded, &touched).await {
            Ok(Ok(new)) => Ok(serve(&new)),
            Ok(Err(Updated::Gone)) => Ok(cfg.session.clear(headers, Refusal::Revoked)),
            // Another request wrote first (and so recorded the activity).
            Ok(Err(_)) => Ok(serve(&loaded)),
            // Activity is best effort: the session itself was just checked.
            Err(error) => {
                tracing::warn!(%error, "session activity not written");
                Ok(serve(&loaded))
            }
        }
    }

    /// Refreshes a stored session whose access token is due, once across every replica.
    async fn stored_refresh(
        &self,
        stored: &StoredSessions,
        loaded: Arc<Loaded>,
        headers: &HeaderMap,
    ) -> Result<SessionLookup, Answer> {
        let cfg = &*self.config;
        let key = loaded.key;
        let flights = &cfg.refresh.refreshes.stored_flights;
        let outcome = flights
            .try_get_with(key, async {
                self.refresh_across_replicas(stored, key)
                    .await
                    .map(Arc::new)
            })
            .await;
        // The next refresh of this session (an access token later) is a new flight.
        flights.invalidate(&key).await;
        match outcome {
            Ok(flight) => match &*flight {
                Flight::Serve(loaded) => {
                    let mut lookup = serve(loaded);
                    lookup.trace.refreshed = true;
                    Ok(lookup)
                }
                Flight::Ended(reason) => Ok(cfg.session.clear(headers, *reason)),
            },
            Err(error) => match &*error {
                FlightError::Store(error) => {
                    // The session was loaded moments ago: serve it while its token is valid.
                    if loaded
                        .session
                        .access_token_expires_at()
                        .is_none_or(|exp| now() < exp)
                    {
                        tracing::warn!(%error, "refresh postponed: session store unavailable");
                        Ok(serve(&loaded))
                    } else {
                        Ok(store_failed(error.clone()))
                    }
                }
                FlightError::Provider(error, current) => {
                    let expires_at = current.session.access_token_expires_at();
                    match on_failure(false, expires_at, now()) {
                        Failed::ServeCurrent => {
                            tracing::warn!(
                                %error,
                                "token refresh failed; going on with the current access token"
                            );
                            Ok(serve(current))
                        }
                        _ => {
                            tracing::warn!(%error, "token refresh failed and the access token expired");
                            Err(self.provider_unavailable(headers))
                        }
                    }
                }
            },
        }
    }

    /// One flight: take the lease, redeem, write; or adopt another replica's result.
    async fn refresh_across_replicas(
        &self,
        stored: &StoredSessions,
        key: StoreKey,
    ) -> Result<Flight, FlightError> {
        let cfg = &*self.config;
        let deadline = Instant::now() + LEASE_WAIT;
        loop {
            let Some(fresh) = stored
                .load(key, cfg.login_name())
                .await
                .map_err(FlightError::Store)?
            else {
                return Ok(Flight::Ended(Refusal::Revoked));
            };
            let now = now();
            if cfg
                .refresh
                .due(fresh.session.data(), fresh.issued_at, now)
                .is_none()
            {
                // Refreshed by another replica (or another flight here): adopt it.
                return Ok(Flight::Serve(fresh));
            }
            if fresh.lease_until.is_some_and(|until| until > now) {
                if Instant::now() >= deadline {
                    return Err(FlightError::Provider(
                        "another replica's refresh did not finish in time".into(),
                        fresh,
                    ));
                }
                tokio::time::sleep(LEASE_POLL).await;
                continue;
            }
            let leased = StoredSessions::restore(&fresh, |s| {
                s.lease_until = Some(now.saturating_add(LEASE_SECS));
            });
            let mine = match stored.write(&fresh, &leased).await {
                Ok(Ok(mine)) => mine,
                Ok(Err(Updated::Gone)) => return Ok(Flight::Ended(Refusal::Revoked)),
                // Somebody wrote first: look again.
                Ok(Err(_)) => continue,
                Err(error) => return Err(FlightError::Store(error)),
            };
            return match self.refreshed_data(mine.session.data()).await {
                Ok(data) => {
                    let now = crate::token::now().max(0) as u64;
                    let refreshed = StoredSessions::restore(&mine, |s| {
                        s.data = data;
                        s.lease_until = None;
                        s.seen = now;
                    });
                    match stored.write(&mine, &refreshed).await {
                        Ok(Ok(done)) => {
                            tracing::info!("access token refreshed");
                            Ok(Flight::Serve(done))
                        }
                        // Logged out while we refreshed: it stays logged out.
                        Ok(Err(Updated::Gone)) => Ok(Flight::Ended(Refusal::Revoked)),
                        Ok(Err(_)) => {
                            tracing::warn!("refreshed tokens lost a race for the record");
                            Err(FlightError::Provider("lost the record".into(), mine))
                        }
                        Err(error) => Err(FlightError::Store(error)),
                    }
                }
                Err(error) if error.refused() => {
                    tracing::info!(%error, "token refresh refused: session ended");
                    if let Err(error) = stored.store.delete(&key).await {
                        tracing::warn!(%error, "refused session not deleted from the store");
                    }
                    stored.forget(&key);
                    Ok(Flight::Ended(Refusal::RefreshRefused))
                }
                Err(error) => {
                    let released = StoredSessions::restore(&mine, |s| s.lease_until = None);
                    let current = match stored.write(&mine, &released).await {
                        Ok(Ok(current)) => current,
                        _ => Arc::clone(&mine),
                    };
                    Err(FlightError::Provider(error.to_string(), current))
                }
            };
        }
    }
}

impl FeideLogin {
    /// Deletes the stored session of a request's cookie, if any, and returns it (for the
    /// logout's `id_token_hint`). `Err` when the store could not answer.
    pub(crate) async fn take_stored(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<FeideSession>, StoreError> {
        let cfg = &*self.config;
        let Some(stored) = cfg.stored.as_ref() else {
            return Ok(None);
        };
        let name = cfg.session.name.as_str();
        let Ok(Some(value)) = cfg.session.chunker.join(name, request_cookies(headers)) else {
            return Ok(None);
        };
        let Ok(opened) = stored.refs.open(name, &value) else {
            return Ok(None);
        };
        let session = stored
            .load(opened.key, cfg.login_name())
            .await?
            .map(|loaded| loaded.session.clone());
        stored.store.delete(&opened.key).await?;
        stored.forget(&opened.key);
        Ok(session)
    }
}
