//! How a request to the provider carries the client's authentication, in one place for every
//! caller (token endpoint, introspection, pushed authorization requests): `client_secret_basic`,
//! `client_secret_post` or `private_key_jwt`.
//!
//! The credentials decide between a secret and a key: a client holding a
//! [`ClientKey`](super::ClientKey) always signs a client assertion; for a client with a secret
//! the method chooses Basic or the form.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::client_assertion::{JWT_BEARER, client_assertion};
use super::{ClientAuthMethod, ClientCredentials, Provider};
use crate::secret::Secret;

/// What to add to one request: a sensitive `Authorization` header or form fields.
pub(crate) struct Presentation {
    header: Option<http::HeaderValue>,
    form: Vec<(&'static str, Secret)>,
}

impl Presentation {
    /// Adds the header, if any, to `request`.
    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.header {
            Some(value) => request.header(http::header::AUTHORIZATION, value.clone()),
            None => request,
        }
    }

    /// Appends the form fields, if any, to a body already holding `form`: a `client_id` the
    /// form carries already (a pushed authorization request's) is not repeated.
    pub(crate) fn append_to(
        &self,
        body: &mut form_urlencoded::Serializer<'_, String>,
        form: &[(&str, &str)],
    ) {
        for (name, value) in &self.form {
            if *name == "client_id" && form.iter().any(|(k, _)| *k == "client_id") {
                continue;
            }
            body.append_pair(name, value.expose());
        }
    }
}

/// The method actually used for `client` when `method` is asked for.
pub(crate) fn effective_method(
    client: &ClientCredentials,
    method: ClientAuthMethod,
) -> Result<ClientAuthMethod, &'static str> {
    match (client.key(), method) {
        (Some(_), _) => Ok(ClientAuthMethod::PrivateKeyJwt),
        (None, ClientAuthMethod::PrivateKeyJwt) => {
            Err("private_key_jwt needs a client private key")
        }
        (None, _) if client.secret.expose().is_empty() => Err("the client has no secret"),
        (None, method) => Ok(method),
    }
}

impl Provider {
    /// The authentication of `client` for one request (a fresh assertion each time).
    pub(crate) fn client_authentication(
        &self,
        client: &ClientCredentials,
        method: ClientAuthMethod,
    ) -> Result<Presentation, &'static str> {
        let mut presentation = Presentation {
            header: None,
            form: Vec::new(),
        };
        match effective_method(client, method)? {
            ClientAuthMethod::ClientSecretBasic => {
                let mut value = http::HeaderValue::try_from(basic_auth(client))
                    .map_err(|_| "client credentials are not header-safe")?;
                value.set_sensitive(true);
                presentation.header = Some(value);
            }
            ClientAuthMethod::ClientSecretPost => {
                presentation.form = vec![
                    ("client_id", Secret::new(client.id.clone())),
                    ("client_secret", client.secret.clone()),
                ];
            }
            ClientAuthMethod::PrivateKeyJwt => {
                let key = client
                    .key()
                    .ok_or("private_key_jwt needs a client private key")?;
                let assertion = client_assertion(key, &client.id, self.client_assertion_audience())
                    .map_err(|_| "the client assertion could not be signed")?;
                presentation.form = vec![
                    ("client_id", Secret::new(client.id.clone())),
                    ("client_assertion_type", Secret::new(JWT_BEARER)),
                    ("client_assertion", assertion),
                ];
            }
        }
        Ok(presentation)
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`, RFC 6749 §2.3.1.
pub(crate) fn basic_auth(client: &ClientCredentials) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            enc(&client.id),
            enc(client.secret.expose())
        ))
    )
}
