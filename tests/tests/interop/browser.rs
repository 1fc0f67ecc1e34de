//! A person with a real browser: headless Chromium signs in and out of the axum-login example,
//! at FakeFeide's interactive page and at the certified provider's own pages
//! (`tests/interop/browser.mjs`). Assertions are on what the pages say; every step leaves a
//! screenshot in `target/interop-artifacts/browser-*/`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::apps::{ALICE, LoginApp, bind_app};
use crate::op::{self, Op};
use crate::setup::{self, artifacts_for};

/// The whole browser session may take this long.
const DEADLINE: Duration = Duration::from_secs(120);

/// Runs `browser.mjs` against `app_url` and checks every step passed, in order.
fn drive(app_url: &str, artifacts: &Path, kind: &str, login: &str, name: &str, steps: &[&str]) {
    drive_with(app_url, artifacts, kind, login, name, &[], steps);
}

/// [`drive`] with `extra` arguments after the display name (for `op-backchannel`: the
/// provider's URL, then the app's other instances). Returns every step's report line.
pub fn drive_with(
    app_url: &str,
    artifacts: &Path,
    kind: &str,
    login: &str,
    name: &str,
    extra: &[&str],
    steps: &[&str],
) -> Vec<Value> {
    setup::node_packages();
    setup::chromium();
    let log = artifacts.join("browser.log");
    let mut child = KillOnDrop(
        Command::new("node")
            .arg("browser.mjs")
            .args([
                app_url,
                artifacts.to_str().expect("UTF-8 path"),
                kind,
                login,
                name,
            ])
            .args(extra)
            .env("CHROMIUM", setup::CHROMIUM)
            .current_dir(setup::interop_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("create browser.log"))
            .spawn()
            .expect("start `node browser.mjs`"),
    );
    let stdout = BufReader::new(child.0.stdout.take().expect("piped stdout"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let until = Instant::now() + DEADLINE;
    let mut passed: Vec<String> = Vec::new();
    let mut reports: Vec<Value> = Vec::new();
    let mut failure: Option<Value> = None;
    let mut done = None;
    while done.is_none() && failure.is_none() {
        let left = until.saturating_duration_since(Instant::now());
        let Ok(line) = rx.recv_timeout(left) else {
            break; // timed out, or the script exited
        };
        let Ok(report) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if report["done"] == true {
            done = Some(report);
        } else if report["ok"] == true {
            passed.push(report["step"].as_str().unwrap_or("?").to_owned());
            reports.push(report);
        } else {
            failure = Some(report);
        }
    }
    let status = setup::wait_with_deadline(&mut child.0, Duration::from_secs(10));
    if let Some(report) = failure {
        panic!(
            "browser ({kind}): step {:?} failed: {}\n  at {}\n  the page said: {}\n  screenshots: {}\n  browser log: {}",
            report["step"].as_str().unwrap_or("?"),
            report["error"].as_str().unwrap_or("?"),
            report["url"].as_str().unwrap_or("?"),
            report["text"].as_str().unwrap_or(""),
            artifacts.display(),
            log.display(),
        );
    }
    let Some(done) = done else {
        panic!(
            "browser ({kind}): no result after steps {passed:?} (exit {status:?}, deadline {DEADLINE:?})\n  screenshots: {}\n  browser log (last lines):\n{}",
            artifacts.display(),
            setup::tail(&log, 20)
        );
    };
    assert_eq!(passed, steps, "browser ({kind}): the steps that ran");
    assert!(
        status.is_some_and(|s| s.success()),
        "browser ({kind}) exited with {status:?}"
    );
    for step in steps {
        let shots = std::fs::read_dir(artifacts)
            .expect("artifacts")
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .ends_with(&format!("-{step}.png"))
            });
        assert!(
            shots,
            "a screenshot of step {step} in {}",
            artifacts.display()
        );
    }
    eprintln!(
        "browser ({kind}): {} steps passed; screenshots in {}; off-loopback requests blocked: {}",
        passed.len(),
        artifacts.display(),
        done["blocked"]
    );
    reports
}

/// Stops the browser script (and so Chromium) whatever happens to the test.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_signs_in_and_out_at_fake_feide() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("browser-fake-feide");
    let (listener, _) = bind_app().await;
    let addr = listener.local_addr().expect("bound");
    // No OIDC_CLIENT_ID: the example starts FakeFeide with its interactive login page.
    let started = axum_login::configure(|_| None, addr)
        .await
        .expect("axum-login with FakeFeide");
    let fake = started.fake.clone().expect("FakeFeide in use");
    let url = started.public_url.clone();
    tokio::spawn(async move { axum::serve(listener, started.app).await });
    let user = &fake.users()[0];
    let (login, name) = (user.id.clone(), user.name.clone());
    tokio::task::spawn_blocking(move || {
        drive(
            &url,
            &artifacts,
            "fake",
            &login,
            &name,
            &[
                "home-signed-out",
                "provider-login-page",
                "signed-in",
                "signed-out",
                "home-after-sign-out",
            ],
        );
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_signs_in_and_out_at_a_certified_provider() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("browser-certified-op");
    let (listener, base) = bind_app().await;
    let op = Op::start(&artifacts, &op::settings(&base));
    let app = LoginApp::start(listener, &op).await;
    let url = app.base.clone();
    let (login, name) = ALICE;
    tokio::task::spawn_blocking(move || {
        drive(
            &url,
            &artifacts,
            "op",
            login,
            name,
            &[
                "home-signed-out",
                "provider-login-page",
                "provider-consent-page",
                "signed-in",
                "provider-logout-page",
                "signed-out",
                "home-after-sign-out",
            ],
        );
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    drop(op);
}
