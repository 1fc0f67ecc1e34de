//! The example as a user runs it: start the binary with no configuration, take the `curl` line it
//! prints, and replay it against the running app.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use feide_tower::testkit::FakeUser;
use serde_json::Value;

/// Kills the example when the test ends, passing or failing.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary in demo mode on a free port and returns it with its first stdout line.
fn start_demo() -> (Running, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_axum-datasource"));
    command
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    // Any one of them set would (rightly) refuse the demo.
    for name in axum_datasource::ENV.settings {
        command.env_remove(name);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the example prints its curl line");
    (running, line.trim_end().to_owned())
}

#[tokio::test]
async fn the_printed_curl_line_works_as_printed() {
    let (_app, line) = start_demo();
    // curl -H 'Authorization: Bearer <token>' http://127.0.0.1:<port>/me
    let parts: Vec<&str> = line.split('\'').collect();
    assert_eq!(parts.len(), 3, "one quoted header: {line}");
    assert_eq!(parts[0], "curl -H ");
    let (name, value) = parts[1].split_once(": ").expect("a header");
    let url = parts[2].trim();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/me"),
        "{url}"
    );

    let client = reqwest::Client::new();
    let reply = client.get(url).header(name, value).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    let alice = FakeUser::new("alice", "Alice");
    assert_eq!(body["subject"], alice.sub.as_str());
    // The data source exchanged the token and asked Feide's APIs (here: the fake's) about alice.
    assert_eq!(
        body["extended_userinfo"]["eduPersonPrincipalName"][0],
        alice.eppn.as_str()
    );
    let groups = body["groupinfo"].as_array().expect("groupinfo is an array");
    assert!(
        groups.iter().any(|g| g["id"] == "fc:org:test.feide.no"),
        "{groups:?}"
    );

    // Literally as printed, when curl is installed.
    if Command::new("curl").arg("--version").output().is_ok() {
        let out = Command::new("sh")
            .args(["-c", &format!("{line} --silent --show-error")])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body: Value = serde_json::from_slice(&out.stdout).expect("JSON from curl");
        assert_eq!(body["subject"], alice.sub.as_str());
    }

    // And the same URL without the token is refused.
    let refused = client.get(url).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["www-authenticate"],
        r#"Bearer realm="api""#
    );
}
