//! The certified OpenID Provider (panva's oidc-provider, `tests/interop/op.mjs`) as a child
//! process on `127.0.0.1:<free port>`, stopped when the guard is dropped (also on panic).

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::setup;

/// How long the provider may take to print its issuer (some 1 s on an idle machine; the limit
/// only bounds a provider that will never start).
const START_DEADLINE: Duration = Duration::from_secs(120);

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
    /// Starts `node op.mjs <settings>`; its stderr goes to `<artifacts>/op.log`.
    pub fn start(artifacts: &Path, settings: &Value) -> Op {
        setup::node_packages();
        let log = artifacts.join("op.log");
        let stderr = fs::File::create(&log).expect("create op.log");
        let mut child = Command::new("node")
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
        let mut op = Op {
            child,
            _stdin: stdin,
            issuer: String::new(),
            signing_kid: String::new(),
            log,
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
            other => panic!(
                "oidc-provider did not start within {START_DEADLINE:?} ({other:?}); last lines of {}:\n{}",
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
        op
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
