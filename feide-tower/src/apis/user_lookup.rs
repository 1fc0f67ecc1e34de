//! Feide's user lookup and user-existence APIs: facts about a user who is not logged in, with a
//! client-credentials token.
//!
//! Feide: <https://docs.feide.no/reference/apis/attributes_feide/user_lookup.html> (lookup,
//! scope `system-all-users`) and
//! <https://docs.feide.no/reference/apis/attributes_feide/check_user_existence.html> (existence,
//! scope `system-check-user-existence`).

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::bearer_get::{ApiError, get_json, invalid};
use super::path::{join, segment};
use crate::provider::{Provider, ProviderError, Secret};
use crate::telemetry::labels::Endpoint;

/// Feide's userinfo API base, under which `lookup/` and `exists/` live.
pub const FEIDE_USERINFO_API_BASE: &str = "https://api.dataporten.no/userinfo/v1";

const WHAT: &str = "user lookup API";

/// A client for Feide's user lookup (`GET /userinfo/v1/lookup/{identifier}`) and user existence
/// (`GET /userinfo/v1/exists/{userid_sec}`, `GET /userinfo/v1/exists-by-mail/{realm}/{mail}`)
/// endpoints.
///
/// The token must come from the **client credentials** grant (for example
/// [`ClientCredentialsSource`](crate::exchange::ClientCredentialsSource)), for a service with
/// scope `system-all-users` (lookup; the attribute groups decide which attributes come back) or
/// `system-check-user-existence` (existence only), activated for the user's organisation.
///
/// Errors: 401 → [`ApiError::Unauthorized`]; 403 → [`ApiError::Forbidden`] (the requirements
/// are not met: scope, grant, organisation); 404 → [`ApiError::NotFound`] (lookup: no such
/// user); other statuses, timeouts and unexpected JSON → [`ApiError::Provider`]. Identifiers are
/// percent-encoded as path segments. Calls are timed as the `extended_userinfo` provider
/// endpoint (the same API).
///
/// ```no_run
/// # async fn demo(provider: &feide_tower::Provider, token: &feide_tower::provider::Secret)
/// # -> Result<(), feide_tower::apis::ApiError> {
/// use feide_tower::apis::UserLookup;
///
/// let users = UserLookup::new(provider)?;
/// if users.exists(token, "asbjorn_elevg@testusers.feide.no").await? {
///     let attributes = users.lookup_feide_id(token, "asbjorn_elevg@testusers.feide.no").await?;
///     println!("{:?}", attributes.get("displayName"));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct UserLookup {
    provider: Provider,
    base: Arc<str>,
}

impl fmt::Debug for UserLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserLookup")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl UserLookup {
    /// A client whose base is derived from the extended userinfo URL
    /// (`FEIDE_EXTENDED_USERINFO_URL`, default `https://api.dataporten.no/userinfo/v1/userinfo`)
    /// by removing the last `/userinfo`. Another URL shape is a configuration error: use
    /// [`with_base_url`](Self::with_base_url).
    pub fn new(provider: &Provider) -> Result<UserLookup, ApiError> {
        let url = provider.extended_userinfo_url().ok_or_else(|| {
            ApiError::Provider(ProviderError::Config(
                "no extended userinfo URL configured (FEIDE_EXTENDED_USERINFO_URL)".into(),
            ))
        })?;
        let base = url
            .trim_end_matches('/')
            .strip_suffix("/userinfo")
            .ok_or_else(|| {
                ApiError::Provider(ProviderError::Config(
                    "FEIDE_EXTENDED_USERINFO_URL does not end in /userinfo, so the user lookup \
                     base cannot be derived from it; use UserLookup::with_base_url"
                        .into(),
                ))
            })?;
        Ok(UserLookup::with_base_url(provider, base))
    }

    /// A client for the API at `base` (e.g. [`FEIDE_USERINFO_API_BASE`]).
    pub fn with_base_url(provider: &Provider, base: impl Into<String>) -> UserLookup {
        let base: String = base.into();
        UserLookup {
            provider: provider.clone(),
            base: base.trim_end_matches('/').into(),
        }
    }

    /// The API base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /lookup/{identifier}`: a user's directory attributes by Feide id in `userid_sec`
    /// form (`feide:user@realm`) or by `sub`. [`ApiError::NotFound`] for no such user.
    pub async fn lookup(
        &self,
        token: &Secret,
        identifier: &str,
    ) -> Result<Map<String, Value>, ApiError> {
        let url = join(
            &self.base,
            &["lookup", &segment("user identifier", identifier)?],
        );
        let answer = get_json(
            &self.provider,
            Some(Endpoint::ExtendedUserinfo),
            WHAT,
            &url,
            token,
        )
        .await;
        match answer.map_err(|e| self.redacted(e))? {
            Value::Object(map) => Ok(map),
            _ => Err(self.redacted(invalid(WHAT, &url, "not a JSON object"))),
        }
    }

    /// [`lookup`](Self::lookup) by Feide id (`user@realm`; the `feide:` prefix is added).
    pub async fn lookup_feide_id(
        &self,
        token: &Secret,
        feide_id: &str,
    ) -> Result<Map<String, Value>, ApiError> {
        self.lookup(token, &userid_sec(feide_id)).await
    }

    /// `GET /exists/{userid_sec}`: whether a Feide user exists (`user@realm`; the `feide:` prefix
    /// is added when missing). A positive answer means the account is in the directory, not that
    /// the user is still active.
    pub async fn exists(&self, token: &Secret, feide_id: &str) -> Result<bool, ApiError> {
        let url = join(
            &self.base,
            &["exists", &segment("Feide id", &userid_sec(feide_id))?],
        );
        self.exists_at(&url, token).await
    }

    /// `GET /exists-by-mail/{realm}/{mail}`: whether the organisation `realm` has a user with the
    /// e-mail address `mail`.
    pub async fn exists_by_mail(
        &self,
        token: &Secret,
        realm: &str,
        mail: &str,
    ) -> Result<bool, ApiError> {
        let url = join(
            &self.base,
            &[
                "exists-by-mail",
                &segment("realm", realm)?,
                &segment("mail", mail)?,
            ],
        );
        self.exists_at(&url, token).await
    }

    async fn exists_at(&self, url: &str, token: &Secret) -> Result<bool, ApiError> {
        let body = get_json(
            &self.provider,
            Some(Endpoint::ExtendedUserinfo),
            WHAT,
            url,
            token,
        )
        .await
        .map_err(|e| self.redacted(e))?;
        body.get("exists")
            .and_then(Value::as_bool)
            .ok_or_else(|| self.redacted(invalid(WHAT, url, "no boolean \"exists\"")))
    }

    /// `error` naming the API's base instead of the request URL, whose path holds the Feide id
    /// or e-mail address looked up: personal data stays out of logs and error bodies.
    fn redacted(&self, error: impl Into<ApiError>) -> ApiError {
        match error.into() {
            ApiError::Provider(e) => ApiError::Provider(e.with_url(&format!("{}/…", self.base))),
            other => other,
        }
    }
}

fn userid_sec(feide_id: &str) -> String {
    if feide_id.starts_with("feide:") {
        feide_id.to_owned()
    } else {
        format!("feide:{feide_id}")
    }
}
