//! [`RedisStore`]: sessions in Redis (or Valkey), single server, TLS or cluster, shared by
//! every replica of the application.
//!
//! See [`RedisStore`] for the key layout, the order of writes, what a dump holds, failures
//! and URLs.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, Script, TlsCertificates, Value};
use tokio::sync::OnceCell;

use super::config::{StoreConfigError, scheme_of};
use super::{
    Record, SessionStore, StoreError, StoreErrorKind, StoreFuture, StoreKey, Updated, Versioned,
};

/// Default key prefix.
const DEFAULT_PREFIX: &str = "feide-tower";
/// Default command timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// Bounds of the command timeout: shorter would fail on a busy loopback, longer would hold
/// requests (and their connections) for seconds when Redis hangs.
const MIN_TIMEOUT: Duration = Duration::from_millis(10);
const MAX_TIMEOUT: Duration = Duration::from_secs(5);
/// The most session keys one subject or `sid` lists (a user with more sessions than this has a
/// runaway client; the rest expire on their own).
const MAX_LISTED: isize = 10_000;
/// Expiry times are clamped to this (far beyond any session) so that they stay exact in Redis's
/// double-precision scores and in `EXPIREAT`.
const MAX_EXPIRES_AT: u64 = 1 << 52;

/// Insert: `KEYS[1]` record; `ARGV` data, expiry, subject hex, sid hex or "", caller's now.
/// 1 written, 0 taken. A record past its expiry (by Redis's clock or the caller's, whichever is
/// later) counts as absent, as it does for `load`.
const INSERT: &str = r"
local now = math.max(tonumber(redis.call('TIME')[1]), tonumber(ARGV[5]))
local e = redis.call('HGET', KEYS[1], 'e')
if e and (tonumber(e) or 0) > now then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'v', '1', 'e', ARGV[2], 'u', ARGV[3], 'i', ARGV[4])
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return 1
";

/// Compare-and-swap: `KEYS[1]` record; `ARGV` expected version, data, expiry, subject, sid,
/// caller's now. -1 gone (missing or expired: never re-created), -2 another version, else the
/// new version.
const UPDATE: &str = r"
local f = redis.call('HMGET', KEYS[1], 'v', 'e')
local v = f[1]
if not v then return -1 end
local now = math.max(tonumber(redis.call('TIME')[1]), tonumber(ARGV[6]))
if (tonumber(f[2]) or 0) <= now then
  redis.call('DEL', KEYS[1])
  return -1
end
if v ~= ARGV[1] then return -2 end
local n = tonumber(v)
if not n then return -3 end
n = n + 1
local s = string.format('%d', n)
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'v', s, 'e', ARGV[3], 'u', ARGV[4], 'i', ARGV[5])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return n
";

/// Index entry: `KEYS[1]` sorted set; `ARGV` member, expiry. Prunes expired members (Redis's
/// clock, like `EXPIREAT`), raises (never lowers) the member's score, and keeps the set until
/// its latest member expires.
const INDEX: &str = r"
local now = redis.call('TIME')[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then redis.call('EXPIREAT', KEYS[1], top[2]) end
return 1
";

/// Delete: `KEYS[1]` record; `ARGV` caller's now. `{deleted a live record (0/1), subject hex,
/// sid hex}`.
const DELETE: &str = r"
local f = redis.call('HMGET', KEYS[1], 'u', 'i', 'e')
local n = redis.call('DEL', KEYS[1])
local now = math.max(tonumber(redis.call('TIME')[1]), tonumber(ARGV[1]))
if (tonumber(f[3]) or 0) <= now then n = 0 end
return {n, f[1] or '', f[2] or ''}
";

/// Builds a [`RedisStore`]; see [`RedisStore`] for URLs and key layout.
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
    ca_pem: Option<Vec<u8>>,
    ca_file: Option<PathBuf>,
}

impl fmt::Debug for RedisStoreBuilder {
    // The URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &redact(&self.url))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "set"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl RedisStoreBuilder {
    /// The prefix of every key (default `feide-tower`): 1 to 64 printable ASCII characters
    /// without braces or spaces. Applications sharing one Redis use different prefixes.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one command (connecting included) may take before it fails with
    /// [`StoreErrorKind::Timeout`]: default 250 ms, between 10 ms and 5 s.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trusts the CA certificate(s) in `pem` (PEM text) for a `rediss://` URL, instead of the
    /// system's roots.
    pub fn ca_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// As [`ca_certificate_pem`](Self::ca_certificate_pem), read from `path` by
    /// [`build`](Self::build).
    pub fn ca_certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// The store. Checks the configuration but does not contact Redis (it connects on first
    /// use); an error names what is wrong, never the password.
    pub fn build(self) -> Result<RedisStore, StoreConfigError> {
        let parsed = Parsed::new(&self.url)?;
        let shown = parsed.redacted.clone();
        let fail = |what: &str| StoreConfigError::new(format!("{shown}: {what}"));
        check_prefix(&self.prefix).map_err(|what| fail(&what))?;
        if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&self.timeout) {
            return Err(fail(&format!(
                "command timeout {:?} out of bounds ({MIN_TIMEOUT:?} to {MAX_TIMEOUT:?})",
                self.timeout
            )));
        }
        let ca = match (self.ca_pem, &self.ca_file) {
            (Some(_), Some(_)) => {
                return Err(fail("both a CA certificate and a CA file were given"));
            }
            (Some(pem), None) => Some(pem),
            (None, Some(path)) => Some(std::fs::read(path).map_err(|e| {
                fail(&format!(
                    "cannot read CA file {}: {}",
                    path.display(),
                    e.kind()
                ))
            })?),
            (None, None) => None,
        };
        if ca.is_some() && !parsed.tls {
            return Err(fail(
                "a CA certificate was given but the URL is not TLS (use rediss:// or rediss+cluster://)",
            ));
        }
        if parsed.tls {
            install_crypto_provider();
        }
        let certs = ca.map(|pem| TlsCertificates {
            client_tls: None,
            root_cert: Some(pem),
        });
        let target = if parsed.cluster {
            let mut builder = ClusterClientBuilder::new(parsed.node_urls.clone())
                .connection_timeout(self.timeout)
                .response_timeout(self.timeout)
                .retries(2)
                .min_retry_wait(10)
                .max_retry_wait(100);
            if let Some(certs) = certs {
                builder = builder.certs(certs);
            }
            let client = builder
                .build()
                .map_err(|e| fail(&config_problem("cluster configuration", &e)))?;
            Target::Cluster(Box::new(client))
        } else {
            let url = parsed.node_urls.first().cloned().unwrap_or_default();
            let client = match certs {
                Some(certs) => redis::Client::build_with_tls(url, certs),
                None => redis::Client::open(url),
            }
            .map_err(|e| fail(&config_problem("server configuration", &e)))?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(self.timeout))
                .set_response_timeout(Some(self.timeout))
                .set_number_of_retries(1)
                .set_min_delay(Duration::from_millis(10))
                .set_max_delay(Duration::from_millis(100));
            Target::Single(client, config)
        };
        Ok(RedisStore {
            inner: Arc::new(Inner {
                target,
                conn: OnceCell::new(),
                prefix: self.prefix,
                timeout: self.timeout,
                shown,
                insert: Script::new(INSERT),
                update: Script::new(UPDATE),
                index: Script::new(INDEX),
                delete: Script::new(DELETE),
            }),
        })
    }
}

/// Sessions in Redis or Valkey (single server, TLS, or cluster): the store for replicated
/// applications. Cloning is cheap and shares the connection.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use feide_tower::store::{RedisStore, SessionStore};
///
/// // Does not connect yet: the application starts even while Redis is down.
/// let store = RedisStore::builder("redis://127.0.0.1:6379/0")
///     .key_prefix("my-app")
///     .command_timeout(Duration::from_millis(250))
///     .build()
///     .expect("a valid configuration");
/// let store: Arc<dyn SessionStore> = Arc::new(store);
/// # let _ = store;
///
/// // A password is never shown in an error.
/// let err = RedisStore::builder("redis://app:hunter2@host:notaport").build().unwrap_err();
/// assert!(!err.to_string().contains("hunter2"));
/// ```
///
/// # Key layout
///
/// With the default prefix `feide-tower` (see [`RedisStoreBuilder::key_prefix`]), and `<hex>`
/// the 64 hex digits of a [`StoreKey`]:
///
/// | Key | Type | Holds |
/// |---|---|---|
/// | `feide-tower:s:{<hex>}` | hash | one session: `d` (sealed data), `v` (version), `e` (expiry, Unix seconds), `u` (subject key), `i` (sid key or empty) |
/// | `feide-tower:u:{<hex>}` | sorted set | the session keys of one subject, scored by their expiry |
/// | `feide-tower:i:{<hex>}` | sorted set | the session keys with one provider `sid`, scored by their expiry |
///
/// Every key carries its own hash tag (`{…}`), so in a cluster each key lives whole in one slot
/// and each script touches one key. A session's record and its index entries may live in
/// different slots, so they cannot change in one transaction; the order of writes keeps the one
/// invariant that matters:
///
/// * **Indexes first, then the record.** An insert or update first adds (or raises the score of)
///   the session in its subject's and sid's sets, and only then writes the record. A record is
///   therefore never without its index entries (at any instant, even if this process dies
///   between the two writes), so logout by subject or by `sid` always finds it. The opposite
///   leftover, an index entry whose record is gone (or belongs to another subject), is
///   harmless: listing checks every member against its record and skips it, and it is pruned
///   when its score (expiry) passes. A score is only ever raised, never lowered.
/// * Every write re-applies the absolute expiry: `EXPIREAT` on the record, and on each index
///   set the latest expiry of its members.
/// * An update is one Lua script on the record's key: missing → [`Updated::Gone`] (it never
///   re-creates), another version → [`Updated::Conflict`], else write and bump the version.
/// * A record is past its expiry when the later of Redis's clock and this process's says so:
///   what [`load`](SessionStore::load) calls gone, an update calls [`Updated::Gone`] and an
///   insert may replace, even in the instant before Redis drops the key itself.
///
/// # What a dump of Redis contains
///
/// Keyed hashes (HMAC-SHA256 under a key derived from `APP_SECRET_KEY`) of session ids,
/// subjects and `sid`s, records sealed with AES-256-GCM, versions and expiry times. Nothing in
/// it is a cookie, a token or a user id, and nothing can be turned into one without the app key.
///
/// # Failures
///
/// Every command runs under the command timeout (default 250 ms, see
/// [`RedisStoreBuilder::command_timeout`]), the connection included:
///
/// * no answer in time → [`StoreErrorKind::Timeout`];
/// * cannot connect, connection lost, cluster down, server error → [`StoreErrorKind::Unavailable`];
/// * an answer of the wrong shape → [`StoreErrorKind::Protocol`].
///
/// An operation is one to three commands (insert and update: the index entries, then the
/// record; a listing: the index, then one check per listed session, concurrently), each under
/// the timeout. After a delete, removing the index entries is best effort: a leftover entry is
/// skipped by listings and pruned at its expiry.
///
/// An operation never answers "nothing there" for a failure. [`RedisStoreBuilder::build`] does
/// not contact Redis: the store connects on first use, so the application starts while Redis is
/// down, and reconnects by itself after Redis comes back (the first commands after that may
/// still fail while the connection is re-established). Error messages name the operation and
/// the server address, never a key, a record or a password.
///
/// # URLs
///
/// * `redis://[user:password@]host[:port][/db]`: one server (port 6379 by default).
/// * `rediss://…`: the same over TLS, verified against the system's roots, or against the CA
///   of [`RedisStoreBuilder::ca_certificate_pem`] / [`ca_certificate_file`](RedisStoreBuilder::ca_certificate_file).
/// * `redis+cluster://[user:password@]host1:port1,host2:port2,…` and `rediss+cluster://…`: a
///   Redis Cluster, discovered from any of the listed nodes (database 0 only).
///
/// User name and password are percent-encoded as in any URL. Fragments (such as redis-rs's
/// `#insecure`) and query strings are refused: TLS is always verified. For TLS, when the
/// application has installed no process-wide rustls crypto provider, [`build`](RedisStoreBuilder::build)
/// installs aws-lc-rs (the library's own) as that default.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    target: Target,
    conn: OnceCell<Conn>,
    prefix: String,
    timeout: Duration,
    /// The URL without user information, for messages.
    shown: String,
    insert: Script,
    update: Script,
    index: Script,
    delete: Script,
}

// One per store, behind its Arc: size does not matter.
#[allow(clippy::large_enum_variant)]
enum Target {
    Single(redis::Client, ConnectionManagerConfig),
    Cluster(Box<ClusterClient>),
}

/// A connection that reconnects by itself.
#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.inner.shown)
            .field("prefix", &self.inner.prefix)
            .field("timeout", &self.inner.timeout)
            .field("connected", &self.inner.conn.initialized())
            .finish()
    }
}

impl RedisStore {
    /// A builder for the store at `url` (see [URLs](RedisStore#urls) for the forms).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            ca_pem: None,
            ca_file: None,
        }
    }

    fn record_key(&self, key: &StoreKey) -> String {
        format!("{}:s:{{{}}}", self.inner.prefix, key.to_hex())
    }

    fn subject_key(&self, subject: &StoreKey) -> String {
        format!("{}:u:{{{}}}", self.inner.prefix, subject.to_hex())
    }

    fn sid_key(&self, sid: &StoreKey) -> String {
        format!("{}:i:{{{}}}", self.inner.prefix, sid.to_hex())
    }

    fn error(&self, kind: StoreErrorKind, op: &str, what: &str) -> StoreError {
        StoreError::new(kind, format!("{op} at {}: {what}", self.inner.shown))
    }

    /// The shared connection, connecting on first use (no timeout here: the caller's).
    async fn conn(&self, op: &str) -> Result<Conn, StoreError> {
        let inner = &self.inner;
        let conn = inner
            .conn
            .get_or_try_init(|| async {
                match &inner.target {
                    Target::Single(client, config) => {
                        ConnectionManager::new_with_config(client.clone(), config.clone())
                            .await
                            .map(Conn::Single)
                    }
                    Target::Cluster(client) => {
                        client.get_async_connection().await.map(Conn::Cluster)
                    }
                }
                .map_err(|e| self.redis_error(op, "connect", &e))
            })
            .await?;
        Ok(conn.clone())
    }

    /// Runs `command` (on the shared connection) under the command timeout.
    async fn run<F, Fut>(&self, op: &str, command: F) -> Result<Value, StoreError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = Result<Value, RedisError>>,
    {
        let attempt = async {
            let conn = self.conn(op).await?;
            command(conn)
                .await
                .map_err(|e| self.redis_error(op, "command", &e))
        };
        match tokio::time::timeout(self.inner.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(self.error(
                StoreErrorKind::Timeout,
                op,
                &format!("no answer within {:?}", self.inner.timeout),
            )),
        }
    }

    async fn script(
        &self,
        op: &str,
        script: &Script,
        key: String,
        args: &[&[u8]],
    ) -> Result<Value, StoreError> {
        self.run(op, |mut conn| async move {
            let mut invocation = script.key(key);
            for arg in args {
                invocation.arg(*arg);
            }
            invocation.invoke_async::<Value>(&mut conn).await
        })
        .await
    }

    async fn command(&self, op: &str, cmd: Cmd) -> Result<Value, StoreError> {
        self.run(op, |mut conn| async move {
            cmd.query_async::<Value>(&mut conn).await
        })
        .await
    }

    fn redis_error(&self, op: &str, stage: &str, error: &RedisError) -> StoreError {
        // The kind only: redis-rs's detail can quote server replies.
        let (kind, what) = if error.is_timeout() {
            (StoreErrorKind::Timeout, "timed out".to_owned())
        } else {
            match error.kind() {
                ErrorKind::Parse
                | ErrorKind::UnexpectedReturnType
                | ErrorKind::RESP3NotSupported => {
                    (StoreErrorKind::Protocol, format!("{:?}", error.kind()))
                }
                ErrorKind::Io => (
                    StoreErrorKind::Unavailable,
                    if error.is_connection_refusal() {
                        "connection refused".to_owned()
                    } else if error.is_connection_dropped() {
                        "connection lost".to_owned()
                    } else {
                        "I/O error".to_owned()
                    },
                ),
                other => (StoreErrorKind::Unavailable, format!("{other:?}")),
            }
        };
        self.error(kind, op, &format!("{stage}: {what}"))
    }

    /// Adds (or raises) `member` in the index set `index` until `expires_at`.
    async fn index(
        &self,
        op: &str,
        index: String,
        member: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let reply = self
            .script(
                op,
                &self.inner.index,
                index,
                &[member.as_bytes(), expires_at.as_bytes()],
            )
            .await?;
        match reply {
            Value::Int(1) => Ok(()),
            _ => Err(self.error(StoreErrorKind::Protocol, op, "unexpected index reply")),
        }
    }

    /// Writes the index entries of `key` for `record` (before the record: see the module docs).
    async fn index_record(
        &self,
        op: &str,
        key: &StoreKey,
        record: &Record,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let member = key.to_hex();
        self.index(op, self.subject_key(&record.subject), &member, expires_at)
            .await?;
        if let Some(sid) = &record.sid {
            self.index(op, self.sid_key(sid), &member, expires_at)
                .await?;
        }
        Ok(())
    }

    /// The live keys in the index set `index` whose record's field `field` is `of`.
    async fn list(
        &self,
        op: &str,
        index: String,
        field: &'static str,
        of: &StoreKey,
    ) -> Result<Vec<StoreKey>, StoreError> {
        let mut range = redis::cmd("ZRANGE");
        range.arg(index).arg(0).arg(MAX_LISTED - 1);
        let members = match self.command(op, range).await? {
            Value::Array(members) => members,
            _ => return Err(self.error(StoreErrorKind::Protocol, op, "unexpected index reply")),
        };
        // A member that is not a key is skipped: it cannot name a record this store wrote.
        let candidates: Vec<StoreKey> = members
            .iter()
            .filter_map(|m| match m {
                Value::BulkString(bytes) => {
                    std::str::from_utf8(bytes).ok().and_then(StoreKey::from_hex)
                }
                _ => None,
            })
            .collect();
        let wanted = of.to_hex();
        let checks = candidates.iter().map(|key| {
            let mut get = redis::cmd("HMGET");
            get.arg(self.record_key(key)).arg(field).arg("e");
            let wanted = &wanted;
            async move {
                let reply = self.command(op, get).await?;
                let belongs = match &reply {
                    // Belongs to `of`, and not past its expiry (as `load` sees it).
                    Value::Array(fields) => match fields.as_slice() {
                        [Value::BulkString(value), expires_at] => {
                            value == wanted.as_bytes()
                                && parse_u64(expires_at).is_some_and(|e| now() < e)
                        }
                        [Value::Nil, _] => false,
                        _ => {
                            return Err(self.error(
                                StoreErrorKind::Protocol,
                                op,
                                "unexpected record reply",
                            ));
                        }
                    },
                    _ => {
                        return Err(self.error(
                            StoreErrorKind::Protocol,
                            op,
                            "unexpected record reply",
                        ));
                    }
                };
                Ok(belongs.then_some(*key))
            }
        });
        let mut live = Vec::new();
        for checked in join_all(checks).await {
            live.extend(checked?);
        }
        Ok(live)
    }

    /// Deletes the record under `key` and its index entries; whether it existed.
    async fn delete_one(&self, op: &str, key: &StoreKey) -> Result<bool, StoreError> {
        let reply = self
            .script(
                op,
                &self.inner.delete,
                self.record_key(key),
                &[now().to_string().as_bytes()],
            )
            .await?;
        let Value::Array(parts) = reply else {
            return Err(self.error(StoreErrorKind::Protocol, op, "unexpected delete reply"));
        };
        let (deleted, subject, sid) = match parts.as_slice() {
            [Value::Int(n), subject, sid] => (*n == 1, hex_key(subject), hex_key(sid)),
            _ => return Err(self.error(StoreErrorKind::Protocol, op, "unexpected delete reply")),
        };
        // The record is gone: what follows only tidies the indexes (a leftover entry is skipped
        // by listings and pruned at its expiry), so its failure does not fail the delete.
        let member = key.to_hex();
        for index in [
            subject.map(|s| self.subject_key(&s)),
            sid.map(|s| self.sid_key(&s)),
        ]
        .into_iter()
        .flatten()
        {
            let mut rem = redis::cmd("ZREM");
            rem.arg(index).arg(&member);
            if let Err(error) = self.command(op, rem).await {
                tracing::debug!(%error, "session store: index entry left for expiry");
            }
        }
        Ok(deleted)
    }

    async fn delete_listed(&self, op: &str, keys: Vec<StoreKey>) -> Result<u64, StoreError> {
        let mut count = 0u64;
        for deleted in join_all(keys.iter().map(|key| self.delete_one(op, key))).await {
            if deleted? {
                count = count.saturating_add(1);
            }
        }
        Ok(count)
    }
}

/// A [`StoreKey`] from a hex bulk string; `None` for anything else (an empty sid included).
fn hex_key(value: &Value) -> Option<StoreKey> {
    match value {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).ok().and_then(StoreKey::from_hex),
        _ => None,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn parse_u64(value: &Value) -> Option<u64> {
    match value {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).ok()?.parse().ok(),
        Value::Int(n) => u64::try_from(*n).ok(),
        _ => None,
    }
}

/// A loaded record from `HMGET d v e u i`; `Ok(None)` when there is none.
fn parse_record(fields: &[Value]) -> Result<Option<Versioned>, ()> {
    let [data, version, expires_at, subject, sid] = fields else {
        return Err(());
    };
    let data = match data {
        Value::Nil => return Ok(None),
        Value::BulkString(bytes) => bytes.clone(),
        _ => return Err(()),
    };
    let version = parse_u64(version).ok_or(())?;
    let expires_at = parse_u64(expires_at).ok_or(())?;
    let subject = hex_key(subject).ok_or(())?;
    let sid = match sid {
        Value::BulkString(bytes) if bytes.is_empty() => None,
        other => Some(hex_key(other).ok_or(())?),
    };
    Ok(Some(Versioned {
        record: Record {
            data,
            subject,
            sid,
            expires_at,
        },
        version,
    }))
}

impl SessionStore for RedisStore {
    fn insert<'a>(&'a self, key: &'a StoreKey, record: &'a Record) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let op = "insert";
            let expires_at = record.expires_at.min(MAX_EXPIRES_AT).to_string();
            self.index_record(op, key, record, &expires_at).await?;
            let subject = record.subject.to_hex();
            let sid = record.sid.map(|s| s.to_hex()).unwrap_or_default();
            let reply = self
                .script(
                    op,
                    &self.inner.insert,
                    self.record_key(key),
                    &[
                        &record.data,
                        expires_at.as_bytes(),
                        subject.as_bytes(),
                        sid.as_bytes(),
                        now().to_string().as_bytes(),
                    ],
                )
                .await?;
            match reply {
                Value::Int(1) => Ok(()),
                Value::Int(0) => Err(StoreError::new(
                    StoreErrorKind::Conflict,
                    "insert: the key exists",
                )),
                _ => Err(self.error(StoreErrorKind::Protocol, op, "unexpected insert reply")),
            }
        })
    }

    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<Versioned>> {
        Box::pin(async move {
            let op = "load";
            let mut get = redis::cmd("HMGET");
            get.arg(self.record_key(key))
                .arg(&["d", "v", "e", "u", "i"]);
            let Value::Array(fields) = self.command(op, get).await? else {
                return Err(self.error(StoreErrorKind::Protocol, op, "unexpected reply"));
            };
            let found = parse_record(&fields)
                .map_err(|()| self.error(StoreErrorKind::Protocol, op, "malformed record"))?;
            // Redis forgets the record at its expiry; this also holds if Redis's clock is late.
            Ok(found.filter(|v| now() < v.record.expires_at))
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a StoreKey,
        expected: u64,
        record: &'a Record,
    ) -> StoreFuture<'a, Updated> {
        Box::pin(async move {
            let op = "update";
            let expires_at = record.expires_at.min(MAX_EXPIRES_AT).to_string();
            self.index_record(op, key, record, &expires_at).await?;
            let expected = expected.to_string();
            let subject = record.subject.to_hex();
            let sid = record.sid.map(|s| s.to_hex()).unwrap_or_default();
            let reply = self
                .script(
                    op,
                    &self.inner.update,
                    self.record_key(key),
                    &[
                        expected.as_bytes(),
                        &record.data,
                        expires_at.as_bytes(),
                        subject.as_bytes(),
                        sid.as_bytes(),
                        now().to_string().as_bytes(),
                    ],
                )
                .await?;
            match reply {
                Value::Int(-1) => Ok(Updated::Gone),
                Value::Int(-2) => Ok(Updated::Conflict),
                Value::Int(n) if n > 1 => Ok(Updated::Written(n.unsigned_abs())),
                _ => Err(self.error(StoreErrorKind::Protocol, op, "unexpected update reply")),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, bool> {
        Box::pin(self.delete_one("delete", key))
    }

    fn list_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>> {
        Box::pin(self.list("list_by_subject", self.subject_key(subject), "u", subject))
    }

    fn delete_by_subject<'a>(&'a self, subject: &'a StoreKey) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let op = "delete_by_subject";
            let keys = self
                .list(op, self.subject_key(subject), "u", subject)
                .await?;
            self.delete_listed(op, keys).await
        })
    }

    fn list_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, Vec<StoreKey>> {
        Box::pin(self.list("list_by_sid", self.sid_key(sid), "i", sid))
    }

    fn delete_by_sid<'a>(&'a self, sid: &'a StoreKey) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let op = "delete_by_sid";
            let keys = self.list(op, self.sid_key(sid), "i", sid).await?;
            self.delete_listed(op, keys).await
        })
    }

    /// `PING` on the connection sessions use, under the command timeout (connecting
    /// included). In a cluster the client sends it to **every primary** it knows and succeeds
    /// only if all of them answer: sessions are spread over every slot, so one unreachable
    /// primary already fails some users' requests, and "some node answers" would report a store
    /// as up while it is not. (A primary replaced by a failover is found by the client's
    /// topology refresh, so a completed failover reads as up again.)
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let op = "ping";
            match self.command(op, redis::cmd("PING")).await? {
                Value::SimpleString(pong) if pong.eq_ignore_ascii_case("PONG") => Ok(()),
                Value::Okay => Ok(()),
                _ => Err(self.error(StoreErrorKind::Protocol, op, "unexpected reply")),
            }
        })
    }
}

/// rustls needs a crypto provider; redis-rs asks for the process default. Installs aws-lc-rs
/// (the library's provider) unless the application installed one.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

fn check_prefix(prefix: &str) -> Result<(), String> {
    let ok = !prefix.is_empty()
        && prefix.len() <= 64
        && prefix
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'{' && b != b'}');
    if ok {
        Ok(())
    } else {
        Err(
            "the key prefix must be 1 to 64 printable ASCII characters, without braces or spaces"
                .to_owned(),
        )
    }
}

/// What redis-rs refused in a configuration, without its detail (which may quote the URL).
fn config_problem(what: &str, error: &RedisError) -> String {
    format!("invalid {what} ({:?})", error.kind())
}

/// `url` with any user information replaced by `***`, for messages.
fn redact(url: &str) -> String {
    match Parsed::new(url) {
        Ok(parsed) => parsed.redacted,
        Err(_) => match scheme_of(url) {
            Some(scheme) => format!(
                "{}://…",
                scheme
                    .chars()
                    .filter(char::is_ascii_graphic)
                    .take(20)
                    .collect::<String>()
            ),
            None => "…".to_owned(),
        },
    }
}

/// A store URL taken apart.
struct Parsed {
    tls: bool,
    cluster: bool,
    /// One `redis://` or `rediss://` URL per node, with the user information as given.
    node_urls: Vec<String>,
    /// The URL with user information replaced by `***`.
    redacted: String,
}

impl Parsed {
    fn new(url: &str) -> Result<Self, StoreConfigError> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            StoreConfigError::new("a Redis URL starts with redis://, rediss://, redis+cluster:// or rediss+cluster://")
        })?;
        let scheme = scheme.to_ascii_lowercase();
        let (tls, cluster) = match scheme.as_str() {
            "redis" => (false, false),
            "rediss" => (true, false),
            "redis+cluster" => (false, true),
            "rediss+cluster" => (true, true),
            _ => {
                return Err(StoreConfigError::new(
                    "a Redis URL starts with redis://, rediss://, redis+cluster:// or rediss+cluster://",
                ));
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        // user:password@hosts (the password may contain '@' only percent-encoded, but take the
        // last one to be safe).
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((userinfo, hosts)) => (Some(userinfo), hosts),
            None => (None, authority),
        };
        let shown_hosts: String = hosts
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(200)
            .collect();
        let redacted = format!(
            "{scheme}://{}{shown_hosts}{}",
            if userinfo.is_some() { "***@" } else { "" },
            path.chars()
                .filter(|c| c.is_ascii_graphic())
                .take(40)
                .collect::<String>()
        );
        let fail = |what: &str| StoreConfigError::new(format!("{redacted}: {what}"));
        if path.contains(['?', '#']) || hosts.contains(['?', '#']) {
            return Err(fail(
                "query strings and fragments (such as #insecure) are not accepted",
            ));
        }
        let db = match path.trim_start_matches('/') {
            "" => None,
            db => match db.parse::<u16>() {
                Ok(n) => Some(n),
                Err(_) => return Err(fail("the path must be a database number")),
            },
        };
        if cluster && db.is_some_and(|n| n != 0) {
            return Err(fail("a Redis Cluster has database 0 only"));
        }
        let nodes: Vec<&str> = hosts.split(',').map(str::trim).collect();
        if nodes.iter().any(|n| n.is_empty()) {
            return Err(fail("an empty host"));
        }
        if !cluster && nodes.len() != 1 {
            return Err(fail(
                "one host for redis:// and rediss:// (use redis+cluster:// for a cluster)",
            ));
        }
        let base = if tls { "rediss" } else { "redis" };
        let mut node_urls = Vec::with_capacity(nodes.len());
        for node in nodes {
            let node_url = format!(
                "{base}://{}{node}{}",
                userinfo.map(|u| format!("{u}@")).unwrap_or_default(),
                match db {
                    Some(n) if !cluster => format!("/{n}"),
                    _ => String::new(),
                }
            );
            // Checks host and port the way redis-rs will read them.
            let parsed = url::Url::parse(&node_url)
                .map_err(|e| fail(&format!("a host is not host[:port] ({e})")))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(fail("a host is missing"));
            }
            node_urls.push(node_url);
        }
        Ok(Self {
            tls,
            cluster,
            node_urls,
            redacted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_without_showing_passwords() {
        for bad in [
            "redis://u:hunter2@host:notaport",
            "redis://u:hunter2@h1:1,h2:2",
            "redis+cluster://u:hunter2@h1:1,h2:2/3",
            "rediss://u:hunter2@host:6379#insecure",
            "redis://u:hunter2@host:6379?protocol=resp3",
            "redis://u:hunter2@host:6379/x",
            "redis://u:hunter2@",
            "http://u:hunter2@host",
        ] {
            let err = RedisStore::builder(bad).build().unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{bad}: {err}");
        }
        let builder = RedisStore::builder("redis://u:hunter2@host:1");
        assert!(!format!("{builder:?}").contains("hunter2"));
    }

    #[test]
    fn config_is_checked_at_build() {
        assert!(
            RedisStore::builder("redis://127.0.0.1:1")
                .ca_certificate_pem(b"pem".to_vec())
                .build()
                .is_err()
        );
        assert!(
            RedisStore::builder("redis://127.0.0.1:1")
                .key_prefix("a{b}")
                .build()
                .is_err()
        );
        assert!(
            RedisStore::builder("redis://127.0.0.1:1")
                .command_timeout(Duration::from_secs(60))
                .build()
                .is_err()
        );
        let err = RedisStore::builder("rediss://127.0.0.1:1")
            .ca_certificate_file("/nonexistent/ca.pem")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
        let parsed = Parsed::new("rediss+cluster://u:p%40ss@h1:7000, h2:7001").unwrap();
        assert_eq!(
            parsed.node_urls,
            ["rediss://u:p%40ss@h1:7000", "rediss://u:p%40ss@h2:7001"]
        );
        assert!(parsed.tls && parsed.cluster);
        assert!(!parsed.redacted.contains("p%40ss"));
        assert!(RedisStore::builder("redis://localhost/2").build().is_ok());
        assert!(
            RedisStore::builder("redis+cluster://a:1,b:2")
                .build()
                .is_ok()
        );
    }
}
