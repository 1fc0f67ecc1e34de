//! The certified OpenID Provider (panva's oidc-provider, `tests/interop/op.mjs`) as a child
//! process on `127.0.0.1:<free port>`, stopped when the guard is dropped (also on panic).

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::setup;

/// How long one attempt may take to print the issuer. A start takes some 0.3 s on an idle
/// machine (median of 20, max 0.5 s); the limit only bounds a process that will never start.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// Attempts before giving up. A CI run once saw a provider print nothing for 120 s after
/// loading its modules, which no local run reproduced: a hung process is replaced (after a
/// Node.js diagnostic report is taken of it) rather than failing the whole suite.
const START_ATTEMPTS: u32 = 3;

/// A running oidc-provider. Dropping it stops the process.
pub struct Op {
    child: Child,
    /// Held open: the provider exits when it closes (also if this test process dies).
    _stdin: Option<ChildStdin>,
    issuer: String,
    signing_kid: String,
    log: PathBuf,
    http: reqwest::Client,
}

/// The provider's keys after a control call.
#[derive(Debug, Clone)]
pub struct KeyState {
    /// The key that signs from now on.
    pub signing_kid: String,
    /// Every key in the JWKS.
    pub published_kids: Vec<String>,
}

impl Op {
    /// Starts `node op.mjs <settings>`; its stderr goes to `<artifacts>/op.log` (a replaced,
    /// hung attempt's to `op-attempt-N.log`, next to its Node.js diagnostic report).
    pub fn start(artifacts: &Path, settings: &Value) -> Op {
        setup::node_packages();
        let log = artifacts.join("op.log");
        let mut failures = Vec::new();
        for attempt in 1..=START_ATTEMPTS {
            match Self::try_start(artifacts, &log, settings) {
                Ok(op) => {
                    if !failures.is_empty() {
                        eprintln!(
                            "oidc-provider started on attempt {attempt}; earlier: {failures:#?}"
                        );
                    }
                    return op;
                }
                Err(failure) => {
                    let kept = artifacts.join(format!("op-attempt-{attempt}.log"));
                    let _ = fs::rename(&log, &kept);
                    failures.push(format!(
                        "{failure}; last lines of {}:\n{}",
                        kept.display(),
                        setup::tail(&kept, 30)
                    ));
                }
            }
        }
        panic!("oidc-provider did not start in {START_ATTEMPTS} attempts: {failures:#?}");
    }

    /// One attempt: `Err` (the process killed) when it printed nothing within the deadline.
    fn try_start(artifacts: &Path, log: &Path, settings: &Value) -> Result<Op, String> {
        let stderr = fs::File::create(log).expect("create op.log");
        let mut child = Command::new("node")
            .arg("--report-on-signal")
            .arg(format!("--report-directory={}", artifacts.display()))
            .arg("op.mjs")
            .arg(settings.to_string())
            .current_dir(setup::interop_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start `node op.mjs`");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = tx.send(stdout.read_line(&mut line).map(|_| line));
            // Keep draining so the provider never blocks on a full pipe.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let started = Instant::now();
        let mut op = Op {
            child,
            _stdin: stdin,
            issuer: String::new(),
            signing_kid: String::new(),
            log: log.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client"),
        };
        let ready: Value = match rx.recv_timeout(START_DEADLINE) {
            Ok(Ok(line)) if !line.trim().is_empty() => {
                serde_json::from_str(&line).unwrap_or_else(|e| {
                    panic!(
                        "op.mjs printed {line:?}, not JSON ({e}); see {}",
                        op.log.display()
                    )
                })
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                op.take_diagnostic_report(artifacts);
                return Err(format!(
                    "printed nothing within {START_DEADLINE:?} (a diagnostic report, if Node \
                     could write one, is in {})",
                    artifacts.display()
                ));
            }
            other => panic!(
                "oidc-provider exited at start ({other:?}) after {:?}; last lines of {}:\n{}",
                started.elapsed(),
                op.log.display(),
                setup::tail(&op.log, 30)
            ),
        };
        op.issuer = ready["issuer"].as_str().expect("issuer").to_owned();
        op.signing_kid = ready["signing_kid"].as_str().expect("kid").to_owned();
        assert!(
            op.issuer.starts_with("http://127.0.0.1:"),
            "the provider binds loopback only: {}",
            op.issuer
        );
        Ok(op)
    }

    /// Asks a hung Node.js for a diagnostic report (SIGUSR2 with `--report-on-signal`: its
    /// JavaScript and native stacks) and waits a bounded time for the file.
    fn take_diagnostic_report(&self, artifacts: &Path) {
        let reports = || {
            fs::read_dir(artifacts)
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .filter(|e| e.file_name().to_string_lossy().starts_with("report."))
                        .count()
                })
                .unwrap_or(0)
        };
        let before = reports();
        let _ = Command::new("kill")
            .arg("-USR2")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while reports() == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The issuer, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `issuer + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The kid that signed at start.
    pub fn initial_kid(&self) -> &str {
        &self.signing_kid
    }

    /// A new key signs from now on; the old ones stay published.
    pub async fn rotate(&self) -> KeyState {
        self.control("rotate").await
    }

    /// Only the current signing key stays published.
    pub async fn retire_old_keys(&self) -> KeyState {
        self.control("retire").await
    }

    /// Ends every provider session of `sub` as an administrator would (op.mjs's
    /// `/__control/end_session`): oidc-provider's own back-channel logout call to each client of
    /// those sessions, answered before this returns. The answer: `{"sessions": N, "notified":
    /// [{"client_id", "ok", "error"?}]}`.
    pub async fn end_sessions_of(&self, sub: &str) -> Value {
        let response = self
            .http
            .post(self.url("/__control/end_session"))
            .body(json!({ "sub": sub }).to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("control end_session: {e}"));
        assert_eq!(response.status(), 200, "control end_session");
        response.json().await.expect("control answer is JSON")
    }

    async fn control(&self, action: &str) -> KeyState {
        let response = self
            .http
            .post(self.url(&format!("/__control/{action}")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("control {action}: {e}"));
        assert_eq!(response.status(), 200, "control {action}");
        let body: Value = response.json().await.expect("control answer is JSON");
        KeyState {
            signing_kid: body["signing_kid"]
                .as_str()
                .expect("signing_kid")
                .to_owned(),
            published_kids: body["published_kids"]
                .as_array()
                .expect("published_kids")
                .iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
        }
    }
}

impl Drop for Op {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("oidc-provider's log: {}", self.log.display());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Feide-like settings for a login client with these URIs, and one data source owned by the
/// data-source client.
pub fn settings(app_base: &str) -> Value {
    use crate::apps::{
        DS_AUDIENCE, DS_CLIENT_ID, DS_CLIENT_SECRET, DS_SCOPES, LOGIN_CLIENT_ID,
        LOGIN_CLIENT_SECRET,
    };
    json!({
        "clients": [
            {
                "client_id": LOGIN_CLIENT_ID,
                "client_secret": LOGIN_CLIENT_SECRET,
                "redirect_uris": [format!("{app_base}/callback")],
                "post_logout_redirect_uris": [format!("{app_base}/post-logout")],
            },
            {
                "client_id": DS_CLIENT_ID,
                "client_secret": DS_CLIENT_SECRET,
                "grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"],
                "response_types": [],
                "redirect_uris": [],
            },
        ],
        "datasources": [
            {"audience": DS_AUDIENCE, "scopes": DS_SCOPES, "owner": DS_CLIENT_ID},
        ],
    })
}

/// [`settings`] for several instances of the login app (each `base` may start a sign-in and be
/// sent back after logout), with Back-Channel Logout 1.0 on: the login client registers
/// `backchannel_logout_uri` and `backchannel_logout_session_required`; when that is true its ID
/// tokens carry `sid` and the provider's logout tokens do too, else logout tokens name only
/// `sub`.
pub fn backchannel_settings(
    bases: &[String],
    backchannel_logout_uri: &str,
    session_required: bool,
) -> Value {
    let mut settings = settings(&bases[0]);
    let client = &mut settings["clients"][0];
    client["redirect_uris"] = bases.iter().map(|b| format!("{b}/callback")).collect();
    client["post_logout_redirect_uris"] =
        bases.iter().map(|b| format!("{b}/post-logout")).collect();
    client["backchannel_logout_uri"] = json!(backchannel_logout_uri);
    client["backchannel_logout_session_required"] = json!(session_required);
    settings
}
