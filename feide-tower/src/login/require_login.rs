//! [`RequireLoginLayer`]: routes that need a signed-in user.

use std::task::{Context, Poll};

use futures_util::FutureExt as _;
use futures_util::future::{Either, Ready, ready};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::FeideLogin;
use super::response::LoginResponse;
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
    login: FeideLogin,
}

impl RequireLoginLayer {
    pub(crate) fn new(login: FeideLogin) -> Self {
        Self { login }
    }
}

impl<S> Layer<S> for RequireLoginLayer {
    type Service = RequireLogin<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireLogin {
            inner,
            login: self.login.clone(),
        }
    }
}

/// The service made by [`RequireLoginLayer`].
#[derive(Clone, Debug)]
pub struct RequireLogin<S> {
    inner: S,
    login: FeideLogin,
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
        let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let answer = self.login.login_required(target, request.headers());
        Either::Right(ready(Ok(answer.into_response())))
    }
}

/// Whether the caller is a browser navigating (gets a redirect) rather than an API client.
pub(super) fn is_browser(headers: &HeaderMap) -> bool {
    !headers.contains_key(AUTHORIZATION)
        && headers
            .get_all(ACCEPT)
            .iter()
            .any(|v| v.to_str().is_ok_and(|s| s.contains("text/html")))
}

impl FeideLogin {
    /// The answer to a request that needs a user and has none: browsers are redirected to the
    /// login path with `return_to=<target>` (the request's path and query); API callers get `401`
    /// with `{"error":"login_required"}`.
    ///
    /// With a [`render_body`](super::FeideLoginBuilder::render_body) renderer, the body is the
    /// renderer's ([`Denial::Login`](crate::access::Denial::Login)).
    pub fn login_required(&self, target: &str, headers: &HeaderMap) -> LoginResponse {
        let response = self.default_login_required(target, headers);
        match &self.config.renderer {
            Some(renderer) => renderer.login(crate::access::Denial::Login(response)),
            None => response,
        }
    }

    fn default_login_required(&self, target: &str, headers: &HeaderMap) -> LoginResponse {
        if is_browser(headers) {
            let return_to: String = form_urlencoded::byte_serialize(target.as_bytes()).collect();
            return LoginResponse::redirect(
                StatusCode::FOUND,
                &format!("{}?return_to={return_to}", self.config.login_path),
            );
        }
        let mut response = LoginResponse::page(
            StatusCode::UNAUTHORIZED,
            r#"{"error":"login_required","error_description":"Sign in first"}"#.to_owned(),
        );
        response
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
