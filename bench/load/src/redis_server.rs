//! The Redis of variants (r) and (n): Debian's `redis-server`, started by the coordinator on a
//! free 127.0.0.1 port in a temporary directory, with persistence off, and a minimal RESP client
//! to wait for it and to read its counters.
//!
//! The server ends with the run, whatever happens to the coordinator: it runs under a `sh` that
//! kills it when its stdin closes, which is when this process drops it (normal end, error,
//! panic) or dies (even by `SIGKILL`).

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs it (`.ci/run` installs the package when missing).
const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// How long it may take to answer `PING` after its start.
const START_DEADLINE: Duration = Duration::from_secs(10);
/// Any one command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest reply this client reads (INFO is a few KB).
const MAX_REPLY: usize = 1 << 20;

/// `sh -c` script, run in the server's own temporary directory: runs redis-server with the
/// arguments, kills it when stdin closes, then removes the directory (also when the coordinator
/// was killed and could not).
const SUPERVISOR: &str = "d=$PWD; \"$0\" \"$@\" & pid=$!; cat >/dev/null; \
     kill \"$pid\" 2>/dev/null; wait \"$pid\"; rm -f \"$d/redis.log\"; cd / && rmdir \"$d\"";

/// A running `redis-server`; stopped and its directory removed when dropped.
pub(crate) struct RedisServer {
    port: u16,
    /// The redis-server's own process id (for its CPU time).
    pid: u32,
    supervisor: Child,
    /// Held open: the server is killed when it is closed.
    stdin: Option<ChildStdin>,
    dir: PathBuf,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // Closing stdin makes the supervisor kill redis-server and wait for it.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.supervisor.try_wait() {
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = self.supervisor.kill();
                    let _ = self.supervisor.wait();
                    break;
                }
                _ => break,
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A RESP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Reply>),
}

impl RedisServer {
    /// Starts a server pinned to `cpu` (if any) and waits until it answers `PING`.
    pub(crate) fn start(cpu: Option<&str>) -> Result<RedisServer, String> {
        if !std::path::Path::new(REDIS_SERVER).exists() {
            return Err(format!(
                "{REDIS_SERVER} not found: variants (r) and (n) need Redis \
                 (`apt-get install -y redis-server`; .ci/run installs it), or leave them out \
                 with --variants"
            ));
        }
        // The port is free when probed; another process may take it before redis-server
        // binds it, so try a few.
        let mut last = String::new();
        for attempt in 0..3 {
            match Self::start_once(cpu, attempt) {
                Ok(server) => return Ok(server),
                Err(error) => last = error,
            }
        }
        Err(last)
    }

    fn start_once(cpu: Option<&str>, attempt: u32) -> Result<RedisServer, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port for redis-server: {e}"))?
            .port();
        let dir =
            std::env::temp_dir().join(format!("load-bench-redis-{}-{attempt}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut command = match cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpu).arg("sh");
                c
            }
            None => Command::new("sh"),
        };
        command
            .arg("-c")
            .arg(SUPERVISOR)
            .arg(REDIS_SERVER)
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args(["--dir", "."])
            .current_dir(&dir)
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--logfile", "redis.log"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let mut supervisor = command
            .spawn()
            .map_err(|e| format!("cannot start {REDIS_SERVER}: {e}"))?;
        let stdin = supervisor.stdin.take();
        let mut server = RedisServer {
            port,
            pid: 0,
            supervisor,
            stdin,
            dir,
        };
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            if let Ok(Reply::Simple(pong)) = server.command(&["PING"])
                && pong == "PONG"
            {
                break;
            }
            let exited = matches!(server.supervisor.try_wait(), Ok(Some(_)));
            if exited || Instant::now() > deadline {
                let log = std::fs::read_to_string(server.dir.join("redis.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                return Err(format!(
                    "redis-server on 127.0.0.1:{port} did not answer PING within {} s; its log ends:\n{}",
                    START_DEADLINE.as_secs(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        server.pid = server
            .info("server")?
            .get("process_id")
            .and_then(|p| p.parse().ok())
            .ok_or("redis-server did not say its process_id")?;
        Ok(server)
    }

    /// The store URL for the login configuration.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// One command on a fresh connection.
    pub(crate) fn command(&self, args: &[&str]) -> Result<Reply, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .map_err(|e| format!("redis 127.0.0.1:{}: {e}", self.port))?;
        stream
            .set_read_timeout(Some(COMMAND_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(COMMAND_TIMEOUT)))
            .map_err(|e| e.to_string())?;
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        stream.write_all(&request).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream);
        match read_reply(&mut reader, 0)? {
            Reply::Error(error) => Err(format!("redis {}: {error}", args[0])),
            reply => Ok(reply),
        }
    }

    /// `INFO <section>` as `field → value`.
    pub(crate) fn info(
        &self,
        section: &str,
    ) -> Result<std::collections::HashMap<String, String>, String> {
        match self.command(&["INFO", section])? {
            Reply::Bulk(text) => Ok(String::from_utf8_lossy(&text)
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
                .collect()),
            other => Err(format!("INFO: unexpected reply {other:?}")),
        }
    }

    /// Commands served so far: (`HMGET` calls, i.e. session loads; every other command but
    /// the ones this client sends, i.e. writes and connection set-up).
    pub(crate) fn counters(&self) -> Result<StoreCounters, String> {
        let mut counters = StoreCounters::default();
        for (name, stats) in self.info("commandstats")? {
            let Some(command) = name.strip_prefix("cmdstat_") else {
                continue;
            };
            let calls = stats
                .split(',')
                .find_map(|kv| kv.strip_prefix("calls="))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            match command {
                "hmget" => counters.loads += calls,
                // This client's own.
                "info" | "ping" | "memory|usage" | "hstrlen" | "scan" => {}
                _ => counters.others += calls,
            }
        }
        Ok(counters)
    }
}

/// See [`RedisServer::counters`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StoreCounters {
    pub(crate) loads: u64,
    pub(crate) others: u64,
}

fn read_line(reader: &mut impl BufRead) -> Result<String, String> {
    let mut line = Vec::new();
    reader
        .take(MAX_REPLY as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("redis: {e}"))?;
    let line = line.strip_suffix(b"\r\n").ok_or("redis: truncated reply")?;
    Ok(String::from_utf8_lossy(line).into_owned())
}

fn read_reply(reader: &mut impl BufRead, depth: usize) -> Result<Reply, String> {
    if depth > 4 {
        return Err("redis: reply nested too deep".into());
    }
    let line = read_line(reader)?;
    let (kind, rest) = line.split_at_checked(1).ok_or("redis: empty reply")?;
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| format!("redis: bad length {rest:?}"))
    };
    Ok(match kind {
        "+" => Reply::Simple(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Integer(number()?),
        "$" => match usize::try_from(number()?) {
            Err(_) => Reply::Nil,
            Ok(len) if len > MAX_REPLY => return Err("redis: reply too long".into()),
            Ok(len) => {
                let mut data = vec![0; len + 2];
                reader
                    .read_exact(&mut data)
                    .map_err(|e| format!("redis: {e}"))?;
                data.truncate(len);
                Reply::Bulk(data)
            }
        },
        "*" => match usize::try_from(number()?) {
            Err(_) => Reply::Nil,
            Ok(len) if len > 10_000 => return Err("redis: array too long".into()),
            Ok(len) => Reply::Array(
                (0..len)
                    .map(|_| read_reply(reader, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
        },
        _ => return Err(format!("redis: unknown reply type {kind:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_replies() {
        let mut input: &[u8] = b"*3\r\n$2\r\nhi\r\n:-5\r\n$-1\r\n+OK\r\n";
        assert_eq!(
            read_reply(&mut input, 0).unwrap(),
            Reply::Array(vec![
                Reply::Bulk(b"hi".to_vec()),
                Reply::Integer(-5),
                Reply::Nil
            ])
        );
        assert_eq!(
            read_reply(&mut input, 0).unwrap(),
            Reply::Simple("OK".into())
        );
        assert!(read_reply(&mut &b"$5\r\nab"[..], 0).is_err());
    }
}
