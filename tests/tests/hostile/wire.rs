//! A raw HTTP/1.1 client over a TCP socket: the request line, headers and body go out exactly
//! as written (duplicate parameters, control characters, unencoded bytes, a thousand headers),
//! which no well-behaved client library would send. One request per connection.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Longest answer read (the corpus never needs more).
const MAX_REPLY: usize = 2 * 1024 * 1024;
/// How long one exchange may take.
const DEADLINE: Duration = Duration::from_secs(15);

/// A request, byte for byte.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: &'static str,
    /// The request target, sent verbatim (`/me?x=1`).
    pub target: Vec<u8>,
    /// Extra headers, in order; `Host` and `Connection: close` are added unless given.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(target: impl Into<Vec<u8>>) -> Request {
        Request {
            method: "GET",
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn post(target: impl Into<Vec<u8>>) -> Request {
        Request {
            method: "POST",
            ..Request::get(target)
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Request {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Request {
        self.header("Authorization", format!("Bearer {token}"))
    }

    pub fn cookie(self, pairs: &[(String, String)]) -> Request {
        let line = pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        self.header("Cookie", line)
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.target.len() + self.body.len());
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.target);
        out.extend_from_slice(b" HTTP/1.1\r\n");
        let has = |name: &str| {
            self.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        if !has("host") {
            out.extend_from_slice(b"Host: 127.0.0.1\r\n");
        }
        if !has("connection") {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        if !self.body.is_empty() && !has("content-length") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// An answer: status, headers (lower-case names, in order) and the raw body bytes (still
/// chunk-encoded if the server chunked it: good enough to search for text).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `(name, value)` of every cookie this answer sets with a non-empty value (deletions and
    /// expired cookies left out).
    pub fn cookies_set(&self) -> Vec<(String, String)> {
        self.all("set-cookie")
            .into_iter()
            .filter(|c| !c.contains("Max-Age=0"))
            .filter_map(|c| {
                let pair = c.split(';').next()?;
                let (n, v) = pair.split_once('=')?;
                (!v.is_empty()).then(|| (n.trim().to_owned(), v.trim().to_owned()))
            })
            .collect()
    }

    /// Whether this answer sets a (non-empty) session cookie.
    pub fn sets_session(&self) -> bool {
        self.cookies_set()
            .iter()
            .any(|(n, _)| n == "feide_session" || n.starts_with("feide_session."))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` to `addr` on a fresh connection and reads the whole answer.
///
/// Writing and reading run side by side, so a server that answers before reading an oversized
/// body (and closes) still gets its answer read. A write error is ignored for the same reason.
pub async fn send(addr: SocketAddr, request: &Request) -> std::io::Result<Reply> {
    let exchange = async {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (mut rd, mut wr) = stream.into_split();
        let bytes = request.bytes();
        let writer = async move {
            let _ = wr.write_all(&bytes).await;
            let _ = wr.flush().await;
            wr // keep the write half open until the answer is read
        };
        let reader = async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 16 * 1024];
            loop {
                match rd.read(&mut chunk).await {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.extend_from_slice(&chunk[..n]);
                        if buf.len() > MAX_REPLY {
                            break;
                        }
                    }
                    // A reset after a complete answer (the server closed with our unread
                    // bytes pending) is still an answer.
                    Err(e) if !buf.is_empty() => {
                        let _ = e;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(buf)
        };
        let (_wr, raw) = tokio::join!(writer, reader);
        parse(&raw?)
    };
    tokio::time::timeout(DEADLINE, exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time"))?
}

fn parse(raw: &[u8]) -> std::io::Result<Reply> {
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no complete answer head (connection closed?)"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad("answer head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}
