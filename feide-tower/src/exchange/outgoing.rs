//! The service both outgoing layers produce: get a token (asynchronously, cached), set
//! `Authorization: Bearer …` marked sensitive, call the inner service; on a 401, drop the token
//! and, for the retrying variant, send the request once more with a new one.
//!
//! The future is boxed: getting the token is an async cache lookup (and on a miss a token
//! request), and the retry needs the request twice. An outgoing call costs a network round trip;
//! one allocation is noise next to it.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::AUTHORIZATION;
use http::{Request, Response, StatusCode};
use tower_service::Service;
use tracing::Instrument as _;

use super::error::{ExchangeError, LayerError};
use super::issued::IssuedToken;
use crate::take_ready::take_ready;

/// The future of [`OutgoingBearer`].
pub type ResponseFuture<T, E> =
    Pin<Box<dyn Future<Output = Result<T, LayerError<E>>> + Send + 'static>>;

/// Retry policy: after a 401, get a new token and send the request once more. Needs a
/// `Clone` request body (`Full<Bytes>`, `Empty<Bytes>`, `String`, `Bytes`...): the request is
/// cloned before it is sent. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryOnce;

/// Retry policy: never resend (any body, streaming ones too). A 401 still drops the cached
/// token, so the next request gets a new one.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

mod sealed {
    pub trait Sealed {}
}

/// Where an outgoing layer gets its token: [`TokenExchange`](super::TokenExchange) or
/// [`ClientCredentialsSource`](super::ClientCredentialsSource). Sealed.
pub trait BearerSource: sealed::Sealed + Clone + Send + Sync + 'static {
    /// What the request must carry to get a token (the subject token, or nothing).
    #[doc(hidden)]
    type Subject: Send + Sync + 'static;

    /// Takes the subject out of the request's extensions.
    #[doc(hidden)]
    fn take_subject(
        &self,
        extensions: &mut http::Extensions,
    ) -> Result<Self::Subject, ExchangeError>;

    /// The token for `subject` (cached).
    #[doc(hidden)]
    fn token(
        &self,
        subject: &Self::Subject,
    ) -> impl Future<Output = Result<Arc<IssuedToken>, ExchangeError>> + Send;

    /// Drops `used` after the API refused it.
    #[doc(hidden)]
    fn invalidate(
        &self,
        subject: &Self::Subject,
        used: &Arc<IssuedToken>,
    ) -> impl Future<Output = ()> + Send;
}

impl sealed::Sealed for super::TokenExchange {}
impl sealed::Sealed for super::ClientCredentialsSource {}

/// The outgoing service of [`TokenExchangeLayer`](super::TokenExchangeLayer) and
/// [`ClientCredentialsLayer`](super::ClientCredentialsLayer): sets `Authorization: Bearer …` on
/// every request it forwards to `S` (a hyper or reqwest-backed client, another tower stack).
///
/// Generic over the request and response bodies. Errors are [`LayerError`]: `Token` when no
/// token could be had (the request is then not sent), `Inner` for the inner service's error.
#[derive(Debug, Clone)]
pub struct OutgoingBearer<S, Src, R = RetryOnce> {
    inner: S,
    source: Src,
    _retry: R,
}

impl<S, Src, R> OutgoingBearer<S, Src, R> {
    pub(super) fn new(inner: S, source: Src, retry: R) -> Self {
        Self {
            inner,
            source,
            _retry: retry,
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, consuming this one.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, Src, ReqBody, ResBody> Service<Request<ReqBody>> for OutgoingBearer<S, Src, RetryOnce>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    Src: BearerSource,
    ReqBody: Clone + Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = LayerError<S::Error>;
    type Future = ResponseFuture<Response<ResBody>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(LayerError::Inner)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let inner = take_ready(&mut self.inner);
        let subject = self.source.take_subject(request.extensions_mut());
        // Cloned after the subject left the extensions: it is not sent twice either.
        let again = request.clone();
        Box::pin(send(
            self.source.clone(),
            inner,
            subject,
            request,
            Some(again),
        ))
    }
}

impl<S, Src, ReqBody, ResBody> Service<Request<ReqBody>> for OutgoingBearer<S, Src, NoRetry>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    Src: BearerSource,
    ReqBody: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = LayerError<S::Error>;
    type Future = ResponseFuture<Response<ResBody>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(LayerError::Inner)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let inner = take_ready(&mut self.inner);
        let subject = self.source.take_subject(request.extensions_mut());
        Box::pin(send(self.source.clone(), inner, subject, request, None))
    }
}

async fn send<S, Src, ReqBody, ResBody>(
    source: Src,
    mut inner: S,
    subject: Result<Src::Subject, ExchangeError>,
    mut request: Request<ReqBody>,
    again: Option<Request<ReqBody>>,
) -> Result<Response<ResBody>, LayerError<S::Error>>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    Src: BearerSource,
{
    let span = tracing::debug_span!(
        "feide.outgoing",
        method = %request.method(),
        host = request.uri().host().unwrap_or_default(),
        retried = tracing::field::Empty,
        outcome = tracing::field::Empty,
        reason = tracing::field::Empty,
        cache = tracing::field::Empty,
    );
    let observed = span.clone();
    let result = async move {
        let subject = subject.map_err(LayerError::Token)?;
        let token = source.token(&subject).await.map_err(LayerError::Token)?;
        request
            .headers_mut()
            .insert(AUTHORIZATION, token.authorization().clone());
        let response = inner.call(request).await.map_err(LayerError::Inner)?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        source.invalidate(&subject, &token).await;
        let Some(mut again) = again else {
            tracing::debug!("the API refused the token (401): dropped it from the cache");
            return Ok(response);
        };
        drop(response);
        tracing::debug!("the API refused the token (401): retrying once with a new one");
        tracing::Span::current().record("retried", true);
        let token = source.token(&subject).await.map_err(LayerError::Token)?;
        again
            .headers_mut()
            .insert(AUTHORIZATION, token.authorization().clone());
        poll_fn(|cx| inner.poll_ready(cx))
            .await
            .map_err(LayerError::Inner)?;
        // A second 401 is the answer: no loop, and the new token stays cached (it is fresh; the
        // API's refusal is then about something else).
        inner.call(again).await.map_err(LayerError::Inner)
    }
    .instrument(span)
    .await;
    if !observed.is_disabled() {
        observe(&observed, &result);
    }
    result
}

/// Records an outgoing request's `outcome`: `sent` (the API's answer passed on, whatever its
/// status; `unauthorized` when it was a 401 even after the retry) | `failed` (no token; `reason`
/// = [`ExchangeError`]'s reason code) | `inner_error` (the HTTP client failed). `cache` was
/// recorded by the token lookup.
fn observe<R, E>(span: &tracing::Span, result: &Result<Response<R>, LayerError<E>>) {
    match result {
        Ok(response) if response.status() == StatusCode::UNAUTHORIZED => {
            span.record("outcome", "unauthorized")
        }
        Ok(_) => span.record("outcome", "sent"),
        Err(LayerError::Token(error)) => span
            .record("outcome", "failed")
            .record("reason", error.kind()),
        Err(LayerError::Inner(_)) => span.record("outcome", "inner_error"),
    };
    span.in_scope(|| tracing::debug!("outgoing request done"));
}
