//! Token exchange in axum handlers: [`SubjectToken`] as an extractor, and [`ExchangeError`] as a
//! response so handlers can use `?`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::apis::ApiError;
use crate::bearer::Principal;
use crate::exchange::{ExchangeError, SubjectToken};
use crate::session::FeideSession;

/// The subject token of the current request: the login's access token when a
/// [`FeideSession`] is present (a web app behind
/// [`FeideLoginLayer`](crate::login::FeideLoginLayer)), else the incoming bearer JWT when
/// [`BearerJwtLayer`](crate::bearer::BearerJwtLayer) validated it (a data source). Otherwise
/// the rejection is [`ExchangeError::MissingSubject`] (401): an unvalidated `Authorization`
/// header is never taken.
///
/// The common case in one line:
///
/// ```
/// use axum::{Json, extract::State};
/// use feide_tower::exchange::{ExchangeError, SubjectToken, TokenExchange};
/// use feide_tower::apis::Group;
///
/// // A data source: exchange the caller's JWT for a Feide API token, fetch the groups.
/// async fn groups(
///     State(feide): State<TokenExchange>,
///     subject: SubjectToken,
/// ) -> Result<Json<Vec<Group>>, ExchangeError> {
///     Ok(Json(feide.groups(subject.secret()).await?))
/// }
///
/// // A web app: exchange the user's token for a JWT to the data source, call it.
/// async fn me(
///     State(datasource): State<TokenExchange>,
///     subject: SubjectToken,
/// ) -> Result<Json<serde_json::Value>, ExchangeError> {
///     Ok(Json(datasource.get_json("https://datasource.example.org/me", subject.secret()).await?))
/// }
/// # let _ = axum::Router::<TokenExchange>::new()
/// #     .route("/groups", axum::routing::get(groups))
/// #     .route("/me", axum::routing::get(me));
/// ```
impl<S: Send + Sync> FromRequestParts<S> for SubjectToken {
    type Rejection = ExchangeError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(session) = parts.extensions.get::<FeideSession>() {
            return Ok(Self::from_session(session));
        }
        if parts.extensions.get::<Principal>().is_some()
            && let Some(subject) = Self::from_bearer_header(&parts.headers)
        {
            return Ok(subject);
        }
        tracing::error!(
            "SubjectToken extractor on a route without a login session or a validated bearer token"
        );
        Err(ExchangeError::MissingSubject)
    }
}

/// A small JSON error with `Cache-Control: no-store`; never the token or the provider's text.
///
/// | error | status |
/// |---|---|
/// | error | status | `error` in the body |
/// |---|---|---|
/// | no subject token (no session, no validated bearer token) | 401 | `login_required` |
/// | the token endpoint refused (`invalid_grant`, `invalid_target`, ...) | 502 | the OAuth code |
/// | the API answered 403 / 404 | 403 / 404 | `forbidden` / `not_found` |
/// | a timeout | 504 | `upstream_timeout` |
/// | not configured | 500 | `server_error` |
/// | anything else from the token endpoint or the API | 502 | `upstream_error` |
///
/// A refused exchange is the upstream's answer, not the caller's fault, hence 502; the OAuth
/// code (sanitised to `[a-z_]`) tells the operator which.
impl IntoResponse for ExchangeError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::MissingSubject => (StatusCode::UNAUTHORIZED, "login_required"),
            e if e.is_timeout() => (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"),
            Self::Api(ApiError::Forbidden) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Api(ApiError::NotFound) => (StatusCode::NOT_FOUND, "not_found"),
            Self::NotConfigured(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
            e => match e.oauth_error() {
                Some(oauth) => (StatusCode::BAD_GATEWAY, oauth.as_str()),
                None => (StatusCode::BAD_GATEWAY, "upstream_error"),
            },
        };
        if status.is_server_error() {
            tracing::warn!(error = %self, "token exchange or API call failed");
        } else {
            tracing::debug!(error = %self, "token exchange or API call refused");
        }
        let mut response = (status, format!(r#"{{"error":"{code}"}}"#)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
