//! The HTTP server: accept loop, routing, counting and failure injection.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::header::ALLOW;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::failure::{Endpoint, Failure};
use super::response::{self, Resp};
use super::state::State;
use super::{apis, authorize, discovery, end_session, introspection, token};

/// Largest request body accepted.
const BODY_LIMIT: usize = 64 * 1024;

/// A request with its body read.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Req {
    /// The request's parameters: the query for GET, the form body otherwise.
    pub(crate) fn params(&self) -> super::params::Params {
        if self.method == Method::POST {
            super::params::Params::parse(&self.body)
        } else {
            super::params::Params::parse(self.query.as_bytes())
        }
    }
}

/// Resolves once shutdown is signalled (or the handle is gone).
pub(crate) async fn shutdown_signalled(rx: &mut watch::Receiver<bool>) {
    // `Err` means the sender was dropped, which is also a shutdown.
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Accepts connections until shutdown; each connection is served on its own
/// task and dropped (closed) at shutdown, even mid-request.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown_signalled(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                tracing::debug!(%error, "fakefeide: accept failed");
                tokio::task::yield_now().await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let svc_shutdown = conn_shutdown.clone();
            let svc = service_fn(move |req| {
                let state = state.clone();
                let shutdown = svc_shutdown.clone();
                async move { Ok::<_, Infallible>(handle(state, req, shutdown).await) }
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                result = conn => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "fakefeide: connection error");
                    }
                }
                _ = shutdown_signalled(&mut conn_shutdown) => {}
            }
        });
    }
    tracing::debug!("fakefeide: accept loop stopped");
}

/// The endpoint a path belongs to.
fn endpoint_for(path: &str) -> Option<Endpoint> {
    Some(match path {
        "/.well-known/openid-configuration" => Endpoint::Discovery,
        "/openid/jwks" => Endpoint::Jwks,
        "/oauth/authorization" | "/oauth/authorization/decision" => Endpoint::Authorize,
        "/oauth/token" => Endpoint::Token,
        "/openid/userinfo" => Endpoint::Userinfo,
        "/userinfo/v1/userinfo" => Endpoint::ExtendedUserinfo,
        "/groups/me/groups" => Endpoint::Groups,
        "/openid/endsession" => Endpoint::EndSession,
        introspection::PATH => Endpoint::Introspection,
        super::par::PATH => Endpoint::Par,
        p if p.starts_with("/groups/") => Endpoint::Groups,
        p if p.starts_with(super::user_lookup::PREFIX) => Endpoint::UserLookup,
        _ => return None,
    })
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    mut shutdown: watch::Receiver<bool>,
) -> Resp {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let Some(endpoint) = endpoint_for(&path) else {
        tracing::debug!(method = %parts.method, %path, "fakefeide: no such endpoint");
        return response::empty(StatusCode::NOT_FOUND);
    };
    tracing::debug!(method = %parts.method, %path, ?endpoint, "fakefeide: request");
    let failure = {
        let mut inner = state.lock();
        *inner.counts.entry(endpoint).or_default() += 1;
        inner.failures.get(&endpoint).cloned()
    };
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            tracing::debug!(%error, "fakefeide: request body rejected");
            return response::empty(StatusCode::PAYLOAD_TOO_LARGE);
        }
    };
    let req = Req {
        method: parts.method,
        path,
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts.headers,
        body,
    };
    if endpoint == Endpoint::Token && req.method == Method::POST {
        token::record(&state, &req);
    }
    match failure {
        None => {}
        Some(Failure::Status(code)) => return response::empty(response::status_code(code)),
        Some(Failure::Body {
            status,
            content_type,
            body,
        }) => return response::with_body(response::status_code(status), &content_type, body),
        Some(Failure::Hang) => {
            // Never answer: at shutdown the connection task drops this
            // future together with the connection, so the client sees the
            // connection close rather than a response.
            shutdown_signalled(&mut shutdown).await;
            std::future::pending::<()>().await;
        }
        Some(Failure::Delay(d)) => tokio::time::sleep(d).await,
    }
    if endpoint == Endpoint::EndSession
        && matches!(req.method, Method::GET | Method::HEAD | Method::POST)
    {
        // Async: ending a provider session may POST back-channel logout tokens first.
        return end_session::end_session(&state, &req).await;
    }
    route(&state, endpoint, &req)
}

fn route(state: &State, endpoint: Endpoint, req: &Req) -> Resp {
    let get = req.method == Method::GET || req.method == Method::HEAD;
    let post = req.method == Method::POST;
    match endpoint {
        Endpoint::Discovery if get => discovery::configuration(state),
        Endpoint::Jwks if get => discovery::jwks(state),
        Endpoint::Authorize if req.path == "/oauth/authorization/decision" => {
            if post {
                authorize::decision(state, req)
            } else {
                method_not_allowed("POST")
            }
        }
        Endpoint::Authorize if get || post => authorize::authorize(state, req),
        Endpoint::Token if post => token::token(state, req),
        Endpoint::Userinfo if get || post => apis::userinfo(state, req),
        Endpoint::ExtendedUserinfo if get => apis::extended_userinfo(state, req),
        Endpoint::Groups if get => super::group_api::handle(state, req),
        Endpoint::UserLookup if get => super::user_lookup::handle(state, req),
        Endpoint::Introspection => introspection::introspect(state, req),
        Endpoint::Par => super::par::push(state, req),
        Endpoint::Token => method_not_allowed("POST"),
        Endpoint::Authorize | Endpoint::Userinfo | Endpoint::EndSession => {
            method_not_allowed("GET, POST")
        }
        _ => method_not_allowed("GET"),
    }
}

fn method_not_allowed(allow: &str) -> Resp {
    let mut resp = response::empty(StatusCode::METHOD_NOT_ALLOWED);
    response::set_header(&mut resp, ALLOW, allow);
    resp
}
