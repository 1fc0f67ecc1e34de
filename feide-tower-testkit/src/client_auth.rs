//! Client authentication at the token endpoint: `client_secret_basic` and
//! `client_secret_post` (RFC 6749 §2.3.1), and `private_key_jwt` (RFC 7523, in
//! `client_assertion`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::AUTHORIZATION;

use super::client::FakeClient;
use super::client_assertion;
use super::oauth_error::OAuthError;
use super::params::Params;
use super::server::Req;
use super::state::Inner;

/// The credentials a token request presented.
pub(crate) struct Presented {
    /// `"client_secret_basic"`, `"client_secret_post"`, `"private_key_jwt"` or `"none"`.
    pub(crate) method: &'static str,
    /// The client id presented, if any.
    pub(crate) client_id: Option<String>,
    secret: Option<String>,
    problem: Option<OAuthError>,
    assertion: Option<String>,
}

/// Reads the credentials from the `Authorization` header or the form.
pub(crate) fn presented(req: &Req, form: &Params) -> Presented {
    let header = req
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        });
    if let Some(kind) = form.get("client_assertion_type") {
        return assertion_presented(header.is_some(), kind, form);
    }
    let Some(encoded) = header else {
        let method = if form.has("client_secret") {
            "client_secret_post"
        } else {
            "none"
        };
        return Presented {
            method,
            client_id: form.get("client_id").map(str::to_string),
            secret: form.get("client_secret").map(str::to_string),
            problem: None,
            assertion: None,
        };
    };
    let mut presented = Presented {
        method: "client_secret_basic",
        client_id: None,
        secret: None,
        problem: None,
        assertion: None,
    };
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        presented.problem = Some(OAuthError::invalid_client(
            "malformed Basic authorization header",
        ));
        return presented;
    };
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    let (id, secret) = (form_decode(id), form_decode(secret));
    if form.has("client_secret") {
        presented.problem = Some(OAuthError::invalid_request(
            "more than one client authentication method used",
        ));
    } else if form.get("client_id").is_some_and(|f| f != id) {
        presented.problem = Some(OAuthError::invalid_client(
            "client_id in the form does not match the Basic credentials",
        ));
    }
    presented.client_id = Some(id);
    presented.secret = Some(secret);
    presented
}

/// Authenticates the presented credentials against the registered clients.
pub(crate) fn authenticate(inner: &Inner, presented: Presented) -> Result<FakeClient, OAuthError> {
    if let Some(problem) = presented.problem {
        return Err(problem);
    }
    if let Some(assertion) = presented.assertion {
        let client = presented
            .client_id
            .as_deref()
            .and_then(|id| inner.client(id))
            .ok_or_else(|| OAuthError::invalid_client("client authentication failed"))?;
        client_assertion::verify(&inner.client_assertions, client, &assertion)?;
        return Ok(client.clone());
    }
    let (Some(id), Some(secret)) = (presented.client_id, presented.secret) else {
        return Err(OAuthError::invalid_client("client authentication required"));
    };
    let client = inner
        .client(&id)
        // A client registered without a secret (a key-only client) has no secret to match.
        .filter(|c| !c.client_secret.is_empty())
        .filter(|c| {
            aws_lc_rs::constant_time::verify_slices_are_equal(
                c.client_secret.as_bytes(),
                secret.as_bytes(),
            )
            .is_ok()
        })
        .ok_or_else(|| OAuthError::invalid_client("client authentication failed"))?;
    Ok(client.clone())
}

/// A `client_assertion` in the form (RFC 7523 §2.2): alone, of the JWT type, for the form's
/// `client_id` (or, without one, the assertion's `sub`).
fn assertion_presented(basic_too: bool, kind: &str, form: &Params) -> Presented {
    let assertion = form.get("client_assertion").map(str::to_string);
    let client_id = form.get("client_id").map(str::to_string).or_else(|| {
        assertion
            .as_deref()
            .and_then(client_assertion::claimed_client)
    });
    let problem = if basic_too || form.has("client_secret") {
        Some(OAuthError::invalid_request(
            "more than one client authentication method used",
        ))
    } else if kind != client_assertion::JWT_BEARER {
        Some(OAuthError::invalid_client(
            "unsupported client_assertion_type",
        ))
    } else if assertion.is_none() {
        Some(OAuthError::invalid_client("client_assertion is missing"))
    } else {
        None
    };
    Presented {
        method: "private_key_jwt",
        client_id,
        secret: None,
        problem,
        assertion,
    }
}

/// Decodes one `application/x-www-form-urlencoded` value: `+` is a space,
/// `%XX` a byte; malformed escapes are kept literally.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn decodes_form_values() {
        assert_eq!(form_decode("a+b%3Ac%25"), "a b:c%");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("x%zz"), "x%zz");
        assert_eq!(form_decode("%c3%a6%"), "æ%");
    }
}
