//! The "decide, then call" machinery under every request-guarding layer of the crate (bearer,
//! require-scope, introspection, access, login, require-login).
//!
//! Each layer has a plain decision function (the actix bridge calls the same ones); this module
//! is the tower plumbing around it, written once, in the manner of tower-http's
//! `validate_request` and `async_require_authorization`:
//!
//! - a decision made **now** either passes the request on ([`Gate::pass`], with any extensions
//!   already inserted and `Set-Cookie` values to append to the inner response) or answers it
//!   ([`GateFuture::answer`]); neither boxes nor allocates here;
//! - a decision made **later** is a future yielding a [`Verdict`]: [`Gate::defer`] hands it the
//!   service that `poll_ready` made ready ([`take_ready`], a clone stays behind), and [`Then`]
//!   is the usual such future: wait for the outcome, [`Settle`] it on the request, call;
//! - one pinned response future, [`GateFuture`], drives all of it and maps bodies into
//!   [`ResponseBody`].
//!
//! **Polled after completion**, a [`GateFuture`] panics (with [`POLLED_AFTER_COMPLETION`]), as
//! tower-http's response futures, `futures::future::Ready` and `async` blocks do: the `Future`
//! contract allows it, and a loud failure beats a request that hangs for ever. It is a bug in
//! the caller (an executor or combinator), never something a request can cause.
//!
//! This module sits at the bottom of the layering: it knows bodies and responses, no layer.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::header::SET_COOKIE;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::body::{self, ResponseBody};
use crate::take_ready::take_ready;

/// `get_ref`, `get_mut` and `into_inner` for a public service that keeps its [`Gate`] in a field
/// named `gate` over an inner service `S` (as tower-http's `define_inner_service_accessors!`).
macro_rules! inner_service_accessors {
    () => {
        /// The inner service.
        pub fn get_ref(&self) -> &S {
            self.gate.get_ref()
        }

        /// The inner service, mutably.
        pub fn get_mut(&mut self) -> &mut S {
            self.gate.get_mut()
        }

        /// Unwraps the inner service.
        pub fn into_inner(self) -> S {
            self.gate.into_inner()
        }
    };
}
pub(crate) use inner_service_accessors;

/// A response a layer writes itself (a challenge, a redirect, an error page).
pub(crate) type Reply = Response<Full<Bytes>>;

/// The panic message of a [`GateFuture`] polled after it returned `Ready`.
pub(crate) const POLLED_AFTER_COMPLETION: &str =
    "feide-tower response future polled after completion";

/// Where a decision made later leads.
pub(crate) enum Verdict<F> {
    /// The inner service was called: its response future, and `Set-Cookie` values to append to
    /// its response.
    Called(F, Vec<HeaderValue>),
    /// The layer answers; the inner service is not called.
    Answer(Reply),
}

/// An inner service and the policy (configuration) of the layer guarding it: the body of every
/// public service of the crate's guarding layers.
#[derive(Clone, Debug)]
pub(crate) struct Gate<S, P> {
    inner: S,
    policy: P,
}

impl<S, P> Gate<S, P> {
    pub(crate) fn new(inner: S, policy: P) -> Self {
        Self { inner, policy }
    }

    /// The layer's configuration.
    pub(crate) fn policy(&self) -> &P {
        &self.policy
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }

    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    pub(crate) fn into_inner(self) -> S {
        self.inner
    }

    /// The inner service's readiness: a guard is ready when what it guards is.
    pub(crate) fn poll_ready<R>(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>>
    where
        S: Service<R>,
    {
        self.inner.poll_ready(cx)
    }

    /// Lets `request` through now: calls the service that `poll_ready` made ready, and appends
    /// `set_cookies` to its response.
    pub(crate) fn pass<R, D>(
        &mut self,
        request: R,
        set_cookies: Vec<HeaderValue>,
    ) -> GateFuture<S::Future, D>
    where
        S: Service<R>,
    {
        GateFuture::Calling {
            future: self.inner.call(request),
            set_cookies,
            finished: false,
        }
    }

    /// Decides later: `decide` gets the service that `poll_ready` made ready (a clone is left in
    /// its place for the next `poll_ready`) and returns the future that decides and calls it.
    pub(crate) fn defer<R, D>(&mut self, decide: impl FnOnce(S) -> D) -> GateFuture<S::Future, D>
    where
        S: Service<R> + Clone,
    {
        GateFuture::Deciding {
            decision: decide(take_ready(&mut self.inner)),
        }
    }
}

pin_project! {
    /// The response future of every guarding layer: deciding, then the inner service's response
    /// (with `Set-Cookie` values appended) or the layer's own answer.
    #[project = GateProj]
    pub(crate) enum GateFuture<F, D> {
        Deciding { #[pin] decision: D },
        // `finished` rather than a `Done` state: marking it costs one byte, where replacing the
        // state would drop the inner future in place on the hot path (a bearer cache hit).
        Calling { #[pin] future: F, set_cookies: Vec<HeaderValue>, finished: bool },
        // `None` once answered. Boxed: a refusal already allocates its body and headers, and an
        // inline response would make every response future (a cache hit's too) three times larger.
        Answering { answer: Option<Box<Reply>> },
    }
}

impl<F, D> GateFuture<F, D> {
    /// Answers now; the inner service is not called.
    pub(crate) fn answer(answer: Reply) -> Self {
        Self::Answering {
            answer: Some(Box::new(answer)),
        }
    }

    /// Decides later with `decision`, which calls no service of ours itself (or one it owns).
    pub(crate) fn later(decision: D) -> Self {
        Self::Deciding { decision }
    }
}

impl<F, D> fmt::Debug for GateFuture<F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self {
            Self::Deciding { .. } => "Deciding",
            Self::Calling { .. } => "Calling",
            Self::Answering { .. } => "Answering",
        };
        f.debug_tuple("GateFuture").field(&state).finish()
    }
}

impl<F, D, B, E> Future for GateFuture<F, D>
where
    F: Future<Output = Result<Response<B>, E>>,
    D: Future<Output = Verdict<F>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                GateProj::Deciding { decision } => {
                    let next = match ready!(decision.poll(cx)) {
                        Verdict::Called(future, set_cookies) => Self::Calling {
                            future,
                            set_cookies,
                            finished: false,
                        },
                        Verdict::Answer(answer) => Self::answer(answer),
                    };
                    self.set(next);
                }
                GateProj::Calling {
                    future,
                    set_cookies,
                    finished,
                } => {
                    // The policy for every layer, see the module documentation.
                    assert!(!*finished, "{POLLED_AFTER_COMPLETION}");
                    let result = ready!(future.poll(cx));
                    *finished = true;
                    let set_cookies = std::mem::take(set_cookies);
                    return Poll::Ready(result.map(|response| {
                        let mut response = response.map(body::inner);
                        if !set_cookies.is_empty() {
                            let headers = response.headers_mut();
                            for cookie in set_cookies {
                                headers.append(SET_COOKIE, cookie);
                            }
                        }
                        response
                    }));
                }
                GateProj::Answering { answer } => {
                    // `None` once answered: the policy for every layer (module documentation).
                    let answer = answer.take().expect(POLLED_AFTER_COMPLETION);
                    return Poll::Ready(Ok((*answer).map(body::own)));
                }
            }
        }
    }
}

/// The deferred decision of a layer that decides only now ([`Gate::pass`],
/// [`GateFuture::answer`]): it cannot be made, so the response future carries no state for it.
pub(crate) struct Never<F> {
    never: std::convert::Infallible,
    _future: PhantomData<fn() -> F>,
}

impl<F> Future for Never<F> {
    type Output = Verdict<F>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Verdict<F>> {
        match self.never {}
    }
}

/// How a deferred decision's outcome is applied to the request it was made for.
pub(crate) trait Settle<ReqBody> {
    /// What the decision yields.
    type Outcome;

    /// Lets the request through (with extensions inserted; `Ok` holds the `Set-Cookie` values to
    /// append to the response), or answers.
    // The answer is moved once, to become the response: boxing it would only add an allocation.
    #[allow(clippy::result_large_err)]
    fn settle(
        self,
        outcome: Self::Outcome,
        request: &mut Request<ReqBody>,
    ) -> Result<Vec<HeaderValue>, Reply>;
}

pin_project! {
    /// A decision that waits for `decision` (which does not own the request), then settles its
    /// outcome on the request and calls the ready service with it.
    pub(crate) struct Then<S, ReqBody, V, T> {
        #[pin]
        decision: V,
        rest: Option<(S, Request<ReqBody>, T)>,
    }
}

impl<S, ReqBody, V, T> Then<S, ReqBody, V, T> {
    /// Decides with `decision`, then `settle`s on `request` and calls `service`.
    pub(crate) fn new(decision: V, service: S, request: Request<ReqBody>, settle: T) -> Self {
        Self {
            decision,
            rest: Some((service, request, settle)),
        }
    }
}

impl<S, ReqBody, V, T> Future for Then<S, ReqBody, V, T>
where
    S: Service<Request<ReqBody>>,
    V: Future,
    T: Settle<ReqBody, Outcome = V::Output>,
{
    type Output = Verdict<S::Future>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = ready!(this.decision.poll(cx));
        // Present until now: `GateFuture` replaces this future as soon as it is ready.
        let (mut service, mut request, settle) = this.rest.take().expect(POLLED_AFTER_COMPLETION);
        Poll::Ready(match settle.settle(outcome, &mut request) {
            Ok(set_cookies) => Verdict::Called(service.call(request), set_cookies),
            Err(answer) => Verdict::Answer(answer),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::future::{Ready, ready};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::FutureExt as _;
    use http::StatusCode;
    use http_body_util::BodyExt as _;

    use super::*;

    /// A cloneable service counting its calls and its clones' calls. Like `ConcurrencyLimit`, it
    /// may be called only after `poll_ready`, and a clone is not ready.
    #[derive(Default)]
    struct Echo {
        calls: Arc<AtomicUsize>,
        ready: bool,
    }

    impl Clone for Echo {
        fn clone(&self) -> Self {
            Self {
                calls: Arc::clone(&self.calls),
                ready: false,
            }
        }
    }

    type Called = Result<Response<Full<Bytes>>, Infallible>;

    impl Service<Request<&'static str>> for Echo {
        type Response = Response<Full<Bytes>>;
        type Error = Infallible;
        type Future = Ready<Called>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            self.ready = true;
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<&'static str>) -> Self::Future {
            // Only the service that was polled ready may be called.
            assert!(self.ready, "called without poll_ready");
            self.ready = false;
            self.calls.fetch_add(1, Ordering::SeqCst);
            let tag = request.extensions().get::<&'static str>().copied();
            let text = tag.unwrap_or(request.into_body());
            ready(Ok(Response::new(Full::new(Bytes::from_static(
                text.as_bytes(),
            )))))
        }
    }

    fn gate() -> Gate<Echo, ()> {
        let mut gate = Gate::new(Echo::default(), ());
        let waker = futures_util::task::noop_waker();
        let _ = gate.poll_ready::<Request<&'static str>>(&mut Context::from_waker(&waker));
        gate
    }

    fn teapot() -> Reply {
        let mut answer = Response::new(Full::new(Bytes::from_static(b"no")));
        *answer.status_mut() = StatusCode::IM_A_TEAPOT;
        answer
    }

    type Now = GateFuture<Ready<Called>, Never<Ready<Called>>>;

    async fn text(response: Response<ResponseBody<Full<Bytes>>>) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_pass_calls_the_ready_service_and_appends_the_cookies() {
        let mut gate = gate();
        let cookie = HeaderValue::from_static("a=1");
        let future: Now = gate.pass(Request::new("hello"), vec![cookie.clone(), cookie]);
        let response = future.await.unwrap();
        assert_eq!(response.headers().get_all(SET_COOKIE).iter().count(), 2);
        assert_eq!(gate.get_ref().calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_answer_does_not_call_the_service() {
        let gate = gate();
        let future: Now = GateFuture::answer(teapot());
        let response = future.await.unwrap();
        assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(gate.get_ref().calls.load(Ordering::SeqCst), 0);
    }

    /// Inserts the outcome as an extension, or answers 418 on `None`.
    struct Tag;

    impl Settle<&'static str> for Tag {
        type Outcome = Option<&'static str>;

        fn settle(
            self,
            outcome: Option<&'static str>,
            request: &mut Request<&'static str>,
        ) -> Result<Vec<HeaderValue>, Reply> {
            let tag = outcome.ok_or_else(teapot)?;
            request.extensions_mut().insert(tag);
            Ok(vec![HeaderValue::from_static("s=1")])
        }
    }

    #[tokio::test]
    async fn a_deferred_decision_calls_the_service_polled_ready_and_leaves_a_clone() {
        let mut gate = gate();
        let calls = Arc::clone(&gate.get_ref().calls);
        let future = gate
            .defer(|service| Then::new(ready(Some("tagged")), service, Request::new("body"), Tag));
        // The clone left behind has not been polled ready.
        assert!(!gate.get_ref().ready);
        let response = future.await.unwrap();
        assert_eq!(response.headers()[SET_COOKIE], "s=1");
        assert_eq!(text(response).await, "tagged");
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let mut gate = self::gate();
        let future = gate.defer(|service| Then::new(ready(None), service, Request::new("x"), Tag));
        let response = future.await.unwrap();
        assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(text(response).await, "no");
        assert_eq!(gate.get_ref().calls.load(Ordering::SeqCst), 0);
    }

    fn poll_twice<F: Future + Unpin>(mut future: F) {
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(future.poll_unpin(&mut cx).is_ready());
        let _ = future.poll_unpin(&mut cx);
    }

    #[test]
    #[should_panic(expected = "feide-tower response future polled after completion")]
    fn an_answer_polled_after_completion_panics() {
        let future: Now = GateFuture::answer(teapot());
        poll_twice(Box::pin(future));
    }

    #[test]
    #[should_panic(expected = "feide-tower response future polled after completion")]
    fn a_pass_polled_after_completion_panics() {
        let future: Now = gate().pass(Request::new("x"), Vec::new());
        poll_twice(Box::pin(future));
    }

    #[test]
    #[should_panic(expected = "feide-tower response future polled after completion")]
    fn a_deferred_decision_polled_after_completion_panics() {
        let future = gate().defer(|s| Then::new(ready(None), s, Request::new("x"), Tag));
        poll_twice(Box::pin(future));
    }
}
