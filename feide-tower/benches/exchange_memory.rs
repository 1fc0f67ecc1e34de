//! Memory of the token-exchange cache: 100,000 distinct tokens exchanged into a cache with room
//! for 200,000 entries and the default memory budget (48 MiB), measured with a counting
//! allocator (live heap bytes before and after filling) and as resident-set growth.
//!
//! Not a criterion bench and not a test: it prints figures for BENCHMARKS.md and asserts
//! nothing. Two token shapes: Feide's opaque access tokens (36 characters, what the data-source
//! pattern gets for Feide's APIs) and JWT-sized tokens (900 characters, what a login client gets
//! for its data source). The token endpoint is a minimal one in this process on 127.0.0.1, so
//! that nothing but the cache keeps memory per exchange.

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use feide_tower::Provider;
use feide_tower::exchange::TokenExchange;
use feide_tower::provider::Secret;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only a counter is updated beside it.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TOKENS: usize = 100_000;
const PARALLEL: usize = 64;

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A token endpoint that issues a new token of `len` characters for every request.
async fn token_endpoint(len: usize, jwt: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let counter = Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    async move {
                        if request.uri().path() != "/token" {
                            return Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .status(404)
                                    .body(Full::new(Bytes::new()))
                                    .expect("response"),
                            );
                        }
                        let id = format!("{n:036}");
                        let token = if jwt { format!("{id:x<len$}") } else { id };
                        let kind = if jwt { "jwt" } else { "access_token" };
                        let body = format!(
                            r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600,"issued_token_type":"urn:ietf:params:oauth:token-type:{kind}"}}"#
                        );
                        Ok(hyper::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body)))
                            .expect("response"))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

async fn measure(name: &str, len: usize, jwt: bool) {
    let base = token_endpoint(len, jwt).await;
    let provider = Provider::builder(&base)
        .discovery(false)
        .jwks_uri(format!("{base}/jwks"))
        .token_endpoint(format!("{base}/token"))
        .client("memory-bench", "memory-bench-secret")
        .build()
        .await
        .expect("provider");
    let exchange = TokenExchange::login_client(&provider, "https://n.feide.no/datasources/memory")
        .capacity(TOKENS as u64 * 2)
        .build()
        .expect("exchange");
    let fill = |from: usize, to: usize| {
        let exchange = exchange.clone();
        async move {
            let mut next = from;
            while next < to {
                let batch: Vec<_> = (next..to.min(next + PARALLEL))
                    .map(|i| {
                        let exchange = exchange.clone();
                        tokio::spawn(async move {
                            let subject = Secret::new(format!("subject-token-{i:012}"));
                            exchange.exchange(&subject).await.map(|_| ())
                        })
                    })
                    .collect();
                next += batch.len();
                for task in batch {
                    task.await.expect("task").expect("exchange");
                }
            }
        }
    };
    // Warm up connections, buffers and the cache's own structures before the baseline.
    fill(0, 1_000).await;
    let (live0, rss0) = (LIVE.load(Ordering::Relaxed), rss_bytes());
    let started = std::time::Instant::now();
    fill(1_000, 1_000 + TOKENS).await;
    let elapsed = started.elapsed();
    // Let the cache's deferred maintenance run (it happens on later operations).
    for i in 0..2_000 {
        let _ = exchange
            .exchange(&Secret::new(format!("subject-token-{:012}", 1_000 + i)))
            .await;
    }
    let (live1, rss1) = (LIVE.load(Ordering::Relaxed), rss_bytes());
    let live = live1.saturating_sub(live0);
    let cached = exchange.cached_tokens();
    println!(
        "exchange cache, {TOKENS} distinct {name} tokens ({len} chars), default 48 MiB budget: \
         {cached} cached, heap +{:.1} MB ({} bytes per cached token, {} of them the token), \
         RSS +{:.1} MB; filled in {:.1} s",
        live as f64 / 1e6,
        live / (cached.max(1) as usize),
        "Bearer ".len() + len,
        rss1.saturating_sub(rss0) as f64 / 1e6,
        elapsed.as_secs_f64(),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names neither shape skips this.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !filter.is_empty()
        && !filter
            .iter()
            .any(|f| "exchange_memory".contains(f.as_str()))
    {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        measure("opaque", 36, false).await;
        measure("JWT-sized", 900, true).await;
    });
}
