//! Calling an API with an exchanged token from a handler, in one line, with the
//! 401-invalidate-and-retry-once rule.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::client::TokenExchange;
use super::error::ExchangeError;
use crate::apis::{self, ApiError, Group};
use crate::provider::{ProviderError, Secret, require_secure_url};

impl TokenExchange {
    /// Runs `call` with the exchanged token for `subject`. When it fails with
    /// [`ApiError::Unauthorized`] (the API answered 401), the cached token is dropped, a new one
    /// exchanged, and `call` runs once more; a second 401 is returned as the error, not retried.
    ///
    /// ```no_run
    /// # async fn run(exchange: feide_tower::exchange::TokenExchange, subject: feide_tower::provider::Secret) -> Result<(), feide_tower::exchange::ExchangeError> {
    /// use feide_tower::apis;
    ///
    /// let feide = exchange.provider();
    /// let info = exchange.with_token(&subject, |token| async move {
    ///     apis::userinfo(feide, &token, None).await
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn with_token<T, F, Fut>(
        &self,
        subject: &Secret,
        mut call: F,
    ) -> Result<T, ExchangeError>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let token = self.exchange(subject).await?;
        match call(token.access_token()).await {
            Err(ApiError::Unauthorized) => {
                tracing::debug!(
                    audience = %self.target.audience,
                    "the API refused the exchanged token (401): exchanging again, once"
                );
                self.invalidate_used(subject, &token).await;
                let token = self.exchange(subject).await?;
                Ok(call(token.access_token()).await?)
            }
            other => Ok(other?),
        }
    }

    /// GETs `url` with the exchanged token for `subject` (`Authorization: Bearer`, the
    /// provider's HTTP client and timeout) and decodes the JSON answer; a 401 earns one
    /// re-exchange and retry. 403 and 404 are [`ApiError::Forbidden`] and
    /// [`ApiError::NotFound`] inside [`ExchangeError::Api`]. A `url` that is not https (plain
    /// http only on a loopback host) is refused before anything is exchanged or sent:
    /// [`ProviderError::InsecureUrl`] inside [`ExchangeError::Api`].
    ///
    /// ```no_run
    /// # async fn run(exchange: feide_tower::exchange::TokenExchange, session: feide_tower::session::FeideSession) -> Result<(), feide_tower::exchange::ExchangeError> {
    /// let me: serde_json::Value = exchange.get_json("https://datasource.example.org/me", session.access_token()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        subject: &Secret,
    ) -> Result<T, ExchangeError> {
        require_secure_url("downstream API", url).map_err(|e| ExchangeError::Api(e.into()))?;
        let provider = self.provider();
        let value = self
            .with_token(subject, |token| async move {
                apis::get_json(provider, None, "downstream API", url, &token).await
            })
            .await?;
        // serde's message may quote the body: say only that the shape is wrong.
        serde_json::from_value(value).map_err(|_| {
            ExchangeError::Api(ApiError::Provider(ProviderError::InvalidDocument {
                what: "downstream API",
                url: url.to_owned(),
                reason: "not the JSON expected".into(),
            }))
        })
    }

    /// Feide's extended userinfo for the user behind `subject`, with an exchanged token (a data
    /// source's pattern); see [`apis::extended_userinfo`].
    pub async fn extended_userinfo(
        &self,
        subject: &Secret,
    ) -> Result<Map<String, Value>, ExchangeError> {
        let provider = self.provider();
        self.with_token(subject, |token| async move {
            apis::extended_userinfo(provider, &token).await
        })
        .await
    }

    /// Feide's groups for the user behind `subject`, with an exchanged token; see
    /// [`apis::groups`].
    pub async fn groups(&self, subject: &Secret) -> Result<Vec<Group>, ExchangeError> {
        let provider = self.provider();
        self.with_token(subject, |token| async move {
            apis::groups(provider, &token).await
        })
        .await
    }
}
