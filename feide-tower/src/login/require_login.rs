//! [`RequireLoginLayer`]: routes that need a signed-in user.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::FutureExt as _;
use futures_util::future::{Either, Ready, ready};
use http::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{self, ResponseBody};
use crate::session::FeideSession;

/// Lets a request through only with a [`FeideSession`] in its extensions (put there by
/// [`FeideLoginLayer`](super::FeideLoginLayer), which must wrap this layer).
///
/// Without one, browsers (an `Accept` that includes `text/html` and no `Authorization` header)
/// are redirected to `/login?return_to=<path>`; API callers get `401` with a small JSON body.
/// Make it with [`FeideLogin::require_login`](super::FeideLogin::require_login).
#[derive(Clone, Debug)]
pub struct RequireLoginLayer {
    login_path: Arc<str>,
}

impl RequireLoginLayer {
    pub(crate) fn new(login_path: &str) -> Self {
        Self {
            login_path: login_path.into(),
        }
    }
}

impl<S> Layer<S> for RequireLoginLayer {
    type Service = RequireLogin<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireLogin {
            inner,
            login_path: Arc::clone(&self.login_path),
        }
    }
}

/// The service made by [`RequireLoginLayer`].
#[derive(Clone, Debug)]
pub struct RequireLogin<S> {
    inner: S,
    login_path: Arc<str>,
}

type MapBody<F, B, E> = futures_util::future::Map<
    F,
    fn(Result<Response<B>, E>) -> Result<Response<ResponseBody<B>>, E>,
>;

fn wrap<B, E>(result: Result<Response<B>, E>) -> Result<Response<ResponseBody<B>>, E> {
    result.map(|r| r.map(body::inner))
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireLogin<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future =
        Either<MapBody<S::Future, ResBody, S::Error>, Ready<Result<Self::Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if request.extensions().get::<FeideSession>().is_some() {
            return Either::Left(self.inner.call(request).map(wrap as fn(_) -> _));
        }
        Either::Right(ready(Ok(login_required(
            &self.login_path,
            request.uri(),
            request.headers(),
        ))))
    }
}

/// Whether the caller is a browser navigating (gets a redirect) rather than an API client.
pub(crate) fn is_browser(headers: &HeaderMap) -> bool {
    !headers.contains_key(AUTHORIZATION)
        && headers
            .get_all(ACCEPT)
            .iter()
            .any(|v| v.to_str().is_ok_and(|s| s.contains("text/html")))
}

fn login_required<B>(
    login_path: &str,
    uri: &http::Uri,
    headers: &HeaderMap,
) -> Response<ResponseBody<B>> {
    let mut response = if is_browser(headers) {
        let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let return_to: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let mut r = Response::new(body::full(""));
        *r.status_mut() = StatusCode::FOUND;
        if let Ok(location) = HeaderValue::try_from(format!("{login_path}?return_to={return_to}")) {
            r.headers_mut().insert(LOCATION, location);
        }
        r
    } else {
        let mut r = Response::new(body::full(
            r#"{"error":"login_required","error_description":"Sign in first"}"#,
        ));
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
