//! The examples' metrics listener over real HTTP: `METRICS_ADDR=127.0.0.1:0`, a login round trip
//! at the fake Feide (sign in, a bearer-protected call of the data source through token exchange,
//! sign out), then `GET /metrics` is Prometheus text with every name of the metric contract.
//!
//! One recorder serves the whole process (a `metrics` recorder is installed once): counters are
//! compared with `>=`, since the tests of this binary run concurrently and share it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use feide_tower::telemetry::names;
use feide_tower::testkit::DEFAULT_DATASOURCE_AUDIENCE;

/// Every name of the contract (COMMON18, `feide_tower::telemetry::names`).
const CONTRACT: [&str; 9] = [
    names::LOGINS_TOTAL,
    names::AUTHORIZATION_DECISIONS_TOTAL,
    names::BEARER_REQUESTS_TOTAL,
    names::JWKS_FETCHES_TOTAL,
    names::TOKEN_EXCHANGES_TOTAL,
    names::SESSION_REVOCATIONS_TOTAL,
    names::PROVIDER_REQUEST_DURATION_SECONDS,
    names::CACHE_ENTRIES,
    names::MEMORY_STORE_SESSIONS,
];

/// An environment of the given variables only.
fn env(vars: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> + 'static {
    let vars = vars.to_vec();
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

const METRICS_ON_A_FREE_PORT: [(&str, &str); 1] = [("METRICS_ADDR", "127.0.0.1:0")];

/// One sample line: `name{label="value",...} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape, checked to be Prometheus text (format 0.0.4) line by line.
struct Scrape {
    text: String,
    samples: Vec<Sample>,
    /// `# TYPE name type`.
    types: BTreeMap<String, String>,
}

impl Scrape {
    /// The samples of metric `name` (for a histogram: its `_bucket`, `_sum` and `_count`).
    fn of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|suffix| s.name.strip_suffix(suffix) == Some(name))
        })
    }

    /// The value of the sample `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    fn assert_names_present(&self) {
        let missing: Vec<&str> = CONTRACT
            .into_iter()
            .filter(|name| self.of(name).next().is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "metrics missing from the scrape: {missing:?}\n{}",
            self.text
        );
        for (name, kind) in [
            (names::LOGINS_TOTAL, "counter"),
            (names::BEARER_REQUESTS_TOTAL, "counter"),
            (names::JWKS_FETCHES_TOTAL, "counter"),
            (names::TOKEN_EXCHANGES_TOTAL, "counter"),
            (names::SESSION_REVOCATIONS_TOTAL, "counter"),
            (names::PROVIDER_REQUEST_DURATION_SECONDS, "histogram"),
            (names::CACHE_ENTRIES, "gauge"),
            (names::MEMORY_STORE_SESSIONS, "gauge"),
        ] {
            assert_eq!(
                self.types.get(name).map(String::as_str),
                Some(kind),
                "# TYPE of {name}\n{}",
                self.text
            );
        }
    }
}

/// Parses one sample line; `None` when it is not one.
fn sample(line: &str) -> Option<Sample> {
    let (series, value) = line.rsplit_once(' ')?;
    let value: f64 = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}')?),
        None => (series, ""),
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !valid_name {
        return None;
    }
    let mut parsed = BTreeMap::new();
    // The exporter escapes `"` and `\` in values; ours are plain words, so a comma split works.
    for pair in labels.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?;
        parsed.insert(key.to_owned(), value.to_owned());
    }
    Some(Sample {
        name: name.to_owned(),
        labels: parsed,
        value,
    })
}

/// `GET http://addr/metrics`: 200, the Prometheus text content type, every line a comment or a
/// sample.
async fn scrape(addr: SocketAddr) -> Scrape {
    let reply = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let content_type = reply.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = reply.text().await.unwrap();
    let mut samples = Vec::new();
    let mut types = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name type");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            types.insert(name.to_owned(), kind.to_owned());
        } else if line.starts_with("# HELP ") {
        } else {
            samples.push(sample(line).unwrap_or_else(|| panic!("not Prometheus text: {line:?}")));
        }
    }
    Scrape {
        text,
        samples,
        types,
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .build()
        .unwrap()
}

/// The reference scenario of the login example in demo mode, with METRICS_ADDR: every metric of
/// the contract is scraped, the bearer decision and the key fetch among them.
#[tokio::test(flavor = "multi_thread")]
async fn axum_login_scrape_after_a_login_round_trip_has_every_metric() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let started = axum_login::configure(env(&METRICS_ON_A_FREE_PORT), addr)
        .await
        .unwrap();
    let fake = started
        .fake
        .clone()
        .expect("METRICS_ADDR is no provider setting: still the demo");
    let metrics = started.metrics_addr.expect("METRICS_ADDR is set");
    assert!(
        metrics.ip().is_loopback() && metrics.port() != 0,
        "{metrics}"
    );
    fake.set_interactive(false); // a test cannot click; auto-approve as alice
    let base = started.public_url.clone();
    tokio::spawn(async move { axum::serve(listener, started.app).await });

    let browser = browser();
    let page = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Signed in as"), "{page}");
    // Token exchange, then the data source's bearer-protected `/me` (in-process, same recorder).
    let datasource = browser
        .get(format!("{base}/datasource"))
        .send()
        .await
        .unwrap();
    assert_eq!(datasource.status(), 200);
    let signed_out = browser.get(format!("{base}/logout")).send().await.unwrap();
    assert_eq!(signed_out.status(), 200, "back on the post-logout page");
    let me = browser.get(format!("{base}/me")).send().await.unwrap();
    assert!(
        !me.text().await.unwrap().contains("\"sub\""),
        "signed out: /me shows no user"
    );

    let scrape = scrape(metrics).await;
    scrape.assert_names_present();
    // What the round trip did, counted (>=: the recorder is shared by the tests of this binary).
    for (name, labels, what) in [
        (
            names::LOGINS_TOTAL,
            &[("result", "success"), ("reason", "none")][..],
            "the login",
        ),
        (
            names::BEARER_REQUESTS_TOTAL,
            &[("result", "allowed"), ("cache", "miss")][..],
            "the data source's bearer decision",
        ),
        (
            names::JWKS_FETCHES_TOTAL,
            &[("result", "success")][..],
            "the provider's keys fetched",
        ),
        (
            names::TOKEN_EXCHANGES_TOTAL,
            &[("result", "success"), ("grant", "token_exchange")][..],
            "the exchange for the data source",
        ),
        (
            names::SESSION_REVOCATIONS_TOTAL,
            &[("cause", "logout")][..],
            "the logout",
        ),
        (
            &format!("{}_count", names::PROVIDER_REQUEST_DURATION_SECONDS),
            &[("endpoint", "token"), ("result", "success")][..],
            "the token endpoint's latency",
        ),
    ] {
        let value = scrape.value(name, labels).unwrap_or(0.0);
        assert!(
            value >= 1.0,
            "{what} is counted: {name}{labels:?} = {value}\n{}",
            scrape.text
        );
    }
    // Counters are there from the start, at zero when nothing happened.
    assert!(
        scrape
            .value(
                names::BEARER_REQUESTS_TOTAL,
                &[("result", "unavailable"), ("cache", "none")]
            )
            .is_some(),
        "{}",
        scrape.text
    );
    assert!(
        scrape
            .value(names::SESSION_REVOCATIONS_TOTAL, &[("cause", "admin")])
            .is_some(),
        "{}",
        scrape.text
    );
    // The histogram has buckets (histogram_quantile works), not a summary's quantiles.
    assert!(
        scrape
            .of(names::PROVIDER_REQUEST_DURATION_SECONDS)
            .any(|s| s.name.ends_with("_bucket")
                && s.labels.get("le").is_some_and(|le| le == "+Inf")),
        "{}",
        scrape.text
    );
    // Bounded labels only: no user, token, URL or secret in any label value.
    for sample in &scrape.samples {
        for value in sample.labels.values() {
            assert!(
                !value.contains("://") && !value.contains("eyJ") && !value.contains("alice"),
                "label value {value:?} in {sample:?}"
            );
        }
    }
    // Not an app route: the listener only answers /metrics.
    let other = reqwest::get(format!("http://{metrics}/me")).await.unwrap();
    assert_eq!(other.status(), 404);
}

/// The data-source example in demo mode: a bearer call, then the names are scraped.
#[tokio::test(flavor = "multi_thread")]
async fn axum_datasource_scrape_has_every_metric() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let started = axum_datasource::configure(env(&METRICS_ON_A_FREE_PORT), addr)
        .await
        .unwrap();
    let fake = started.fake.clone().expect("still the demo");
    let metrics = started.metrics_addr.expect("METRICS_ADDR is set");
    tokio::spawn(async move { axum::serve(listener, started.app).await });
    let token = fake.access_token_for(
        axum_datasource::DEMO_USER,
        DEFAULT_DATASOURCE_AUDIENCE,
        axum_datasource::DEMO_SCOPE,
    );
    let reply = reqwest::Client::new()
        .get(format!("http://{addr}/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    scrape(metrics).await.assert_names_present();
}

/// The actix example's configuration in demo mode (its listener runs on whatever tokio runtime
/// configures it; actix's system is one): the names are scraped.
#[tokio::test(flavor = "multi_thread")]
async fn actix_bridge_scrape_has_every_metric() {
    let addr: SocketAddr = "127.0.0.1:8002".parse().unwrap();
    let configured = actix_bridge::configure(env(&METRICS_ON_A_FREE_PORT), addr)
        .await
        .unwrap();
    assert!(configured.fake.is_some(), "still the demo");
    let metrics = configured.metrics_addr.expect("METRICS_ADDR is set");
    scrape(metrics).await.assert_names_present();
}

/// Unset (or blank) METRICS_ADDR: no listener, in all three examples.
#[tokio::test(flavor = "multi_thread")]
async fn without_metrics_addr_no_listener_is_started() {
    let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();
    for vars in [&[][..], &[("METRICS_ADDR", "  ")][..]] {
        let login = axum_login::configure(env(vars), addr).await.unwrap();
        assert!(login.fake.is_some() && login.metrics_addr.is_none());
        let datasource = axum_datasource::configure(env(vars), addr).await.unwrap();
        assert!(datasource.fake.is_some() && datasource.metrics_addr.is_none());
        let actix = actix_bridge::configure(env(vars), addr).await.unwrap();
        assert!(actix.fake.is_some() && actix.metrics_addr.is_none());
    }
}

/// A METRICS_ADDR that is not an address, or cannot be bound, stops the start-up with an error
/// naming it: never silently no metrics.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_metrics_addr_is_a_start_up_error_naming_it() {
    let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();
    let occupied = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = Box::leak(occupied.local_addr().unwrap().to_string().into_boxed_str());
    for (value, says) in [
        ("localhost:9464", "is not an IP address and port"),
        ("9464", "is not an IP address and port"),
        (&*taken, "cannot listen on"),
    ] {
        // `occupied` holds its port for the whole test.
        let vars = [("METRICS_ADDR", value)];
        let errors = [
            axum_login::configure(env(&vars), addr).await.err(),
            axum_datasource::configure(env(&vars), addr).await.err(),
            actix_bridge::configure(env(&vars), addr).await.err(),
        ];
        for error in errors {
            let error = error
                .expect("a bad METRICS_ADDR refuses to start")
                .to_string();
            assert!(
                error.starts_with("METRICS_ADDR") && error.contains(says),
                "{value}: {error}"
            );
        }
    }
}
