//! The record of one request to the token endpoint.

/// One `POST /oauth/token` the fake received, as recorded for
/// [`FakeFeide::token_requests`](super::FakeFeide::token_requests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// The form fields in the order sent; a `client_secret` value is replaced
    /// by `"<redacted>"`.
    pub form: Vec<(String, String)>,
    /// How the client authenticated: `"client_secret_basic"`,
    /// `"client_secret_post"` or `"none"`.
    pub auth_method: &'static str,
    /// The client id presented (from the Basic header or the form), whether
    /// or not authentication succeeded.
    pub client_id: Option<String>,
}

/// The placeholder stored instead of a client secret.
pub(crate) const REDACTED: &str = "<redacted>";

impl TokenRequest {
    /// Records `form` with secrets redacted.
    pub(crate) fn new(
        form: &[(String, String)],
        auth_method: &'static str,
        client_id: Option<String>,
    ) -> TokenRequest {
        let form = form
            .iter()
            .map(|(k, v)| {
                let v = if k == "client_secret" {
                    REDACTED.to_string()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect();
        TokenRequest {
            form,
            auth_method,
            client_id,
        }
    }

    /// The first value of form field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
