//! The fake's only HTTP client: Back-Channel Logout 1.0 POSTs of `logout_token=<JWT>` to a
//! relying party on loopback, with a per-call timeout.
//!
//! A hand-written hyper HTTP/1.1 client over one `TcpStream` per call: plain `http://` only,
//! and only to addresses that resolve to loopback (the fake is for tests on one machine).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, HOST};
use http::{HeaderMap, Request, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one back-channel call (connect, send, read the answer) may take.
pub(crate) const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest answer body kept.
const ANSWER_LIMIT: usize = 64 * 1024;

/// A relying party's answer to a back-channel logout POST.
#[derive(Clone)]
#[non_exhaustive]
pub struct BackchannelResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers (e.g. `Cache-Control`, which the spec wants to be `no-store`).
    pub headers: HeaderMap,
    /// The body, as text (lossy UTF-8, at most 64 KiB).
    pub body: String,
}

impl BackchannelResponse {
    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON, if it is JSON (e.g. the OAuth error of a 400).
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

impl fmt::Debug for BackchannelResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers could carry a Set-Cookie from the app; the status and body are what matter.
        f.debug_struct("BackchannelResponse")
            .field("status", &self.status)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_string())
}

fn other(error: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::other(error)
}

/// POSTs `logout_token=<token>` (form-encoded) to `uri` and returns the answer, within
/// `timeout`. Refuses anything but `http://` to a host that resolves to loopback only.
pub(crate) async fn post_logout_token(
    uri: &str,
    token: &str,
    timeout: Duration,
) -> io::Result<BackchannelResponse> {
    let uri: Uri = uri
        .parse()
        .map_err(|_| invalid("the back-channel logout URI is not a valid URI"))?;
    if uri.scheme_str() != Some("http") {
        return Err(invalid(
            "FakeFeide sends back-channel logout to http:// URIs only",
        ));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| invalid("the back-channel logout URI has no host"))?
        .clone();
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = authority.port_u16().unwrap_or(80);
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("logout_token", token)
        .finish();
    let call = async move {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await?
            .collect();
        if addrs.is_empty() || !addrs.iter().all(|a| a.ip().is_loopback()) {
            return Err(invalid(
                "FakeFeide sends back-channel logout to loopback addresses only",
            ));
        }
        let stream = TcpStream::connect(&addrs[..]).await?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(other)?;
        let request = Request::post(path)
            .header(HOST, authority.as_str())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(CONNECTION, "close")
            .body(Full::new(Bytes::from(body)))
            .map_err(other)?;
        let exchange = async move {
            let resp = sender.send_request(request).await.map_err(other)?;
            let (parts, body) = resp.into_parts();
            let bytes = Limited::new(body, ANSWER_LIMIT)
                .collect()
                .await
                .map_err(|e| io::Error::other(e.to_string()))?
                .to_bytes();
            Ok::<_, io::Error>(BackchannelResponse {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        };
        let mut exchange = std::pin::pin!(exchange);
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            biased;
            answer = &mut exchange => answer,
            // The connection ended first: whatever answer arrived is buffered in the exchange.
            _ = &mut conn => exchange.await,
        }
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(answer) => answer,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no answer within {} s", timeout.as_secs()),
        )),
    }
}
