//! What the certified provider refuses, FakeFeide must refuse too. The same requests — a valid
//! one, then each with one thing wrong — go to both; for a wrong one neither may issue a code, a
//! token or a post-logout redirect. (FakeFeide passing a test proves little if it accepts what a
//! real provider would not.) FakeFeide may be stricter: Feide is.

use std::collections::HashMap;
use std::fmt;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use feide_tower::testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use url::Url;

use crate::op::Op;
use crate::setup::{self, artifacts_for};
use crate::web::{Page, Web};

const CLIENT: &str = "parity-app";
const SECRET: &str = "parity secret:+/&%";
const OTHER: &str = "parity-other-app";
const OTHER_SECRET: &str = "parity-other-secret";
/// Never contacted: the probes stop at the redirect to it.
const REDIRECT: &str = "http://localhost:9/callback";
const LOGGED_OUT: &str = "http://localhost:9/logged-out";
const OTHER_LOGGED_OUT: &str = "http://localhost:9/other-logged-out";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// What a provider did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// It issued what was asked for (a code, tokens, a post-logout redirect or confirmation).
    Accepted,
    /// It refused: an OAuth error redirect, an error status, an error page.
    Refused(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Accepted => f.write_str("accepted"),
            Outcome::Refused(why) => write!(f, "refused ({why})"),
        }
    }
}

/// A token request: how the client authenticates and what it sends.
#[derive(Clone, Debug)]
struct TokenCall {
    basic: Option<(&'static str, &'static str)>,
    json: bool,
    fields: Vec<(String, String)>,
}

impl TokenCall {
    /// Redeeming `code`, as `CLIENT` with Basic authentication: the valid request.
    fn redeem(code: &str, verifier: &str) -> TokenCall {
        TokenCall::form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
    }

    /// A token exchange of `subject` toward FakeFeide's default data source.
    fn exchange(subject: &str, scope: &str) -> TokenCall {
        TokenCall::form(&[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", subject),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("audience", DEFAULT_DATASOURCE_AUDIENCE),
            ("scope", scope),
        ])
    }

    fn form(fields: &[(&str, &str)]) -> TokenCall {
        TokenCall {
            basic: Some((CLIENT, SECRET)),
            json: false,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Replaces field `name`.
    fn set(mut self, name: &str, value: &str) -> TokenCall {
        for field in &mut self.fields {
            if field.0 == name {
                field.1 = value.to_owned();
            }
        }
        self
    }

    /// Adds a field (again, if it is there already).
    fn add(mut self, name: &str, value: &str) -> TokenCall {
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }

    fn remove(mut self, name: &str) -> TokenCall {
        self.fields.retain(|(k, _)| k != name);
        self
    }

    fn basic(mut self, basic: Option<(&'static str, &'static str)>) -> TokenCall {
        self.basic = basic;
        self
    }

    fn json_body(mut self) -> TokenCall {
        self.json = true;
        self
    }
}

/// One provider, seen only through its discovery document and HTTP.
struct Target {
    name: &'static str,
    authorization: String,
    token: String,
    end_session: String,
    /// Carries the provider's session cookie once signed in.
    web: Web,
}

impl Target {
    async fn discover(name: &'static str, issuer: &str) -> Target {
        let doc: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
            .await
            .expect("discovery")
            .json()
            .await
            .expect("discovery JSON");
        let url = |field: &str| doc[field].as_str().expect(field).to_owned();
        Target {
            name,
            authorization: url("authorization_endpoint"),
            token: url("token_endpoint"),
            end_session: url("end_session_endpoint"),
            web: Web::new(),
        }
    }

    /// GET the authorization endpoint with `params`; follow the provider's own redirects (and,
    /// at oidc-provider, sign in and consent when it asks) until it sends the browser back.
    async fn authorize(&self, params: &[(&str, &str)]) -> (Outcome, Option<String>) {
        let url = Url::parse_with_params(&self.authorization, params).expect("authorization URL");
        let mut page = self.web.get(url.as_str()).await;
        for _ in 0..10 {
            let location = page
                .location
                .clone()
                .filter(|_| page.status.is_redirection());
            if let Some(location) = location {
                if !location.as_str().starts_with(REDIRECT) {
                    page = self.web.get(location.as_str()).await;
                    continue;
                }
                let q: HashMap<_, _> = location.query_pairs().into_owned().collect();
                return match (q.get("code"), q.get("error")) {
                    (Some(code), None) => (Outcome::Accepted, Some(code.clone())),
                    (_, Some(error)) => (Outcome::Refused(format!("error={error}")), None),
                    _ => (Outcome::Refused("a redirect without code".into()), None),
                };
            }
            match self.interact(&page).await {
                Some(next) => page = next,
                None => return (Outcome::Refused(format!("HTTP {}", page.status)), None),
            }
        }
        panic!("{}: the authorization did not finish", self.name);
    }

    /// oidc-provider's development login form and consent page: sign in as alice, consent.
    async fn interact(&self, page: &Page) -> Option<Page> {
        if page.status != 200 || !page.url.path().starts_with("/interaction/") {
            return None;
        }
        let form = page.forms().into_iter().next()?;
        let login = form
            .fields
            .iter()
            .any(|(n, v)| n == "prompt" && v == "login");
        let extra: &[(&str, &str)] = if login {
            &[("login", "alice"), ("password", "any")]
        } else {
            &[]
        };
        Some(self.web.submit(&form, extra).await)
    }

    /// A fresh code for `CLIENT` with PKCE; returns (code, verifier).
    async fn code(&self, seed: &str) -> (String, String) {
        let (verifier, challenge) = pkce(seed);
        let (outcome, code) = self.authorize(&auth_params(&challenge)).await;
        assert_eq!(outcome, Outcome::Accepted, "{}: a valid request", self.name);
        (code.expect("code"), verifier)
    }

    /// POSTs `call` to the token endpoint.
    async fn token(&self, call: &TokenCall) -> (Outcome, Value) {
        let (content_type, body) = if call.json {
            let object = call
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            ("application/json", Value::Object(object).to_string())
        } else {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&call.fields)
                .finish();
            ("application/x-www-form-urlencoded", body)
        };
        let mut request = reqwest::Client::new()
            .post(&self.token)
            .header(CONTENT_TYPE, content_type)
            .body(body);
        if let Some((id, secret)) = call.basic {
            request = request.header(AUTHORIZATION, basic_header(id, secret));
        }
        let response = request.send().await.expect("token endpoint");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() && body.get("access_token").is_some() {
            (Outcome::Accepted, body)
        } else {
            let error = body["error"].as_str().unwrap_or("?");
            (
                Outcome::Refused(format!("{} {error}", status.as_u16())),
                body,
            )
        }
    }

    /// GET the end-session endpoint. Accepted: a redirect to the post-logout URI, or the
    /// provider's logout confirmation (oidc-provider asks first).
    async fn end_session(&self, params: &[(&str, String)]) -> Outcome {
        let url = Url::parse_with_params(&self.end_session, params).expect("end-session URL");
        let page = self.web.get(url.as_str()).await;
        let redirected = page
            .location
            .as_ref()
            .is_some_and(|l| page.status.is_redirection() && l.as_str().starts_with(LOGGED_OUT));
        let confirmation = page.status == 200
            && page
                .forms()
                .iter()
                .any(|f| f.action.path().ends_with("/session/end/confirm"));
        if redirected || confirmation {
            Outcome::Accepted
        } else {
            Outcome::Refused(format!("HTTP {}", page.status))
        }
    }
}

/// Both providers, and what FakeFeide accepted that the certified provider refused.
struct Parity {
    op: Target,
    fake: Target,
    mismatches: Vec<String>,
}

impl Parity {
    fn record(&mut self, what: &str, op: &Outcome, fake: &Outcome) {
        assert!(
            matches!(op, Outcome::Refused(_)),
            "{what}: expected the certified provider to refuse, it {op}"
        );
        if *fake == Outcome::Accepted {
            self.mismatches.push(format!(
                "{what}: the certified provider {op}, FakeFeide accepted"
            ));
        }
    }

    async fn authorization(&mut self, what: &str, params: &[(&str, &str)]) {
        let op = self.op.authorize(params).await.0;
        let fake = self.fake.authorize(params).await.0;
        self.record(&format!("authorization with {what}"), &op, &fake);
    }

    /// `change` turns the valid redemption of a fresh code into the wrong request.
    async fn token(&mut self, what: &str, change: impl Fn(TokenCall) -> TokenCall) {
        let mut outcomes = Vec::new();
        for target in [&self.op, &self.fake] {
            let (code, verifier) = target.code(what).await;
            outcomes.push(
                target
                    .token(&change(TokenCall::redeem(&code, &verifier)))
                    .await
                    .0,
            );
        }
        self.record(
            &format!("token request with {what}"),
            &outcomes[0],
            &outcomes[1],
        );
    }
}

fn pkce(seed: &str) -> (String, String) {
    let seed: String = seed.chars().filter(char::is_ascii_alphanumeric).collect();
    let verifier = format!("parity-verifier-{seed}-0123456789abcdefghijklmnopqrstuvwxyz");
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    (verifier, challenge)
}

fn auth_params(challenge: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", "parity-state"),
        ("nonce", "parity-nonce"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// `params` with `name` replaced by `value` (`None`: removed).
fn with<'a>(
    params: &[(&'a str, &'a str)],
    name: &'a str,
    value: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = params.iter().filter(|(n, _)| *n != name).copied().collect();
    out.extend(value.map(|v| (name, v)));
    out
}

fn basic_header(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// End-session requests that must be refused, for a provider whose valid ID token for `CLIENT`
/// is `id_token`.
fn wrong_end_sessions(id_token: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let (rest, signature) = id_token.rsplit_once('.').expect("a JWS");
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{rest}.{flipped}{}", &signature[1..]);
    let hint = || ("id_token_hint", id_token.to_owned());
    let back = |uri: &str| ("post_logout_redirect_uri", uri.to_owned());
    vec![
        (
            "another client's client_id than the id_token_hint's",
            vec![hint(), ("client_id", OTHER.into()), back(LOGGED_OUT)],
        ),
        (
            "an unknown client_id with the id_token_hint",
            vec![hint(), ("client_id", "nobody".into()), back(LOGGED_OUT)],
        ),
        (
            "an unregistered post_logout_redirect_uri",
            vec![hint(), back("http://localhost:9/elsewhere")],
        ),
        (
            "another client's post_logout_redirect_uri",
            vec![hint(), back(OTHER_LOGGED_OUT)],
        ),
        (
            "a tampered id_token_hint",
            vec![("id_token_hint", tampered), back(LOGGED_OUT)],
        ),
        (
            "a repeated state",
            vec![
                hint(),
                back(LOGGED_OUT),
                ("state", "one".into()),
                ("state", "two".into()),
            ],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn fake_feide_refuses_what_the_certified_provider_refuses() {
    let _turn = setup::Turn::take();
    let artifacts = artifacts_for("parity");
    let op_process = Op::start(
        &artifacts,
        &json!({"clients": [
            {"client_id": CLIENT, "client_secret": SECRET, "redirect_uris": [REDIRECT],
             "post_logout_redirect_uris": [LOGGED_OUT]},
            {"client_id": OTHER, "client_secret": OTHER_SECRET, "redirect_uris": [REDIRECT],
             "post_logout_redirect_uris": [OTHER_LOGGED_OUT]},
        ]}),
    );
    let fake_process = FakeFeide::start().await.expect("FakeFeide");
    fake_process.register_client(
        FakeClient::new(CLIENT, SECRET)
            .redirect_uri(REDIRECT)
            .post_logout_redirect_uri(LOGGED_OUT),
    );
    fake_process.register_client(
        FakeClient::new(OTHER, OTHER_SECRET)
            .redirect_uri(REDIRECT)
            .post_logout_redirect_uri(OTHER_LOGGED_OUT),
    );
    let mut parity = Parity {
        op: Target::discover("oidc-provider", op_process.issuer()).await,
        fake: Target::discover("FakeFeide", &fake_process.issuer()).await,
        mismatches: Vec::new(),
    };

    // Authorization: the valid request first (at oidc-provider: sign in and consent).
    let (_, challenge) = pkce("authorize");
    let valid = auth_params(&challenge);
    for target in [&parity.op, &parity.fake] {
        let (outcome, _) = target.authorize(&valid).await;
        assert_eq!(
            outcome,
            Outcome::Accepted,
            "{}: the valid request",
            target.name
        );
    }
    let not_base64url = format!("{}+/", &challenge[..41]);
    let unregistered = format!("{REDIRECT}/");
    let repeated = [valid.clone(), vec![("scope", "openid")]].concat();
    for (what, params) in [
        ("no code_challenge", with(&valid, "code_challenge", None)),
        (
            "code_challenge_method=plain",
            with(&valid, "code_challenge_method", Some("plain")),
        ),
        (
            "no code_challenge_method",
            with(&valid, "code_challenge_method", None),
        ),
        (
            "a 42-character code_challenge",
            with(&valid, "code_challenge", Some(&challenge[..42])),
        ),
        (
            "a code_challenge with '+' and '/'",
            with(&valid, "code_challenge", Some(&not_base64url)),
        ),
        (
            "a scope with a quote",
            with(&valid, "scope", Some("openid \"profile")),
        ),
        (
            "a scope with a double space",
            with(&valid, "scope", Some("openid  profile")),
        ),
        ("no response_type", with(&valid, "response_type", None)),
        (
            "response_type=token",
            with(&valid, "response_type", Some("token")),
        ),
        (
            "an unregistered redirect_uri",
            with(&valid, "redirect_uri", Some(&unregistered)),
        ),
        (
            "an unknown client_id",
            with(&valid, "client_id", Some("nobody")),
        ),
        ("a repeated scope", repeated),
    ] {
        parity.authorization(what, &params).await;
    }

    // Token requests, each redeeming a fresh code.
    let wrong_verifier = pkce("other").0;
    parity
        .token("a wrong code_verifier", |c| {
            c.set("code_verifier", &wrong_verifier)
        })
        .await;
    parity
        .token("a 42-character code_verifier", |c| {
            let verifier = c.fields[3].1[..42].to_owned();
            c.set("code_verifier", &verifier)
        })
        .await;
    parity
        .token("no code_verifier", |c| c.remove("code_verifier"))
        .await;
    parity
        .token("another redirect_uri", |c| {
            c.set("redirect_uri", "http://localhost:9/x")
        })
        .await;
    parity
        .token("a wrong client secret", |c| {
            c.basic(Some((CLIENT, "wrong")))
        })
        .await;
    parity
        .token("another client's credentials", |c| {
            c.basic(Some((OTHER, OTHER_SECRET)))
        })
        .await;
    parity
        .token("Basic and client_secret in the body", |c| {
            c.add("client_id", CLIENT).add("client_secret", SECRET)
        })
        .await;
    parity
        .token("a body client_id that is not the Basic one", |c| {
            c.add("client_id", OTHER)
        })
        .await;
    parity
        .token("a repeated grant_type", |c| {
            c.add("grant_type", "authorization_code")
        })
        .await;
    parity
        .token("no client authentication", |c| {
            c.basic(None).add("client_id", CLIENT)
        })
        .await;
    parity.token("a JSON body", TokenCall::json_body).await;

    // The valid redemption, a token exchange with a malformed scope, and the code once more.
    let mut redeemed = Vec::new();
    for target in [&parity.op, &parity.fake] {
        let (code, verifier) = target.code("valid").await;
        let call = TokenCall::redeem(&code, &verifier);
        let (outcome, body) = target.token(&call).await;
        assert_eq!(
            outcome,
            Outcome::Accepted,
            "{}: the valid redemption: {body}",
            target.name
        );
        redeemed.push((call, body));
    }
    let subject = |i: usize| {
        redeemed[i].1["access_token"]
            .as_str()
            .expect("access_token")
    };
    let op = parity
        .op
        .token(&TokenCall::exchange(subject(0), "readUser  writeUser"))
        .await
        .0;
    let fake = parity
        .fake
        .token(&TokenCall::exchange(subject(1), "readUser  writeUser"))
        .await
        .0;
    parity.record("token exchange with a double space in scope", &op, &fake);
    // (while at FakeFeide the same exchange with a well-formed scope goes through)
    let (fine, body) = parity
        .fake
        .token(&TokenCall::exchange(subject(1), "readUser writeUser"))
        .await;
    assert_eq!(fine, Outcome::Accepted, "{body}");
    let op = parity.op.token(&redeemed[0].0).await.0;
    let fake = parity.fake.token(&redeemed[1].0).await.0;
    parity.record("a replayed code", &op, &fake);

    // End-session: the valid request, then the wrong ones.
    let id_token = |i: usize| {
        redeemed[i].1["id_token"]
            .as_str()
            .expect("id_token")
            .to_owned()
    };
    for (i, target) in [&parity.op, &parity.fake].into_iter().enumerate() {
        let valid = [
            ("id_token_hint", id_token(i)),
            ("post_logout_redirect_uri", LOGGED_OUT.to_owned()),
            ("state", "bye".to_owned()),
        ];
        let outcome = target.end_session(&valid).await;
        assert_eq!(
            outcome,
            Outcome::Accepted,
            "{}: the valid end-session",
            target.name
        );
    }
    let (at_op, at_fake) = (
        wrong_end_sessions(&id_token(0)),
        wrong_end_sessions(&id_token(1)),
    );
    for ((what, op_params), (_, fake_params)) in at_op.iter().zip(&at_fake) {
        let op = parity.op.end_session(op_params).await;
        let fake = parity.fake.end_session(fake_params).await;
        parity.record(&format!("end-session with {what}"), &op, &fake);
    }

    assert!(
        parity.mismatches.is_empty(),
        "FakeFeide accepts what the certified provider refuses:\n{}",
        parity.mismatches.join("\n")
    );
}
