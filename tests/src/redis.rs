//! Real Redis servers for tests: Debian's `redis-server` on free loopback ports, each in its own
//! temporary directory ([`RedisServer`]: plain, AOF, TLS; [`RedisCluster`]: a 3-node cluster).
//!
//! When `/usr/bin/redis-server` is missing, the first server installs it with `apt-get` (as
//! root; otherwise it panics saying what to install), as `.ci/run` does. Every wait polls a
//! condition under a deadline; nothing sleeps a fixed time.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where Debian installs the server.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// Where Debian installs the client (package `redis-tools`, a dependency of `redis-server`).
pub const REDIS_CLI: &str = "/usr/bin/redis-cli";

/// How long a server may take to answer `PING` after it starts.
const READY: Duration = Duration::from_secs(20);

/// Makes sure `redis-server` is installed (as root: `apt-get install -y redis-server` when
/// missing). Panics with the reason.
pub fn ensure_installed() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        if Path::new(REDIS_SERVER).exists() && Path::new(REDIS_CLI).exists() {
            return Ok(());
        }
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        if uid != "0" {
            return Err(format!(
                "{REDIS_SERVER} is missing and this is not root: run `sudo apt-get install -y redis-server`"
            ));
        }
        for args in [&["update"][..], &["install", "-y", "redis-server"][..]] {
            let status = Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status()
                .map_err(|e| format!("`apt-get {}`: {e}", args.join(" ")))?;
            if !status.success() {
                return Err(format!("`apt-get {}` failed: {status}", args.join(" ")));
            }
        }
        if Path::new(REDIS_SERVER).exists() {
            Ok(())
        } else {
            Err(format!("apt-get succeeded but {REDIS_SERVER} is still missing"))
        }
    });
    if let Err(reason) = result {
        panic!("Redis test fixture: {reason}");
    }
}

/// A free loopback port, for a store that must find nothing listening.
pub fn unused_port() -> u16 {
    free_port(false)
}

/// A free loopback port (and, with `bus`, `port + 10000` free too, for a cluster node).
fn free_port(bus: bool) -> u16 {
    for _ in 0..200 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        if !bus {
            return port;
        }
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port pair for a cluster node");
}

/// A fresh directory under the system's temp dir, removed by its owner's `Drop`.
fn temp_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "feide-tower-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// Polls `check` until it is true or `deadline` passes; whether it became true.
fn wait_until(deadline: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + deadline;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs one command on the plain port with a short timeout (for fixtures and assertions).
pub fn command(port: u16, args: &[&str]) -> redis::RedisResult<redis::Value> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(1))?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(&mut conn)
}

/// A reply as text (bulk, simple or verbatim string; empty for anything else).
pub fn text(value: &redis::Value) -> String {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        redis::Value::SimpleString(text) | redis::Value::VerbatimString { text, .. } => {
            text.clone()
        }
        _ => String::new(),
    }
}

/// Whether the server on `port` answers `PING` (a refusal for want of a password is an answer).
fn answers(port: u16) -> bool {
    match command(port, &["PING"]) {
        Ok(redis::Value::SimpleString(s)) => s == "PONG",
        Ok(_) => false,
        Err(e) => !e.is_io_error() && e.code() == Some("NOAUTH"),
    }
}

/// A self-signed CA and a server certificate for `127.0.0.1` and `localhost`, made with the
/// `openssl` command line in `dir`. Returns (CA, server cert, server key) paths.
fn make_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| {
                panic!("Redis TLS fixture: cannot run `openssl` ({e}); install it")
            });
        assert!(
            output.status.success(),
            "Redis TLS fixture: `openssl {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=feide-tower test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

/// One `redis-server` on 127.0.0.1, in its own temporary directory. Killed on drop.
pub struct RedisServer {
    port: u16,
    tls_port: Option<u16>,
    ca_pem: Option<Vec<u8>>,
    dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

/// Options of [`RedisServer::start_with`].
#[derive(Clone, Debug, Default)]
pub struct RedisOptions {
    /// `appendonly yes` and `appendfsync always`: every acknowledged write survives a kill.
    pub aof: bool,
    /// Also listen with TLS (a CA made for the test: [`RedisServer::ca_pem`]).
    pub tls: bool,
    /// Extra `--name value` arguments.
    pub extra: Vec<(String, String)>,
    /// The plain port (default: a free one).
    pub port: Option<u16>,
}

impl RedisServer {
    /// A plain server, no persistence (`--save ""`, `--appendonly no`).
    pub fn start() -> Self {
        Self::start_with(RedisOptions::default())
    }

    /// A server with an append-only file synced on every write.
    pub fn start_aof() -> Self {
        Self::start_with(RedisOptions {
            aof: true,
            ..RedisOptions::default()
        })
    }

    /// A server that also listens with TLS; [`url`](Self::url) is its `rediss://` URL and
    /// [`ca_pem`](Self::ca_pem) the CA to trust.
    pub fn start_tls() -> Self {
        Self::start_with(RedisOptions {
            tls: true,
            ..RedisOptions::default()
        })
    }

    /// A server with `options`, ready (answers `PING`) when this returns.
    pub fn start_with(options: RedisOptions) -> Self {
        ensure_installed();
        let dir = temp_dir("redis");
        let port = options.port.unwrap_or_else(|| free_port(false));
        let mut args: Vec<String> = vec![
            "--port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--dir".into(),
            dir.display().to_string(),
            "--save".into(),
            String::new(),
            "--daemonize".into(),
            "no".into(),
            "--logfile".into(),
            dir.join("redis.log").display().to_string(),
        ];
        if options.aof {
            args.extend(["--appendonly", "yes", "--appendfsync", "always"].map(String::from));
        } else {
            args.extend(["--appendonly", "no"].map(String::from));
        }
        let (mut tls_port, mut ca_pem) = (None, None);
        if options.tls {
            let (ca, cert, key) = make_certificates(&dir);
            let port = free_port(false);
            args.extend([
                "--tls-port".to_owned(),
                port.to_string(),
                "--tls-cert-file".to_owned(),
                cert.display().to_string(),
                "--tls-key-file".to_owned(),
                key.display().to_string(),
                "--tls-ca-cert-file".to_owned(),
                ca.display().to_string(),
                "--tls-auth-clients".to_owned(),
                "no".to_owned(),
            ]);
            tls_port = Some(port);
            ca_pem = Some(fs::read(&ca).expect("read the test CA"));
        }
        for (name, value) in options.extra {
            args.push(format!("--{name}"));
            args.push(value);
        }
        let mut server = Self {
            port,
            tls_port,
            ca_pem,
            dir,
            args,
            child: None,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new(REDIS_SERVER)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {REDIS_SERVER}: {e}"));
        self.child = Some(child);
        let port = self.port;
        if !wait_until(READY, || answers(port)) {
            let log = fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
            panic!("redis-server on port {port} not ready within {READY:?}; log:\n{log}");
        }
    }

    /// The URL the store under test uses: `redis://127.0.0.1:<port>`, or
    /// `rediss://127.0.0.1:<tls port>` for a TLS server.
    pub fn url(&self) -> String {
        match self.tls_port {
            Some(port) => format!("rediss://127.0.0.1:{port}"),
            None => self.plain_url(),
        }
    }

    /// The plain (non-TLS) URL, also open on a TLS server (for fixtures and assertions).
    pub fn plain_url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The plain port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The test CA of a TLS server (PEM).
    pub fn ca_pem(&self) -> Option<&[u8]> {
        self.ca_pem.as_deref()
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Runs one command on the plain port.
    pub fn command(&self, args: &[&str]) -> redis::RedisResult<redis::Value> {
        command(self.port, args)
    }

    /// SIGKILL, and waits for the process to be gone (nothing is flushed that was not already).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server cleanly (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "TERM");
            let until = Instant::now() + READY;
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= until => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
    }

    /// Starts it again on the same port(s) and directory (with AOF, the data is back); kills
    /// it first if it runs.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// SIGSTOP: the server keeps its connections but answers nothing (a hung server).
    pub fn pause(&self) {
        if let Some(pid) = self.pid() {
            signal(pid, "STOP");
        }
    }

    /// SIGCONT after [`pause`](Self::pause).
    pub fn resume(&self) {
        if let Some(pid) = self.pid() {
            signal(pid, "CONT");
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status();
}

/// A Redis Cluster of `n` masters (no replicas) on loopback, `cluster_state:ok` on every node
/// when [`start`](Self::start) returns.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts `n` (at least 3) cluster-enabled servers and joins them with
    /// `redis-cli --cluster create`.
    pub fn start(n: usize) -> Self {
        assert!(n >= 3, "a Redis Cluster needs at least 3 masters");
        ensure_installed();
        let nodes: Vec<RedisServer> = (0..n)
            .map(|_| {
                let port = free_port(true);
                // start_with picks its own port: build the node by hand on a port whose bus
                // port is free too.
                Self::node(port)
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let output = Command::new(REDIS_CLI)
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {REDIS_CLI}: {e}"));
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let cluster = Self { nodes };
        cluster.wait_ok();
        cluster
    }

    fn node(port: u16) -> RedisServer {
        let dir = temp_dir("redis-cluster");
        let args: Vec<String> = [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--dir",
            &dir.display().to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "2000",
            "--logfile",
            &dir.join("redis.log").display().to_string(),
        ]
        .map(String::from)
        .to_vec();
        let mut server = RedisServer {
            port,
            tls_port: None,
            ca_pem: None,
            dir,
            args,
            child: None,
        };
        server.spawn();
        server
    }

    /// `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,…`.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        format!("redis+cluster://{}", nodes.join(","))
    }

    /// The nodes.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// SIGKILLs every node.
    pub fn kill_all(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }

    /// Restarts every node (same ports and directories: each finds the cluster again in its
    /// `nodes.conf`) and waits for `cluster_state:ok` everywhere.
    pub fn restart_all(&mut self) {
        for node in &mut self.nodes {
            node.restart();
        }
        self.wait_ok();
    }

    fn wait_ok(&self) {
        for node in &self.nodes {
            let port = node.port;
            let ok = wait_until(READY, || {
                command(port, &["CLUSTER", "INFO"])
                    .is_ok_and(|info| text(&info).contains("cluster_state:ok"))
            });
            assert!(
                ok,
                "cluster node {port} not cluster_state:ok within {READY:?}"
            );
        }
    }
}
