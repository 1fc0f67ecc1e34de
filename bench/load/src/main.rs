//! `load-bench`: one axum hello-world served nine ways, loaded with `wrk` on loopback.
//!
//! ```text
//! load-bench [--rounds N] [--duration SECS] [--warmup SECS] [--connections N]
//!            [--variants abcdrnetk] [--server-cpu N] [--client-cpu N] [--no-pin] [--smoke]
//! ```
//!
//! Variants: (a) unprotected, (b) `BearerJwtLayer` with the verified-token cache off, (c) with it
//! on, (d) `FeideLoginLayer` pass-through with a valid 2 KB session cookie, (r) the same login
//! with its sessions in Redis (`RedisStore`, default revocation bound 1 s: each record kept 0.5 s
//! per process) and a valid session's reference cookie, (n) as (r) with revocation bound zero (no
//! near cache: one Redis load per request), (e) the `jwt-authorizer` crate configured the same
//! way as (b) (RS256, same key, issuer and audience); and two references that show what the
//! credentials cost to carry: (t) the unprotected server receiving the bearer token of (b), (c),
//! (e), and (k) receiving the session cookie of (d).
//!
//! For (r) and (n) the coordinator starts its own `/usr/bin/redis-server` on a free loopback
//! port (no persistence, pinned with the servers, stopped with the run) and signs in through
//! FakeFeide into it before each run; it checks that no request of a run writes to the store.
//!
//! Each variant is its own server process (this binary re-executed as `load-bench serve <v>`),
//! pinned to one core with `taskset`; `wrk` runs pinned to the other. Every round runs every
//! variant once, each right after a run of (a) (every run after a short unmeasured warm-up on its
//! own server), each round starting one variant later than the one before; the table shows, for
//! each variant, the medians over its runs, and its ratio to (a) as the median over the rounds of
//! its req/s over that of the (a) run right before it (paired: seconds apart).
//! Everything stays on 127.0.0.1 and every process ends with the run:
//! servers exit when this process closes their stdin (also when it dies) and after a hard
//! deadline; each `wrk` run is killed if it overruns.
//!
//! `--smoke` (CI): one 2-second round of every variant; exits non-zero if any request failed or
//! was answered with anything but 2xx, or if a stored variant wrote to the store during a run.

mod fixtures;
mod redis_server;
mod serve;
mod wrk;

use std::process::ExitCode;
use std::time::Duration;

/// One way of serving the hello-world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    Unprotected,
    BearerNoCache,
    BearerCache,
    LoginSession,
    /// (d) with the sessions in Redis, near cache on (default revocation bound).
    StoredSession,
    /// (d) with the sessions in Redis, no near cache.
    StoredNoCache,
    JwtAuthorizer,
    /// (a) with the requests of (b), (c) and (e): the bearer token is sent and ignored.
    PlainWithToken,
    /// (a) with the requests of (d): the session cookie is sent and ignored.
    PlainWithCookie,
}

impl Variant {
    pub(crate) const ALL: [Variant; 9] = [
        Variant::Unprotected,
        Variant::BearerNoCache,
        Variant::BearerCache,
        Variant::LoginSession,
        Variant::StoredSession,
        Variant::StoredNoCache,
        Variant::JwtAuthorizer,
        Variant::PlainWithToken,
        Variant::PlainWithCookie,
    ];

    pub(crate) fn letter(self) -> char {
        match self {
            Variant::Unprotected => 'a',
            Variant::BearerNoCache => 'b',
            Variant::BearerCache => 'c',
            Variant::LoginSession => 'd',
            Variant::StoredSession => 'r',
            Variant::StoredNoCache => 'n',
            Variant::JwtAuthorizer => 'e',
            Variant::PlainWithToken => 't',
            Variant::PlainWithCookie => 'k',
        }
    }

    pub(crate) fn from_letter(letter: char) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.letter() == letter)
    }

    /// Whether the variant's sessions live in the Redis store.
    pub(crate) fn stored(self) -> bool {
        matches!(self, Variant::StoredSession | Variant::StoredNoCache)
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Variant::Unprotected => "unprotected",
            Variant::BearerNoCache => "BearerJwtLayer, cache off",
            Variant::BearerCache => "BearerJwtLayer, cache on",
            Variant::LoginSession => "FeideLoginLayer, 2 KB session",
            Variant::StoredSession => "FeideLoginLayer, Redis session, near cache",
            Variant::StoredNoCache => "FeideLoginLayer, Redis session, no near cache",
            Variant::JwtAuthorizer => "jwt-authorizer 0.15 (peer)",
            Variant::PlainWithToken => "unprotected, token sent",
            Variant::PlainWithCookie => "unprotected, cookie sent",
        }
    }
}

/// Command-line settings of a measuring run.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) rounds: usize,
    pub(crate) duration: Duration,
    /// Unmeasured load on the same server right before each measured run.
    pub(crate) warmup: Duration,
    pub(crate) connections: usize,
    pub(crate) variants: Vec<Variant>,
    pub(crate) server_cpu: Option<String>,
    pub(crate) client_cpu: Option<String>,
    pub(crate) smoke: bool,
}

const USAGE: &str = "usage: load-bench [--rounds N (default 9)] [--duration SECS (default 2)] \
[--warmup SECS (default 1)] [--connections N (default 64)] [--variants abcdrnetk] \
[--server-cpu N (default 0)] [--client-cpu N (default 1)] [--no-pin] [--smoke]";

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut settings = Settings {
        rounds: 9,
        duration: Duration::from_secs(2),
        warmup: Duration::from_secs(1),
        connections: 64,
        variants: Variant::ALL.to_vec(),
        server_cpu: Some("0".into()),
        client_cpu: Some("1".into()),
        smoke: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--rounds" => settings.rounds = number(&value(arg)?, arg)?.max(1),
            "--duration" => {
                settings.duration =
                    Duration::from_secs(number(&value(arg)?, arg)?.clamp(1, 600) as u64)
            }
            "--warmup" => {
                settings.warmup = Duration::from_secs(number(&value(arg)?, arg)?.min(60) as u64)
            }
            "--connections" => settings.connections = number(&value(arg)?, arg)?.clamp(1, 1024),
            "--variants" => {
                settings.variants = value(arg)?
                    .chars()
                    .map(|c| Variant::from_letter(c).ok_or(format!("unknown variant {c:?}")))
                    .collect::<Result<_, _>>()?;
                if settings.variants.is_empty() {
                    return Err("--variants needs at least one of abcdrnetk".into());
                }
            }
            "--server-cpu" => settings.server_cpu = Some(value(arg)?),
            "--client-cpu" => settings.client_cpu = Some(value(arg)?),
            "--no-pin" => {
                settings.server_cpu = None;
                settings.client_cpu = None;
            }
            "--smoke" => settings.smoke = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if settings.smoke {
        settings.rounds = 1;
        settings.duration = Duration::from_secs(2);
        settings.warmup = Duration::ZERO;
    }
    Ok(settings)
}

fn number(text: &str, name: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{name} needs a whole number, got {text:?}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        return serve::main(&args[1..]);
    }
    let settings = match parse(&args) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match wrk::run(&settings) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("load-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
