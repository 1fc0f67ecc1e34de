//! [`TokenExchangeLayer`]: outgoing requests carry a token exchanged from the request's
//! [`SubjectToken`].

use std::sync::Arc;

use tower_layer::Layer;

use super::client::TokenExchange;
use super::error::ExchangeError;
use super::issued::IssuedToken;
use super::outgoing::{BearerSource, NoRetry, OutgoingBearer, RetryOnce};
use super::subject::SubjectToken;

/// A tower layer for *outgoing* `http::Request`s: takes the request's [`SubjectToken`]
/// extension, exchanges it (cached, see [`TokenExchange`]), sets `Authorization: Bearer
/// <exchanged>` marked sensitive, and forwards the request to the inner service (a hyper or
/// reqwest-backed client, another tower stack).
///
/// - No `SubjectToken` extension: the request is not sent; the error is
///   [`LayerError::Token`](super::LayerError::Token)([`ExchangeError::MissingSubject`]).
/// - The exchange fails: not sent either; `LayerError::Token` with the typed error
///   ([`ExchangeError::is_invalid_grant`], ...). Never contains the subject token.
/// - The API answers 401: the cached token is dropped, a new one exchanged and the request sent
///   once more (a second 401 is returned as is). This needs a `Clone` request body; for
///   streaming bodies use [`no_retry`](Self::no_retry), which only drops the token.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let feide = feide_tower::Provider::builder("http://127.0.0.1:9").discovery(false)
/// #     .jwks_uri("http://127.0.0.1:9/jwks").token_endpoint("http://127.0.0.1:9/token")
/// #     .client("app", "secret").build().await?;
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use feide_tower::exchange::{SubjectToken, TokenExchange};
/// use tower::{ServiceBuilder, ServiceExt};
///
/// let exchange = TokenExchange::login_client(&feide, "https://n.feide.no/datasources/x").build()?;
/// // Any `Service<http::Request<B>>` that sends requests: a hyper client, reqwest behind
/// // `service_fn`, another stack.
/// let http_client = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::new())))
/// });
/// let client = ServiceBuilder::new().layer(exchange.layer()).service(http_client);
///
/// // In a handler: the signed-in user's access token is the subject.
/// # let access_token = feide_tower::provider::Secret::new("opaque");
/// let request = http::Request::get("https://datasource.example.org/me")
///     .extension(SubjectToken::new(access_token)) // SubjectToken::from_session(&session)
///     .body(Full::new(Bytes::new()))?;
/// # let _ = &client; let _ = request;
/// // let response = client.oneshot(request).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TokenExchangeLayer<R = RetryOnce> {
    exchange: TokenExchange,
    retry: R,
}

impl TokenExchangeLayer {
    /// A layer exchanging with `exchange` (same as [`TokenExchange::layer`]), retrying once on a
    /// 401.
    pub fn new(exchange: TokenExchange) -> Self {
        Self {
            exchange,
            retry: RetryOnce,
        }
    }

    /// Never resend a request (for request bodies that are not `Clone`); a 401 still drops the
    /// cached token so the next request gets a new one.
    pub fn no_retry(self) -> TokenExchangeLayer<NoRetry> {
        TokenExchangeLayer {
            exchange: self.exchange,
            retry: NoRetry,
        }
    }
}

impl<S, R: Clone> Layer<S> for TokenExchangeLayer<R> {
    type Service = OutgoingBearer<S, TokenExchange, R>;

    fn layer(&self, inner: S) -> Self::Service {
        OutgoingBearer::new(inner, self.exchange.clone(), self.retry.clone())
    }
}

impl BearerSource for TokenExchange {
    type Subject = SubjectToken;

    fn take_subject(
        &self,
        extensions: &mut http::Extensions,
    ) -> Result<SubjectToken, ExchangeError> {
        extensions
            .remove::<SubjectToken>()
            .ok_or(ExchangeError::MissingSubject)
    }

    async fn token(&self, subject: &SubjectToken) -> Result<Arc<IssuedToken>, ExchangeError> {
        self.exchange(subject.secret()).await
    }

    async fn invalidate(&self, subject: &SubjectToken, used: &Arc<IssuedToken>) {
        self.invalidate_used(subject.secret(), used).await;
    }
}
