//! Malformed and hostile JWTs against axum-datasource's `GET /me` (RFC 6750 bearer). Every
//! refusal is a 401 (invalid token or request) or a 403 (valid but not enough); the positive
//! controls are 200 with the right subject.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use feide_tower::testkit::{FakeFeide, TokenMinter};
use integration_tests::{now, raw_token};
use serde_json::{Value, json};

use crate::apps::{AUDIENCE, Apps};
use crate::table::{Case, Check};
use crate::wire::Request;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn me(token: &str) -> Request {
    Request::get("/me").bearer(token)
}

/// A valid token for alice with the required scope.
fn good(fake: &FakeFeide) -> TokenMinter {
    fake.mint().claim("scope", "openid readUser")
}

/// `header.claims.signature` with a signature made with HMAC-SHA-`bits` under `secret`.
fn hmac_token(header: &Value, claims: &Value, secret: &[u8], alg: hmac::Algorithm) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let tag = hmac::sign(&hmac::Key::new(alg, secret), input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

pub async fn cases(apps: &Apps) -> Vec<Case> {
    let fake = &apps.fake;
    let alice = fake.users()[0].sub.clone();
    let valid = good(fake).sign();
    let (header, claims) = good(fake).unsigned_parts();
    let [h, p, s]: [&str; 3] = {
        let mut parts = valid.split('.');
        [
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        ]
    };
    let sig = b"\x01\x02\x03\x04 definitely not a signature";
    let jwks: Value = reqwest::get(fake.url("/openid/jwks"))
        .await
        .expect("JWKS")
        .json()
        .await
        .expect("JWKS JSON");
    let n = jwks["keys"][0]["n"].as_str().unwrap_or_default().to_owned();
    let with_header = |f: &dyn Fn(&mut Value)| {
        let mut hd = header.clone();
        f(&mut hd);
        raw_token(&hd, &claims, sig)
    };
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));

    let mut t: Vec<Case> = Vec::new();
    let mut add =
        |name: &str, request: Request, status: u16| t.push(Case::new(name, request, status));

    // Positive controls: the corpus must not pass because everything is refused.
    add("control_valid_token", me(&valid), 200);
    add(
        "control_scope_as_array",
        me(&good(fake)
            .claim("scope", json!(["openid", "readUser"]))
            .sign()),
        200,
    );
    add(
        "control_two_audiences",
        me(&good(fake)
            .claim("aud", json!(["https://other.example", AUDIENCE]))
            .sign()),
        200,
    );
    add(
        "control_extra_spaces_in_scope",
        me(&good(fake).claim("scope", "  readUser  ").sign()),
        200,
    );
    add(
        "control_lowercase_scheme",
        Request::get("/me").header("Authorization", format!("bearer {valid}")),
        200,
    );

    // The Authorization header itself.
    add("no_authorization_header", Request::get("/me"), 401);
    add(
        "basic_scheme",
        Request::get("/me").header("Authorization", "Basic dXNlcjpwYXNz"),
        401,
    );
    add(
        "bearer_without_token",
        Request::get("/me").header("Authorization", "Bearer"),
        401,
    );
    add(
        "bearer_blank_token",
        Request::get("/me").header("Authorization", "Bearer    "),
        401,
    );
    add(
        "two_authorization_headers",
        me(&valid).header("Authorization", format!("Bearer {valid}")),
        401,
    );
    add(
        "token_in_query_only",
        Request::get(format!("/me?access_token={valid}")),
        401,
    );
    add("token_with_inner_space", me(&format!("{h}.{p} {s}")), 401);
    add("token_with_comma", me(&format!("{valid},{valid}")), 401);
    add(
        "bearer_scheme_glued",
        Request::get("/me").header("Authorization", format!("Bearer{valid}")),
        401,
    );

    // Segment counts and empty segments.
    add("one_segment", me(h), 401);
    add("two_segments", me(&format!("{h}.{p}")), 401);
    add("four_segments", me(&format!("{valid}.{s}")), 401);
    add(
        "five_segments_jwe_shape",
        me(&format!("{h}.{p}.{s}.{s}.{s}")),
        401,
    );
    add("only_dots", me(".."), 401);
    add("empty_header_segment", me(&format!(".{p}.{s}")), 401);
    add("empty_payload_segment", me(&format!("{h}..{s}")), 401);
    add("empty_signature_segment", me(&format!("{h}.{p}.")), 401);
    add("trailing_dot", me(&format!("{valid}.")), 401);

    // Bad base64.
    add(
        "header_standard_base64",
        me(&format!("{}.{p}.{s}", STANDARD.encode(header.to_string()))),
        401,
    );
    add("header_padded", me(&format!("{h}==.{p}.{s}")), 401);
    add(
        "payload_with_plus_slash",
        me(&format!("{h}.{}+/.{s}", &p[..p.len() - 2])),
        401,
    );
    add(
        "signature_not_base64url",
        me(&format!("{h}.{p}.{}~~", &s[..s.len() - 2])),
        401,
    );
    add(
        "header_bad_length",
        me(&format!("{}.{p}.{s}", &h[..h.len() - 1])),
        401,
    );
    add(
        "signature_truncated",
        me(&format!("{h}.{p}.{}", &s[..s.len() / 2])),
        401,
    );
    add("payload_swapped_for_another_users", me(&format!("{h}.{}.{s}", b64(json!({"iss": fake.issuer(), "aud": AUDIENCE, "exp": now() + 600, "sub": "mallory", "scope": "readUser"}).to_string()))), 401);

    // Bad JSON.
    add(
        "header_not_json",
        me(&format!("{}.{p}.{s}", b64("{not json"))),
        401,
    );
    add(
        "header_json_array",
        me(&format!("{}.{p}.{s}", b64("[\"RS256\"]"))),
        401,
    );
    add(
        "header_json_null",
        me(&format!("{}.{p}.{s}", b64("null"))),
        401,
    );
    add(
        "header_json_string",
        me(&format!("{}.{p}.{s}", b64("\"RS256\""))),
        401,
    );
    add(
        "header_trailing_garbage",
        me(&format!("{}.{p}.{s}", b64(format!("{header}xyz")))),
        401,
    );
    add(
        "header_deeply_nested",
        me(&format!(
            "{}.{p}.{s}",
            b64(format!("{{\"alg\":\"RS256\",\"x\":{deep}}}"))
        )),
        401,
    );
    add(
        "header_duplicate_alg",
        me(&format!(
            "{}.{p}.{s}",
            b64(r#"{"alg":"none","alg":"RS256"}"#)
        )),
        401,
    );
    add(
        "payload_not_json_signed_garbage",
        me(&format!("{h}.{}.{s}", b64("\u{0}\u{1}binary"))),
        401,
    );
    add(
        "payload_json_array_signed",
        me(&good(fake).claims(json!([1, 2, 3])).sign()),
        401,
    );
    add(
        "payload_json_string_signed",
        me(&good(fake).claims(json!("claims")).sign()),
        401,
    );
    add(
        "payload_json_null_signed",
        me(&good(fake).claims(Value::Null).sign()),
        401,
    );

    // Huge headers (inside the 16 KiB limit they are parsed; above it, refused unparsed).
    add(
        "huge_header_field_unsigned",
        me(&with_header(&|hd| hd["x"] = json!("A".repeat(12_000)))),
        401,
    );
    add(
        "token_over_16k",
        me(&format!("{h}.{}.{s}", "A".repeat(17_000))),
        401,
    );
    add("token_of_64k", me(&"A".repeat(64 * 1024)), 401);
    add(
        "many_header_members",
        me(&with_header(&|hd| {
            for i in 0..500 {
                hd[format!("h{i}")] = json!(i);
            }
        })),
        401,
    );

    // Unicode.
    add(
        "non_ascii_token_bytes",
        Request::get("/me").header("Authorization", "Bearer \u{e6}\u{f8}\u{e5}.b.c".as_bytes()),
        401,
    );
    add(
        "unicode_kid",
        me(&with_header(&|hd| hd["kid"] = json!("ключ-🔑"))),
        401,
    );
    add(
        "homoglyph_alg",
        me(&with_header(&|hd| hd["alg"] = json!("R\u{405}256"))),
        401,
    );
    add(
        "nul_in_kid",
        me(&with_header(&|hd| hd["kid"] = json!("fake-rsa-1\u{0}"))),
        401,
    );
    add(
        "rtl_override_in_iss_signed",
        me(&good(fake)
            .claim("iss", format!("{}\u{202e}", fake.issuer()))
            .sign()),
        401,
    );
    add(
        "fullwidth_scope_signed",
        me(&good(fake).claim("scope", "openid ｒｅａｄＵｓｅｒ").sign()),
        403,
    );

    // Nested JWTs.
    add(
        "payload_is_a_jwt_string_signed",
        me(&good(fake).claims(json!(valid)).sign()),
        401,
    );
    add(
        "token_inside_kid",
        me(&with_header(&|hd| hd["kid"] = json!(valid))),
        401,
    );
    add(
        "cty_jwt_wrapping_valid_token",
        me(&good(fake)
            .header_field("cty", "JWT")
            .claims(json!(valid))
            .sign()),
        401,
    );
    add(
        "jwt_concatenated_with_jwt",
        me(&format!("{valid}{valid}")),
        401,
    );

    // Algorithm confusion.
    add(
        "alg_none_empty_signature",
        me(&format!(
            "{}.{p}.",
            b64(json!({"alg": "none", "typ": "JWT"}).to_string())
        )),
        401,
    );
    add(
        "alg_none_with_signature",
        me(&format!(
            "{}.{p}.{s}",
            b64(json!({"alg": "none"}).to_string())
        )),
        401,
    );
    add(
        "alg_None_capitalised",
        me(&with_header(&|hd| hd["alg"] = json!("None"))),
        401,
    );
    add(
        "alg_NONE_upper",
        me(&with_header(&|hd| hd["alg"] = json!("NONE"))),
        401,
    );
    add(
        "alg_lowercase_rs256",
        me(&with_header(&|hd| hd["alg"] = json!("rs256"))),
        401,
    );
    add(
        "alg_with_trailing_space",
        me(&with_header(&|hd| hd["alg"] = json!("RS256 "))),
        401,
    );
    add(
        "alg_missing",
        me(&with_header(&|hd| {
            hd.as_object_mut().map(|o| o.remove("alg"));
        })),
        401,
    );
    add(
        "alg_null",
        me(&with_header(&|hd| hd["alg"] = Value::Null)),
        401,
    );
    add(
        "alg_array",
        me(&with_header(&|hd| hd["alg"] = json!(["RS256"]))),
        401,
    );
    add(
        "hs256_with_public_modulus_as_secret",
        me(&hmac_token(
            &json!({"alg": "HS256", "kid": fake.signing_kid()}),
            &claims,
            n.as_bytes(),
            hmac::HMAC_SHA256,
        )),
        401,
    );
    add(
        "hs384_with_public_modulus_as_secret",
        me(&hmac_token(
            &json!({"alg": "HS384", "kid": fake.signing_kid()}),
            &claims,
            n.as_bytes(),
            hmac::HMAC_SHA384,
        )),
        401,
    );
    add(
        "hs512_with_jwks_as_secret",
        me(&hmac_token(
            &json!({"alg": "HS512"}),
            &claims,
            jwks.to_string().as_bytes(),
            hmac::HMAC_SHA512,
        )),
        401,
    );
    add(
        "hs256_with_empty_secret",
        me(&hmac_token(
            &json!({"alg": "HS256"}),
            &claims,
            b"",
            hmac::HMAC_SHA256,
        )),
        401,
    );
    add(
        "es256_signed_by_unpublished_ec_key",
        me(&good(fake).key("fake-ec-1").sign()),
        401,
    );
    add(
        "es256_header_on_rsa_signature",
        me(&good(fake).header_field("alg", "ES256").sign()),
        401,
    );
    add(
        "ps256_header_on_rs256_signature",
        me(&good(fake).header_field("alg", "PS256").sign()),
        401,
    );
    add(
        "rs512_header_on_rs256_signature",
        me(&good(fake).header_field("alg", "RS512").sign()),
        401,
    );
    add(
        "signed_by_unpublished_rsa_key_naming_published_kid",
        me(&good(fake)
            .key("fake-rsa-2")
            .kid(Some(&fake.signing_kid()))
            .sign()),
        401,
    );
    add(
        "signed_by_unpublished_rsa_key_own_kid",
        me(&good(fake).key("fake-rsa-3").sign()),
        401,
    );
    add(
        "signature_of_another_token",
        me(&format!(
            "{h}.{}.{s}",
            b64(good(fake)
                .claim("sub", "mallory")
                .unsigned_parts()
                .1
                .to_string())
        )),
        401,
    );

    // Header injection: a token never chooses its key.
    add(
        "jku_header",
        me(&good(fake)
            .header_field("jku", "https://evil.example/jwks")
            .sign()),
        401,
    );
    add(
        "x5u_header",
        me(&good(fake)
            .header_field("x5u", "https://evil.example/cert.pem")
            .sign()),
        401,
    );
    add(
        "jwk_header_embedded_key",
        me(&good(fake)
            .header_field("jwk", json!({"kty": "RSA", "n": n, "e": "AQAB"}))
            .sign()),
        401,
    );
    add(
        "crit_header_exp",
        me(&good(fake).header_field("crit", json!(["exp"])).sign()),
        401,
    );
    add(
        "crit_header_empty",
        me(&good(fake).header_field("crit", json!([])).sign()),
        401,
    );
    add(
        "zip_header",
        me(&good(fake).header_field("zip", "DEF").sign()),
        401,
    );
    // `"jku": null` names no URL: read as absent, and the token is really ours.
    add(
        "jku_null_is_absent_and_signed_ok",
        me(&good(fake).header_field("jku", Value::Null).sign()),
        200,
    );
    add(
        "x5c_with_attacker_signature",
        me(&with_header(&|hd| {
            hd["x5c"] = json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"])
        })),
        401,
    );
    add(
        "kid_path_traversal",
        me(&with_header(&|hd| {
            hd["kid"] = json!("../../../../etc/passwd")
        })),
        401,
    );
    add(
        "kid_sql_injection",
        me(&with_header(&|hd| hd["kid"] = json!("' OR '1'='1' --"))),
        401,
    );
    add(
        "kid_empty_string",
        me(&with_header(&|hd| hd["kid"] = json!(""))),
        401,
    );
    add(
        "kid_number",
        me(&with_header(&|hd| hd["kid"] = json!(1))),
        401,
    );
    add(
        "kid_null",
        me(&with_header(&|hd| hd["kid"] = Value::Null)),
        401,
    );
    add(
        "kid_object",
        me(&with_header(&|hd| hd["kid"] = json!({"$ne": null}))),
        401,
    );
    add(
        "kid_huge_signed",
        me(&good(fake).kid(Some(&"k".repeat(8000))).sign()),
        401,
    );

    // Claim type confusion (all validly signed: the claim check is what refuses them).
    let claim = |name: &str, value: Value| me(&good(fake).claim(name, value).sign());
    let without = |name: &str| me(&good(fake).remove(name).sign());
    add("aud_number", claim("aud", json!(42)), 401);
    add("aud_object", claim("aud", json!({"aud": AUDIENCE})), 401);
    add("aud_empty_array", claim("aud", json!([])), 401);
    add("aud_array_of_numbers", claim("aud", json!([1, 2])), 401);
    add(
        "aud_array_with_ours_and_a_number",
        claim("aud", json!([AUDIENCE, 7])),
        401,
    );
    add("aud_nested_array", claim("aud", json!([[AUDIENCE]])), 401);
    add("aud_null", claim("aud", Value::Null), 401);
    add("aud_missing", without("aud"), 401);
    add(
        "aud_other_datasource",
        claim("aud", json!("https://n.feide.no/datasources/other")),
        401,
    );
    add(
        "aud_prefix_of_ours",
        claim("aud", json!(&AUDIENCE[..AUDIENCE.len() - 1])),
        401,
    );
    add(
        "exp_string",
        claim("exp", json!((now() + 600).to_string())),
        401,
    );
    add("exp_float_1e300", claim("exp", json!(1e300)), 401);
    add(
        "exp_beyond_year_9999",
        claim("exp", json!(253_402_300_800_i64)),
        401,
    );
    add("exp_u64_max", claim("exp", json!(u64::MAX)), 401);
    add("exp_negative", claim("exp", json!(-1)), 401);
    add("exp_bool", claim("exp", json!(true)), 401);
    add("exp_array", claim("exp", json!([now() + 600])), 401);
    add("exp_missing", without("exp"), 401);
    add("exp_in_the_past", claim("exp", json!(now() - 3600)), 401);
    add(
        "exp_float_in_the_past",
        claim("exp", json!(now() as f64 - 3600.5)),
        401,
    );
    add("iss_number", claim("iss", json!(1)), 401);
    add("iss_array", claim("iss", json!([fake.issuer()])), 401);
    add(
        "iss_trailing_slash",
        claim("iss", json!(format!("{}/", fake.issuer()))),
        401,
    );
    add("iss_missing", without("iss"), 401);
    add(
        "iss_case_changed",
        claim("iss", json!(fake.issuer().to_uppercase())),
        401,
    );
    add("nbf_string", claim("nbf", json!("0")), 401);
    add("nbf_far_future", claim("nbf", json!(now() + 3600)), 401);
    add("iat_far_future", claim("iat", json!(now() + 3600)), 401);
    add("iat_object", claim("iat", json!({})), 401);
    add("sub_number", claim("sub", json!(1)), 401);
    add("sub_object", claim("sub", json!({"sub": "alice"})), 401);
    add("client_id_array", claim("client_id", json!(["c"])), 401);
    add("act_string", claim("act", json!("fake-client")), 401);
    add(
        "scope_object",
        claim("scope", json!({"readUser": true})),
        401,
    );
    add("scope_number", claim("scope", json!(1)), 401);
    add("scope_array_of_numbers", claim("scope", json!([1])), 401);
    add(
        "scope_array_nested",
        claim("scope", json!([["readUser"]])),
        401,
    );
    add("scope_bool", claim("scope", json!(true)), 401);
    add("scope_missing", without("scope"), 403);
    add("scope_empty", claim("scope", json!("")), 403);
    add("scope_suffixed", claim("scope", json!("readUserX")), 403);
    add("scope_upper_case", claim("scope", json!("READUSER")), 403);
    add(
        "scope_tab_separated",
        claim("scope", json!("openid\treadUser")),
        403,
    );
    add(
        "scope_comma_separated",
        claim("scope", json!("openid,readUser")),
        403,
    );
    add(
        "client_token_without_user",
        me(&good(fake).claim("sub", "fake-client").sign()),
        403,
    );

    // Other kinds of JWT signed by the same keys (issue 13, findings 3 and 7).
    add(
        "id_token_with_nonce_signed",
        claim("nonce", json!("the-login-s-nonce")),
        401,
    );
    add(
        "id_token_with_at_hash_signed",
        claim("at_hash", json!("x")),
        401,
    );
    add(
        "id_token_with_c_hash_signed",
        claim("c_hash", json!("x")),
        401,
    );
    add(
        "logout_token_events_signed",
        claim(
            "events",
            json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
        ),
        401,
    );
    add(
        "typ_logout_jwt_signed",
        me(&good(fake).header_field("typ", "logout+jwt").sign()),
        401,
    );
    add(
        "typ_secevent_jwt_signed",
        me(&good(fake)
            .header_field("typ", "application/secevent+jwt")
            .sign()),
        401,
    );
    add(
        "typ_number_signed",
        me(&good(fake).header_field("typ", 1).sign()),
        401,
    );
    add(
        "control_typ_application_at_jwt",
        me(&good(fake).header_field("typ", "application/at+jwt").sign()),
        200,
    );
    add(
        "keycloak_id_token_typ_claim",
        claim("typ", json!("ID")),
        401,
    );
    add(
        "keycloak_refresh_token_typ_claim",
        claim("typ", json!("Refresh")),
        401,
    );
    add("sub_missing", without("sub"), 401);
    add(
        "keycloak_service_account_signed",
        me(&good(fake)
            .claim("sub", "5f3a7d2e-1c4b-4e8f-9a6d-2b7c8e9f0a1b")
            .claim("azp", "svc")
            .claim("preferred_username", "service-account-svc")
            .remove("client_id")
            .sign()),
        403,
    );
    add(
        "entra_app_only_signed",
        me(&good(fake)
            .claim("sub", "0b6e7c1d-aaaa-4bbb-8ccc-1234567890ab")
            .claim("oid", "0b6e7c1d-aaaa-4bbb-8ccc-1234567890ab")
            .sign()),
        403,
    );

    // The positive control again, checking whose request it was.
    t.push(Case::new("control_subject_is_alice", me(&valid), 200).check(Check::Subject(alice)));
    t
}
