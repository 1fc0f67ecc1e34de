//! What the suite needs besides Rust, installed on first use: the pinned node packages
//! (`npm ci` from `tests/interop/package-lock.json`) and Debian's Chromium (`apt-get`, only when
//! `/usr/bin/chromium` is missing). Both run once per lockfile, under a lock shared by every test
//! of every process, so parallel tests and concurrent `cargo test` runs do not race.

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// Where the browser lives on Debian (package `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/interop`: package.json, package-lock.json, op.mjs, browser.mjs.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// `<target>/interop-artifacts`: screenshots and logs (not committed).
pub fn artifacts_root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .join("interop-artifacts")
}

/// A fresh artifacts directory for one test (emptied first).
pub fn artifacts_for(test: &str) -> PathBuf {
    let dir = artifacts_root().join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

/// The turn of one test: the suite's tests run one at a time. Each starts a Node.js provider,
/// some a Chromium, and the first may install Chromium with apt-get; on a 2-core CI machine,
/// all of that at once once starved a provider past its start deadline. Serial, the suite takes
/// about as long (it waits on processes, not on the CPU) and a slow start is no longer a failure.
pub struct Turn(());

impl Turn {
    /// Waits until no other test of this binary holds a turn.
    pub fn take() -> Turn {
        let mut busy = TURN.0.lock().unwrap_or_else(|e| e.into_inner());
        while *busy {
            busy = TURN.1.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy = true;
        Turn(())
    }
}

impl Drop for Turn {
    /// Also runs when the test panics, so a failure does not stall the others.
    fn drop(&mut self) {
        *TURN.0.lock().unwrap_or_else(|e| e.into_inner()) = false;
        TURN.1.notify_one();
    }
}

static TURN: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// Makes sure node (>= 20.12) and the pinned packages are installed. Panics with the reason.
pub fn node_packages() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        check_node()?;
        let _lock = SetupLock::acquire()?;
        install_packages()
    });
    if let Err(reason) = result {
        panic!("interop setup (node packages) failed: {reason}");
    }
}

/// Makes sure Debian's Chromium is installed (as root: `apt-get install chromium
/// chromium-driver` when missing). Panics with the reason.
pub fn chromium() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        if Path::new(CHROMIUM).exists() {
            return Ok(());
        }
        let _lock = SetupLock::acquire()?;
        if Path::new(CHROMIUM).exists() {
            return Ok(());
        }
        install_chromium()
    });
    if let Err(reason) = result {
        panic!("interop setup (Chromium) failed: {reason}");
    }
}

fn check_node() -> Result<(), String> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| format!("`node` is not runnable ({e}); install Node.js 20.12 or later"))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (20, 12) {
        return Err(format!(
            "node {version} is too old: oidc-provider 9 needs Node.js 20.12 or later"
        ));
    }
    Ok(())
}

/// `npm ci` unless `node_modules` was installed from exactly this lockfile.
fn install_packages() -> Result<(), String> {
    let dir = interop_dir();
    let lock = fs::read(dir.join("package-lock.json"))
        .map_err(|e| format!("cannot read tests/interop/package-lock.json: {e}"))?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &lock);
    let fingerprint: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let marker = dir.join("node_modules").join(".feide-tower-installed");
    if fs::read_to_string(&marker).is_ok_and(|m| m.trim() == fingerprint) {
        return Ok(());
    }
    let log = artifacts_root().join("npm-ci.log");
    run_logged(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
        &log,
        Duration::from_secs(300),
    )
    .map_err(|e| format!("`npm ci` in {}: {e}", dir.display()))?;
    fs::write(&marker, fingerprint).map_err(|e| format!("cannot write {}: {e}", marker.display()))
}

fn install_chromium() -> Result<(), String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if uid != "0" {
        return Err(format!(
            "{CHROMIUM} is missing and this is not root: run `sudo apt-get install -y chromium chromium-driver`"
        ));
    }
    let log = artifacts_root().join("apt-get.log");
    for args in [
        &["update"][..],
        &["install", "-y", "chromium", "chromium-driver"][..],
    ] {
        run_logged(
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            &log,
            Duration::from_secs(900),
        )
        .map_err(|e| format!("`apt-get {}`: {e}", args.join(" ")))?;
    }
    if Path::new(CHROMIUM).exists() {
        Ok(())
    } else {
        Err(format!("apt-get succeeded but {CHROMIUM} is still missing"))
    }
}

/// Runs `command` with its output appended to `log`, killing it after `limit`.
fn run_logged(command: &mut Command, log: &Path, limit: Duration) -> Result<(), String> {
    fs::create_dir_all(log.parent().expect("log has a parent")).map_err(|e| e.to_string())?;
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let status = wait_with_deadline(&mut child, limit)
        .ok_or_else(|| format!("timed out after {limit:?}; output in {}", log.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{status}; last lines of {}:\n{}",
            log.display(),
            tail(log, 20)
        ))
    }
}

/// Waits for `child` until `limit`; kills it and returns `None` on timeout.
pub fn wait_with_deadline(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let until = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// The last `n` lines of a text file.
pub fn tail(path: &Path, n: usize) -> String {
    let Ok(file) = fs::File::open(path) else {
        return String::new();
    };
    let lines: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A lock shared by threads (a mutex) and processes (a directory created atomically). A lock
/// directory older than ten minutes belongs to a process that died and is taken over.
struct SetupLock {
    dir: PathBuf,
    _guard: std::sync::MutexGuard<'static, ()>,
}

impl SetupLock {
    fn acquire() -> Result<Self, String> {
        static IN_PROCESS: Mutex<()> = Mutex::new(());
        let guard = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        fs::create_dir_all(root).map_err(|e| e.to_string())?;
        let dir = root.join("interop-setup.lock");
        let until = Instant::now() + Duration::from_secs(20 * 60);
        loop {
            match fs::create_dir(&dir) {
                Ok(()) => {
                    return Ok(Self { dir, _guard: guard });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(&dir)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .is_some_and(|age| age > Duration::from_secs(600));
                    if stale {
                        let _ = fs::remove_dir(&dir);
                        continue;
                    }
                    if Instant::now() > until {
                        return Err(format!(
                            "another process holds {} (remove it if no test is running)",
                            dir.display()
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
            }
        }
    }
}

impl Drop for SetupLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.dir);
    }
}
