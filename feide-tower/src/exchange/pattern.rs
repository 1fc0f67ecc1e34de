//! Feide's two token-exchange patterns (RFC 8693), as the exact form fields each one sends.

/// `grant_type` of RFC 8693 token exchange.
pub const GRANT_TYPE_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 8693 token type of an OAuth access token (opaque at Feide).
pub const TOKEN_TYPE_ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
/// RFC 8693 token type of a JWT.
pub const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

/// Which side of Feide's token exchange this client is on.
///
/// | | subject token | `subject_token_type` | `requested_token_type` | `audience` | result |
/// |---|---|---|---|---|---|
/// | [`LoginClient`](Self::LoginClient) | the login's opaque access token | `…:access_token` | not sent | the data source, `https://n.feide.no/datasources/<uuid>` | a JWT for the data source |
/// | [`DataSource`](Self::DataSource) | the incoming JWT | `…:jwt` | `…:access_token` | the issuer, `https://auth.dataporten.no` | an opaque token for Feide's APIs |
///
/// `scope` is sent when one is configured and not empty (Feide then grants what was asked for;
/// without it, everything the client may have).
///
/// ```
/// use feide_tower::exchange::ExchangePattern;
///
/// let form = ExchangePattern::LoginClient.form("opaque-token", "https://n.feide.no/datasources/x", None);
/// assert_eq!(form, [
///     ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
///     ("subject_token", "opaque-token"),
///     ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
///     ("audience", "https://n.feide.no/datasources/x"),
/// ]);
///
/// let form = ExchangePattern::DataSource.form("eyJ.x.y", "https://auth.dataporten.no", Some("groups"));
/// assert_eq!(form, [
///     ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
///     ("subject_token", "eyJ.x.y"),
///     ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
///     ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
///     ("audience", "https://auth.dataporten.no"),
///     ("scope", "groups"),
/// ]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangePattern {
    /// A login client (web app) exchanges the user's opaque access token for a JWT aimed at a
    /// data source.
    LoginClient,
    /// A data source exchanges the JWT it received for an opaque token to Feide's APIs
    /// (extended userinfo, groups).
    DataSource,
}

impl ExchangePattern {
    /// The `subject_token_type` this pattern sends.
    pub fn subject_token_type(self) -> &'static str {
        match self {
            Self::LoginClient => TOKEN_TYPE_ACCESS_TOKEN,
            Self::DataSource => TOKEN_TYPE_JWT,
        }
    }

    /// The `requested_token_type` this pattern sends, if any (Feide refuses one from a login
    /// client and requires it from a data source).
    pub fn requested_token_type(self) -> Option<&'static str> {
        match self {
            Self::LoginClient => None,
            Self::DataSource => Some(TOKEN_TYPE_ACCESS_TOKEN),
        }
    }

    /// The token-endpoint form (client authentication is added by the caller). An empty or
    /// blank `scope` is not sent.
    pub fn form<'a>(
        self,
        subject_token: &'a str,
        audience: &'a str,
        scope: Option<&'a str>,
    ) -> Vec<(&'static str, &'a str)> {
        let mut form = Vec::with_capacity(6);
        form.push(("grant_type", GRANT_TYPE_TOKEN_EXCHANGE));
        form.push(("subject_token", subject_token));
        form.push(("subject_token_type", self.subject_token_type()));
        if let Some(requested) = self.requested_token_type() {
            form.push(("requested_token_type", requested));
        }
        form.push(("audience", audience));
        if let Some(scope) = scope.filter(|s| !s.trim().is_empty()) {
            form.push(("scope", scope));
        }
        form
    }

    /// A stable byte for cache keys.
    pub(crate) fn tag(self) -> u8 {
        match self {
            Self::LoginClient => 1,
            Self::DataSource => 2,
        }
    }
}
