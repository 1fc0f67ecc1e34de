//! [`SubjectToken`]: the token an outgoing request is to be sent on behalf of.

use std::fmt;

use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::secret::Secret;
use crate::session::FeideSession;

/// The subject token of an outgoing request: put it in the request's extensions and
/// [`TokenExchangeLayer`](super::TokenExchangeLayer) exchanges it and sends the result as
/// `Authorization: Bearer …`. The layer takes it out of the extensions: it goes no further.
///
/// - A login client (web app): the login's opaque access token,
///   [`SubjectToken::from_session`].
/// - A data source: the JWT the caller sent, [`SubjectToken::from_jwt`] or
///   [`SubjectToken::from_bearer_header`]. [`BearerJwtLayer`](crate::bearer::BearerJwtLayer)
///   validates the token and leaves the incoming `Authorization` header in place, so read it
///   from the incoming request's headers in the handler (with feature `axum`, `SubjectToken` is
///   also an extractor that does exactly that on routes behind the bearer layer).
///
/// `Debug` is redacted.
///
/// ```
/// use feide_tower::exchange::SubjectToken;
///
/// // In a data-source handler: the validated incoming request's headers.
/// let mut incoming = http::HeaderMap::new();
/// incoming.insert(http::header::AUTHORIZATION, "Bearer eyJhbGciOi.eyJzdWIi.c2ln".parse().unwrap());
/// let subject = SubjectToken::from_bearer_header(&incoming).unwrap();
/// assert_eq!(format!("{subject:?}"), "SubjectToken(<redacted>)");
///
/// let outgoing = http::Request::builder()
///     .uri("https://groups-api.dataporten.no/groups/me/groups")
///     .extension(subject)
///     .body(())
///     .unwrap();
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SubjectToken(Secret);

impl SubjectToken {
    /// A subject token from a secret you hold.
    pub fn new(token: Secret) -> Self {
        Self(token)
    }

    /// The raw JWT a data source received (the compact serialization, without `Bearer `).
    pub fn from_jwt(jwt: impl Into<String>) -> Self {
        Self(Secret::new(jwt))
    }

    /// The login's opaque access token (login-client pattern).
    pub fn from_session(session: &FeideSession) -> Self {
        Self(session.access_token().clone())
    }

    /// The token of exactly one `Authorization: Bearer <token>` header (RFC 6750 §2.1), or
    /// `None` for no header, several, another scheme or a malformed token.
    pub fn from_bearer_header(headers: &HeaderMap) -> Option<Self> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let token = token.trim_start_matches(' ');
        is_b64token(token).then(|| Self::from_jwt(token))
    }

    /// The token.
    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl From<Secret> for SubjectToken {
    fn from(token: Secret) -> Self {
        Self(token)
    }
}

impl fmt::Debug for SubjectToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubjectToken(<redacted>)")
    }
}

/// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(AUTHORIZATION, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn reads_one_bearer_token() {
        let t = SubjectToken::from_bearer_header(&headers(&["bearer a.b.c"])).unwrap();
        assert_eq!(t.secret().expose(), "a.b.c");
        let t = SubjectToken::from_bearer_header(&headers(&["Bearer abc=="])).unwrap();
        assert_eq!(t.secret().expose(), "abc==");
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            &[][..],
            &["Basic abc"],
            &["Bearer"],
            &["Bearer "],
            &["Bearer a b"],
            &["Bearer a,b"],
            &["Bearer =="],
            &["Bearer a", "Bearer b"],
        ] {
            assert!(
                SubjectToken::from_bearer_header(&headers(bad)).is_none(),
                "{bad:?}"
            );
        }
    }
}
