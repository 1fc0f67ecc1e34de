//! Issue 13, finding 6: session keys are key material, and each purpose has its own.
//!
//! axum-login configured with a passphrase refuses to start, naming the entry and how to make a
//! key. Against the running app: a session cookie sealed by the derivation of earlier versions
//! (the key's text as HKDF input), with the login-flow key, with the application key or with
//! another login's key is not a session; a flow cookie sealed with the session key does not
//! complete a login.

use std::net::SocketAddr;

use aws_lc_rs::{aead, digest, hkdf};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feide_tower::login::DEFAULT_LOGIN_NAME;
use feide_tower::session::KeyRing;
use feide_tower::session::cookie::{CookieCodec, Envelope};
use serde_json::Value;

use crate::apps::{Apps, SESSION_KEY, approve, log_in, login_env, session_codec};
use crate::table::{self, Case, Check};
use crate::wire::Request;

const NAME: &str = "feide_session";

/// Seals `plaintext` for the cookie `name` as feide-tower did before key material was required:
/// HKDF-SHA256 over the secret's text with the salt `feide-tower session v1`, associated data
/// `hint || name`.
fn seal_with_the_old_derivation(secret: &str, name: &str, plaintext: &[u8]) -> String {
    let prk =
        hkdf::Salt::new(hkdf::HKDF_SHA256, b"feide-tower session v1").extract(secret.as_bytes());
    let mut key = [0u8; 32];
    prk.expand(&[b"cookie aes-256-gcm"], hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(&mut key))
        .expect("HKDF expands to 32 bytes");
    let hint: [u8; 4] = digest::digest(&digest::SHA256, &key).as_ref()[..4]
        .try_into()
        .expect("4 bytes");
    let mut nonce = [0u8; 12];
    aws_lc_rs::rand::fill(&mut nonce).expect("random nonce");
    let aead = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_256_GCM, &key).expect("AES-256 key"),
    );
    let mut body = plaintext.to_vec();
    let aad = [hint.as_slice(), name.as_bytes()].concat();
    aead.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::from(aad),
        &mut body,
    )
    .expect("seals");
    let raw = [hint.as_slice(), &nonce, &body].concat();
    format!("v1.{}", URL_SAFE_NO_PAD.encode(raw))
}

fn me(value: &str) -> Request {
    Request::get("/me")
        .header("Accept", "application/json")
        .cookie(&[(NAME.to_owned(), value.to_owned())])
}

/// A passphrase in `APP_SECRET_KEY` is a start-up error that names the entry and shows how to
/// make a key, without quoting it.
pub async fn passphrases_refuse_to_start(apps: &Apps) {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
    for passphrase in [
        "feide-tower-session-secret-2024!",
        "thisismysupersecretsessionkeyforfeidetowerap",
        "0123456789abcdefghijklmnopqrstuvwxyz",
    ] {
        let mut env = login_env(&apps.fake, "http://127.0.0.1:1");
        env.insert("APP_SECRET_KEY", format!("{SESSION_KEY},{passphrase}"));
        let refused = axum_login::configure(|name| env.get(name).cloned(), addr)
            .await
            .err()
            .unwrap_or_else(|| panic!("axum-login started with the passphrase {passphrase:?}"));
        let message = refused.to_string();
        assert!(message.contains("APP_SECRET_KEY key #2"), "{message}");
        assert!(message.contains("openssl rand -base64 32"), "{message}");
        assert!(
            !message.contains(passphrase),
            "the message quotes the secret"
        );
    }
}

/// Cookies sealed for other purposes, by other logins or by the old derivation are not
/// sessions, over HTTP.
pub async fn run(apps: &Apps) {
    let alice = &apps.fake.users()[0];
    let session = log_in(apps, &alice.id).await;
    assert_eq!(session.len(), 1, "a small session is one cookie");
    let value = &session[0].1;
    let now = integration_tests::now() as u64;
    let ours = session_codec();
    let envelope: Envelope<Value> = ours
        .open_envelope(NAME, value, now, None)
        .expect("the session opens with the login's session codec");
    let json = ours.open(NAME, value).expect("opens");
    let ring = KeyRing::from_secrets(&[SESSION_KEY]).expect("key");
    let sealed_by = |codec: CookieCodec| codec.reseal_envelope(NAME, &envelope).expect("reseal");

    let mut t = vec![
        Case::new(
            "control_resealed_with_the_session_codec",
            me(&sealed_by(ours.clone())),
            200,
        )
        .check(Check::Subject(alice.sub.clone())),
        Case::new(
            "sealed_by_the_old_derivation",
            me(&seal_with_the_old_derivation(SESSION_KEY, NAME, &json)),
            401,
        ),
        Case::new(
            "sealed_with_the_flow_key",
            me(&sealed_by(CookieCodec::login_flow(
                ring.clone(),
                DEFAULT_LOGIN_NAME,
            ))),
            401,
        ),
        Case::new(
            "sealed_with_the_application_key",
            me(&sealed_by(CookieCodec::new(ring.clone()))),
            401,
        ),
        Case::new(
            "sealed_with_another_logins_key",
            me(&sealed_by(CookieCodec::login_session(
                ring.clone(),
                "other",
            ))),
            401,
        ),
    ];

    // A flow cookie sealed with the session key (same name, same content) does not complete a
    // login; sealed with the flow key it does.
    let flows = CookieCodec::login_flow(ring.clone(), DEFAULT_LOGIN_NAME);
    for (case, codec, status, check) in [
        (
            "flow_cookie_sealed_with_the_session_key",
            ours.clone(),
            400,
            Check::NoSession,
        ),
        (
            "control_flow_cookie_resealed_with_the_flow_key",
            flows.clone(),
            302,
            Check::Session,
        ),
    ] {
        let approved = approve(apps, b"").await.expect("a login is approved");
        let (flow_name, flow_value) = &approved.flow_cookie;
        let flow: Envelope<Value> = flows
            .open_envelope(flow_name, flow_value, now, None)
            .expect("the flow cookie opens with the login's flow codec");
        let forged = codec.reseal_envelope(flow_name, &flow).expect("reseal");
        let request = Request::get(format!("/callback?{}", approved.original_query()))
            .header("Accept", "text/html")
            .cookie(&[(flow_name.clone(), forged)]);
        t.push(Case::new(case, request, status).check(check));
    }
    table::run("keys", apps.login, &t).await;
}
