//! [`ClientCredentialsLayer`]: outgoing requests carry the client's own token.

use std::sync::Arc;

use tower_layer::Layer;

use super::client_credentials::ClientCredentialsSource;
use super::error::ExchangeError;
use super::issued::IssuedToken;
use super::outgoing::{BearerSource, NoRetry, OutgoingBearer, RetryOnce};

/// A tower layer for *outgoing* `http::Request`s of system-to-system calls: sets
/// `Authorization: Bearer <client-credentials token>` (marked sensitive) from a
/// [`ClientCredentialsSource`] and forwards the request. Same shape as
/// [`TokenExchangeLayer`](super::TokenExchangeLayer), without a subject: a 401 drops the token
/// and the request is sent once more with a new one (needs a `Clone` body; see
/// [`no_retry`](Self::no_retry)); a token that cannot be had is
/// [`LayerError::Token`](super::LayerError::Token) and the request is not sent.
///
/// ```no_run
/// # async fn run(feide: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use feide_tower::exchange::ClientCredentialsSource;
/// use tower::{ServiceBuilder, ServiceExt};
///
/// let tokens = ClientCredentialsSource::builder(&feide).scope("gk_example").build()?;
/// let http_client = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::new())))
/// });
/// let client = ServiceBuilder::new().layer(tokens.layer()).service(http_client);
/// let response = client
///     .oneshot(http::Request::get("https://api.example.org/status").body(Full::new(Bytes::new()))?)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientCredentialsLayer<R = RetryOnce> {
    source: ClientCredentialsSource,
    retry: R,
}

impl ClientCredentialsLayer {
    /// A layer with tokens from `source` (same as [`ClientCredentialsSource::layer`]).
    pub fn new(source: ClientCredentialsSource) -> Self {
        Self {
            source,
            retry: RetryOnce,
        }
    }

    /// Never resend a request (for bodies that are not `Clone`); a 401 still drops the token.
    pub fn no_retry(self) -> ClientCredentialsLayer<NoRetry> {
        ClientCredentialsLayer {
            source: self.source,
            retry: NoRetry,
        }
    }
}

impl<S, R: Clone> Layer<S> for ClientCredentialsLayer<R> {
    type Service = OutgoingBearer<S, ClientCredentialsSource, R>;

    fn layer(&self, inner: S) -> Self::Service {
        OutgoingBearer::new(inner, self.source.clone(), self.retry.clone())
    }
}

impl BearerSource for ClientCredentialsSource {
    type Subject = ();

    fn take_subject(&self, _extensions: &mut http::Extensions) -> Result<(), ExchangeError> {
        Ok(())
    }

    async fn token(&self, _subject: &()) -> Result<Arc<IssuedToken>, ExchangeError> {
        ClientCredentialsSource::token(self).await
    }

    async fn invalidate(&self, _subject: &(), used: &Arc<IssuedToken>) {
        ClientCredentialsSource::invalidate(self, used);
    }
}
