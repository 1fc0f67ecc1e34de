//! The coordinating process: fixtures, server processes, `wrk` rounds, the table.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::fixtures::{ENV_ISSUER, ENV_JWKS, ENV_STORE, Fixtures, MAX_RUN};
use crate::redis_server::{RedisServer, Reply};
use crate::{Settings, Variant};

/// The ratios issues #8 and #15 ask for: (variant, compared with, at least).
const TARGETS: [(Variant, Variant, f64); 4] = [
    (Variant::BearerNoCache, Variant::JwtAuthorizer, 1.15),
    (Variant::BearerCache, Variant::Unprotected, 0.90),
    (Variant::LoginSession, Variant::Unprotected, 0.85),
    (Variant::StoredSession, Variant::Unprotected, 0.85),
];

/// The library's default session touch interval: a stored session's activity is written back
/// once it is this old, so only runs (warm-up included) shorter than it are write-free.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// One `wrk` run.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    requests: u64,
    /// Non-2xx/3xx answers plus socket errors.
    errors: u64,
    /// Server CPU time per request, in microseconds: what a request costs, nearly independent of
    /// what else the machine runs.
    cpu_us: f64,
    /// Stored variants: what Redis did during the run.
    store: Option<StoreSample>,
}

/// Redis's share of a run of (r) or (n).
#[derive(Debug, Clone, Copy)]
struct StoreSample {
    /// Session loads (`HMGET`) per completed request.
    loads_per_request: f64,
    /// Any other command (writes): 0 when nothing on the hot path writes.
    others: u64,
    /// Redis's CPU time per request, in microseconds.
    cpu_us: f64,
}

/// A running server process; killed when dropped.
struct Server {
    variant: Variant,
    port: u16,
    child: Child,
    /// Held open: the server exits when it is closed.
    _stdin: Option<ChildStdin>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the benchmark; `Ok(false)` when a request failed.
pub(crate) fn run(settings: &Settings) -> Result<bool, String> {
    check_wrk()?;
    let pin = |cpu: &Option<String>| -> Option<String> {
        let cpu = cpu.clone()?;
        if Command::new("taskset").arg("-V").output().is_ok() {
            Some(cpu)
        } else {
            eprintln!("load-bench: taskset not found, running unpinned");
            None
        }
    };
    let (server_cpu, client_cpu) = (pin(&settings.server_cpu), pin(&settings.client_cpu));
    let per_run = settings.duration + settings.warmup + Duration::from_secs(2);
    // Every variant but (a) is preceded by a run of (a).
    let runs = (settings.rounds * (2 * settings.variants.len()).saturating_sub(1)) as u32;
    let estimate = per_run * runs + Duration::from_secs(60);
    if estimate > MAX_RUN {
        return Err(format!(
            "{} rounds of {:?} would take about {} s; keep a run under {} s",
            settings.rounds,
            settings.duration,
            estimate.as_secs(),
            MAX_RUN.as_secs()
        ));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    // Started before the servers, stopped after them (declared first, dropped last), also on
    // an error or a panic.
    let redis = if settings.variants.iter().any(|v| v.stored()) {
        Some(RedisServer::start(server_cpu.as_deref())?)
    } else {
        None
    };
    let mut fixtures = runtime.block_on(Fixtures::start(redis.as_ref().map(RedisServer::url)))?;
    println!("{}", machine_line());
    if let Some(redis) = &redis {
        println!("{}", session_footprint(redis, &fixtures, &runtime)?);
    }
    println!(
        "load-bench: {} round(s) x {} variant(s), {} s each after {} s of warm-up, {} connections, server cpu {}, wrk cpu {}",
        settings.rounds,
        settings.variants.len(),
        settings.duration.as_secs(),
        settings.warmup.as_secs(),
        settings.connections,
        server_cpu.as_deref().unwrap_or("any"),
        client_cpu.as_deref().unwrap_or("any"),
    );

    let mut servers = Vec::new();
    for &variant in &settings.variants {
        servers.push(start_server(
            variant,
            &fixtures,
            server_cpu.as_deref(),
            estimate,
        )?);
    }
    for server in &servers {
        let headers = headers(server.variant, &mut fixtures, &runtime)?;
        runtime.block_on(probe(server, &headers))?;
    }

    let wrk = |server: &Server, headers: &[(String, String)], duration: Duration| {
        let redis = redis.as_ref().filter(|_| server.variant.stored());
        let store_before = redis
            .map(|r| Ok::<_, String>((r.counters()?, cpu_ns(r.pid()))))
            .transpose()?;
        let before = cpu_ns(server.child.id());
        let mut sample = run_wrk(
            server.port,
            headers,
            duration,
            settings.connections,
            client_cpu.as_deref(),
        )?;
        let spent = cpu_ns(server.child.id()).saturating_sub(before);
        let per_request = |ns: u64| ns as f64 / 1e3 / sample.requests.max(1) as f64;
        sample.cpu_us = per_request(spent);
        if let (Some(redis), Some((counters, cpu))) = (redis, store_before) {
            let after = redis.counters()?;
            let spent = cpu_ns(redis.pid()).saturating_sub(cpu);
            sample.store = Some(StoreSample {
                loads_per_request: after.loads.saturating_sub(counters.loads) as f64
                    / sample.requests.max(1) as f64,
                others: after.others.saturating_sub(counters.others),
                cpu_us: per_request(spent),
            });
        }
        Ok::<_, String>(sample)
    };
    let mut samples: Vec<(Variant, Vec<Sample>)> =
        settings.variants.iter().map(|&v| (v, Vec::new())).collect();
    // `baselines[i][r]`: req/s of (a) in the run right before variant i's run of round r.
    let mut baselines: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
    let unprotected = servers
        .iter()
        .position(|s| s.variant == Variant::Unprotected);
    let mut measure = |index: usize, round: usize| -> Result<Sample, String> {
        let server = &servers[index];
        let headers = headers(server.variant, &mut fixtures, &runtime)?;
        // Each measured run follows load on the same server, never the previous variant's:
        // on this kind of machine a run right after an RSA-bound one is measurably faster.
        if !settings.warmup.is_zero() {
            wrk(server, &headers, settings.warmup)?;
        }
        let sample = wrk(server, &headers, settings.duration)?;
        let store = sample.store.map_or_else(String::new, |s| {
            format!(
                "  redis: {:.4} loads/req, {} writes, cpu {:.2} µs/req",
                s.loads_per_request, s.others, s.cpu_us
            )
        });
        eprintln!(
            "  round {round} ({}) {:>10.0} req/s  p50 {:>8}  p99 {:>8}  cpu {:>5.2} µs/req  errors {}{store}",
            server.variant.letter(),
            sample.rps,
            micros(sample.p50_us),
            micros(sample.p99_us),
            sample.cpu_us,
            sample.errors
        );
        Ok(sample)
    };
    for round in 1..=settings.rounds {
        // Every round runs every variant, each right after a run of (a): its baseline, measured
        // seconds before it, so that the ratio compares runs the machine treated alike. Each
        // round starts one variant later, so that no variant always runs in the same position.
        let n = servers.len();
        for index in (0..n).map(|i| (i + round - 1) % n) {
            if Some(index) == unprotected {
                continue;
            }
            if let Some(a) = unprotected {
                let baseline = measure(a, round)?;
                samples[a].1.push(baseline);
                baselines[index].push(baseline.rps);
            }
            let sample = measure(index, round)?;
            samples[index].1.push(sample);
        }
        if unprotected.is_some() && n == 1 {
            let sample = measure(0, round)?;
            samples[0].1.push(sample);
        }
    }
    drop(servers);
    drop(redis);
    print_table(&samples, &baselines);
    let errors: u64 = samples.iter().flat_map(|(_, s)| s).map(|s| s.errors).sum();
    let requests: u64 = samples
        .iter()
        .flat_map(|(_, s)| s)
        .map(|s| s.requests)
        .sum();
    if errors > 0 || requests == 0 {
        eprintln!(
            "load-bench: FAILED: {errors} error(s) or non-2xx answers in {requests} requests"
        );
        return Ok(false);
    }
    // A fresh session before each run: no request of a run shorter than the touch interval may
    // write to the store (a write there would be measured as the layer's cost).
    let writes: u64 = samples
        .iter()
        .flat_map(|(_, s)| s)
        .filter_map(|s| s.store)
        .map(|s| s.others)
        .sum();
    if writes > 0 {
        let msg = format!("load-bench: {writes} store write(s) during the runs of (r) and (n)");
        if settings.warmup + settings.duration < TOUCH_INTERVAL {
            eprintln!("{msg}: FAILED (a round must not write)");
            return Ok(false);
        }
        eprintln!("{msg} (runs longer than the touch interval write activity back)");
    }
    println!("load-bench: {requests} requests, 0 errors");
    Ok(true)
}

/// CPU time of process `pid` so far (all its threads), in nanoseconds; 0 if unreadable.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn check_wrk() -> Result<(), String> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => Err("wrk not found: run bench/load/run.sh (installs it with apt-get), or `apt-get install -y wrk`".into()),
    }
}

/// The headers of a variant's requests; the session cookie is sealed afresh for each round, and
/// a stored variant's session comes from a new login.
fn headers(
    variant: Variant,
    fixtures: &mut Fixtures,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<(String, String)>, String> {
    Ok(match variant {
        Variant::StoredSession | Variant::StoredNoCache => {
            vec![("Cookie".into(), runtime.block_on(fixtures.stored_cookie())?)]
        }
        Variant::Unprotected => Vec::new(),
        Variant::BearerNoCache
        | Variant::BearerCache
        | Variant::JwtAuthorizer
        | Variant::PlainWithToken => vec![("Authorization".into(), fixtures.bearer.clone())],
        Variant::LoginSession | Variant::PlainWithCookie => {
            vec![("Cookie".into(), fixtures.session_cookie()?)]
        }
    })
}

fn start_server(
    variant: Variant,
    fixtures: &Fixtures,
    cpu: Option<&str>,
    lifetime: Duration,
) -> Result<Server, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = match cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpu).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    command
        .arg("serve")
        .arg(variant.letter().to_string())
        .arg(lifetime.as_secs().to_string())
        .env(ENV_ISSUER, fixtures.fake.issuer())
        .env(ENV_JWKS, &fixtures.jwks)
        .env(ENV_STORE, fixtures.store_url().unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start server {}: {e}", variant.letter()))?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let mut server = Server {
        variant,
        port: 0,
        child,
        _stdin: stdin,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Some(stdout) = stdout else { return };
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(port) = line.strip_prefix("LISTENING ") {
                let _ = tx.send(port.trim().parse::<u16>().ok());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(port)) => {
            server.port = port;
            Ok(server)
        }
        _ => Err(format!(
            "server {} did not start (see its message above)",
            variant.letter()
        )),
    }
}

/// One request with the variant's credentials must get the hello-world; for the protected
/// variants, one without must be refused (the protection is really on).
async fn probe(server: &Server, headers: &[(String, String)]) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{}/", server.port);
    let client = reqwest::Client::new();
    let mut request = client.get(&url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status != 200 || body != "Hello, World!" {
        return Err(format!(
            "variant {}: a valid request got {status} {body:?}",
            server.variant.letter()
        ));
    }
    if !matches!(
        server.variant,
        Variant::Unprotected | Variant::PlainWithToken | Variant::PlainWithCookie
    ) {
        let refused = client.get(&url).send().await.map_err(|e| e.to_string())?;
        if refused.status() != 401 {
            return Err(format!(
                "variant {}: a request without credentials got {}",
                server.variant.letter(),
                refused.status()
            ));
        }
    }
    Ok(())
}

fn run_wrk(
    port: u16,
    headers: &[(String, String)],
    duration: Duration,
    connections: usize,
    cpu: Option<&str>,
) -> Result<Sample, String> {
    let mut command = match cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpu).arg("wrk");
            c
        }
        None => Command::new("wrk"),
    };
    command
        .arg("-t1")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs()))
        .arg("--latency");
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    command
        .arg(format!("http://127.0.0.1:{port}/"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("wrk: {e}"))?;
    let deadline = Instant::now() + duration + Duration::from_secs(30);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("wrk overran its time; killed".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("wrk: {e}")),
        }
    }
    let output = child.wait_with_output().map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}{}",
            text,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse(&text).ok_or_else(|| format!("cannot read wrk's output:\n{text}"))
}

/// Reads `Requests/sec`, the 50 % and 99 % latencies, the request count and the errors.
fn parse(text: &str) -> Option<Sample> {
    let mut sample = Sample {
        rps: f64::NAN,
        p50_us: f64::NAN,
        p99_us: f64::NAN,
        requests: 0,
        errors: 0,
        cpu_us: f64::NAN,
        store: None,
    };
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rps] => sample.rps = rps.parse().ok()?,
            ["50%", value] => sample.p50_us = duration_us(value)?,
            ["99%", value] => sample.p99_us = duration_us(value)?,
            [count, "requests", "in", ..] => sample.requests = count.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => sample.errors += n.parse::<u64>().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                // connect N, read N, write N, timeout N
                for pair in rest.chunks(2) {
                    if let [_, n] = pair {
                        sample.errors += n.trim_end_matches(',').parse::<u64>().ok()?;
                    }
                }
            }
            _ => {}
        }
    }
    (sample.rps.is_finite() && sample.p50_us.is_finite() && sample.p99_us.is_finite())
        .then_some(sample)
}

/// `281.00us`, `1.23ms`, `2.00s` in microseconds.
fn duration_us(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix("m") {
        (n, 60e6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn micros(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

/// The unprotected variant that receives the same request bytes as `variant`, if measured.
fn same_bytes_baseline(variant: Variant) -> Option<Variant> {
    match variant {
        Variant::BearerNoCache | Variant::BearerCache | Variant::JwtAuthorizer => {
            Some(Variant::PlainWithToken)
        }
        Variant::LoginSession => Some(Variant::PlainWithCookie),
        _ => None,
    }
}

/// Each run of `variant` as a fraction of the run of (a) right before it.
fn normalised<'a>(
    samples: &'a [(Variant, Vec<Sample>)],
    baselines: &'a [Vec<f64>],
    variant: Variant,
) -> Option<impl Iterator<Item = f64> + 'a> {
    let index = samples.iter().position(|(v, _)| *v == variant)?;
    let base = baselines.get(index).filter(|b| !b.is_empty())?;
    Some(samples[index].1.iter().zip(base).map(|(x, b)| x.rps / b))
}

/// The ratio of `variant` to `against`, paired round by round: the median over the rounds of
/// `variant`'s req/s over that of the (a) run right before it, divided by the same for `against`
/// ((a) itself: 1). Slow spells of the shared machine move a run and the baseline run seconds
/// before it alike, and cancel out.
fn paired_ratio(
    samples: &[(Variant, Vec<Sample>)],
    baselines: &[Vec<f64>],
    variant: Variant,
    against: Variant,
) -> Option<f64> {
    let x: Vec<f64> = normalised(samples, baselines, variant)?.collect();
    let ratios: Vec<f64> = if against == Variant::Unprotected {
        x
    } else {
        let y = normalised(samples, baselines, against)?;
        x.iter().zip(y).map(|(x, y)| x / y).collect()
    };
    (!ratios.is_empty()).then(|| median(ratios))
}

fn print_table(samples: &[(Variant, Vec<Sample>)], baselines: &[Vec<f64>]) {
    let ratio = |variant: Variant, against: Option<Variant>| {
        against
            .and_then(|against| paired_ratio(samples, baselines, variant, against))
            .map_or_else(|| "–".to_owned(), |r| format!("{r:.3}"))
    };
    // (a) runs before every other variant: count the rounds on another one.
    let rounds = samples
        .iter()
        .filter(|(v, _)| *v != Variant::Unprotected)
        .map(|(_, s)| s.len())
        .max()
        .unwrap_or_else(|| samples.first().map_or(0, |(_, s)| s.len()));
    println!();
    println!(
        "{rounds} round(s). Ratio to (a): the median over the rounds of the variant's req/s \
         divided by that of the run of (a) right before it. Same-bytes ratio: the same, relative \
         to the unprotected server receiving the same requests ((t) for the token, (k) for the \
         cookie): the cost of the layer alone. req/s, p50, p99 and CPU: medians over all runs."
    );
    println!();
    println!(
        "| variant | ratio to (a) | same-bytes ratio | req/s | p50 | p99 | server CPU per request | req/s per round |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for (variant, runs) in samples {
        let rps = median(runs.iter().map(|s| s.rps));
        // Redis runs on the server's core: its share is shown apart.
        let server_cpu = median(runs.iter().map(|s| s.cpu_us));
        let cpu = match median(runs.iter().filter_map(|s| s.store).map(|s| s.cpu_us)) {
            redis if redis.is_finite() => format!("{server_cpu:.2} µs + {redis:.2} µs Redis"),
            _ => format!("{server_cpu:.2} µs"),
        };
        let per_round: Vec<String> = if *variant == Variant::Unprotected && runs.len() > 12 {
            // Before every other variant's run: too many to list.
            let min = runs.iter().map(|s| s.rps).fold(f64::INFINITY, f64::min);
            let max = runs.iter().map(|s| s.rps).fold(0.0, f64::max);
            vec![format!("{} runs, {min:.0}–{max:.0}", runs.len())]
        } else {
            runs.iter().map(|s| format!("{:.0}", s.rps)).collect()
        };
        let to_a = if *variant == Variant::Unprotected {
            "1.000".to_owned()
        } else {
            ratio(*variant, Some(Variant::Unprotected))
        };
        println!(
            "| ({}) {} | {to_a} | {} | {rps:.0} | {} | {} | {} | {} |",
            variant.letter(),
            variant.describe(),
            ratio(*variant, same_bytes_baseline(*variant)),
            micros(median(runs.iter().map(|s| s.p50_us))),
            micros(median(runs.iter().map(|s| s.p99_us))),
            cpu,
            per_round.join(", ")
        );
    }
    println!();
    for (variant, runs) in samples {
        let stored: Vec<StoreSample> = runs.iter().filter_map(|s| s.store).collect();
        if stored.is_empty() {
            continue;
        }
        println!(
            "({}) Redis per run: median {:.4} session loads per request (max {:.4}), {} write(s) in all",
            variant.letter(),
            median(stored.iter().map(|s| s.loads_per_request)),
            stored
                .iter()
                .map(|s| s.loads_per_request)
                .fold(0.0, f64::max),
            stored.iter().map(|s| s.others).sum::<u64>(),
        );
    }
    for (variant, against, at_least) in TARGETS {
        let Some(ratio) = paired_ratio(samples, baselines, variant, against) else {
            continue;
        };
        let same = same_bytes_baseline(variant)
            .filter(|_| against == Variant::Unprotected)
            .and_then(|baseline| {
                Some((
                    baseline,
                    paired_ratio(samples, baselines, variant, baseline)?,
                ))
            })
            .map(|(baseline, r)| format!(" (same bytes, over ({}): {r:.3})", baseline.letter()))
            .unwrap_or_default();
        println!(
            "target ({}) >= {at_least:.2} x ({}): {ratio:.3}  {}{same}",
            variant.letter(),
            against.letter(),
            if ratio >= at_least { "met" } else { "NOT MET" }
        );
    }
}

/// What one session from a real login costs in Redis (the first session in it): the record
/// (`MEMORY USAGE`, and its sealed data's length, `HSTRLEN d`), its entries in the subject and
/// `sid` indexes, and the reference cookie's length.
fn session_footprint(
    redis: &RedisServer,
    fixtures: &Fixtures,
    runtime: &tokio::runtime::Runtime,
) -> Result<String, String> {
    let cookie = runtime.block_on(fixtures.stored_cookie())?;
    let reference = cookie.split_once('=').map_or(0, |(_, v)| v.len());
    let mut keys = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let reply = redis.command(&["SCAN", &cursor, "MATCH", "feide-tower:*", "COUNT", "1000"])?;
        let Reply::Array(parts) = reply else {
            return Err(format!("SCAN: unexpected reply {reply:?}"));
        };
        let [Reply::Bulk(next), Reply::Array(found)] = parts.as_slice() else {
            return Err("SCAN: unexpected reply".into());
        };
        keys.extend(found.iter().filter_map(|k| match k {
            Reply::Bulk(k) => Some(String::from_utf8_lossy(k).into_owned()),
            _ => None,
        }));
        cursor = String::from_utf8_lossy(next).into_owned();
        if cursor == "0" {
            break;
        }
    }
    let records: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("feide-tower:s:"))
        .collect();
    let [record] = records.as_slice() else {
        return Err(format!(
            "expected one session record in Redis, found {}",
            records.len()
        ));
    };
    let integer = |args: &[&str]| match redis.command(args)? {
        Reply::Integer(n) => Ok(n),
        other => Err(format!("{}: unexpected reply {other:?}", args[0])),
    };
    let usage = |key: &str| integer(&["MEMORY", "USAGE", key, "SAMPLES", "0"]);
    let record_bytes = usage(record)?;
    let data_bytes = integer(&["HSTRLEN", record, "d"])?;
    let mut all = 0;
    for key in &keys {
        all += usage(key)?;
    }
    Ok(format!(
        "redis: one session from a login through FakeFeide: record {record_bytes} bytes \
         (MEMORY USAGE), sealed data {data_bytes} bytes (HSTRLEN d); with its {} index key(s): \
         {all} bytes; reference cookie {reference} bytes",
        keys.len() - 1
    ))
}

/// CPU model, cores and load average, for the record.
fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!("machine: {cpu}, {cores} cores, load average {load}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "Running 2s test @ http://127.0.0.1:1/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   449.01us   50.20us   2.01ms   90.00%
    Req/Sec   142.12k     2.00k  145.00k    70.00%
  Latency Distribution
     50%  441.00us
     75%  460.00us
     90%  500.00us
     99%    1.02ms
  284000 requests in 2.00s, 35.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec: 142000.50
Transfer/sec:     17.50MB
";

    #[test]
    fn reads_wrk_output() {
        let s = parse(WRK).unwrap();
        assert_eq!(s.rps, 142000.5);
        assert_eq!(s.p50_us, 441.0);
        assert_eq!(s.p99_us, 1020.0);
        assert_eq!(s.requests, 284000);
        assert_eq!(s.errors, 7);
        assert!(parse("nothing").is_none());
    }

    #[test]
    fn medians() {
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median([4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
