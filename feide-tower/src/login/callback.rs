//! `/callback`: consume the flow cookie, check state, redeem the code with the PKCE verifier,
//! validate the ID token, fetch userinfo, seal the session, redirect to `return_to`.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use tracing::field::Empty;
use tracing::{Instrument as _, Span};

use super::FeideLogin;
use super::config::LoginConfig;
use super::controls::{AuthAge, check_auth_age};
use super::flow::Flow;
use super::query::{Duplicate, Query};
use super::silent::SilentLoginError;
use super::stored::StoredSession;
use super::values::CsrfState;
use crate::answer::Answer;
use crate::apis::{ApiError, userinfo};
use crate::provider::{OAuthErrorCode, TokenEndpointError};
use crate::session::cookie::request_cookies;
use crate::session::{OriginalIdToken, SessionData};
use crate::telemetry;
use crate::telemetry::labels::LoginResult;
use crate::token::{Claims, DEFAULT_LEEWAY, TokenError, now};

/// Why a callback did not produce a session. Logged by kind; never shown with details.
#[derive(Debug)]
enum CallbackError {
    Malformed,
    UnknownFlow,
    IssuerMismatch,
    Denied(String),
    MissingCode,
    Token(TokenEndpointError),
    MissingIdToken,
    IdToken(TokenError),
    NonceMismatch,
    AcrMismatch,
    Userinfo(ApiError),
    SessionTooLarge,
    /// The ID token does not show the recent authentication `max_age` asked for.
    AuthAge(AuthAge),
    /// A silent login the provider could not complete without the user: an outcome for the
    /// app ([`SilentLoginFailed`](super::SilentLoginFailed)), not an error page.
    /// Carries the flow's `return_to`.
    Silent(SilentLoginError, String),
    /// The session store could not take the new session: answered like every store outage
    /// (503 with `Retry-After`), not with a sign-in error page.
    StoreUnavailable,
}

impl From<Duplicate> for CallbackError {
    fn from(_: Duplicate) -> Self {
        Self::Malformed
    }
}

impl CallbackError {
    fn kind(&self) -> &'static str {
        match self {
            Self::Malformed => "malformed_callback",
            Self::UnknownFlow => "unknown_or_replayed_state",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::Denied(_) => "provider_error",
            Self::MissingCode => "missing_code",
            Self::Token(TokenEndpointError::OAuth { .. }) => "token_endpoint_refused",
            Self::Token(_) => "token_endpoint_unavailable",
            Self::MissingIdToken => "missing_id_token",
            Self::IdToken(_) => "invalid_id_token",
            Self::NonceMismatch => "nonce_mismatch",
            Self::AcrMismatch => "acr_mismatch",
            Self::Userinfo(_) => "userinfo_failed",
            Self::SessionTooLarge => "session_too_large",
            Self::AuthAge(AuthAge::Missing) => "auth_time_missing",
            Self::AuthAge(AuthAge::TooOld) => "auth_time_too_old",
            Self::Silent(..) => "silent_login_failed",
            Self::StoreUnavailable => "store_unavailable",
        }
    }

    /// The metrics' `reason`: the log's reason code, but `access_denied` for a user declining
    /// (it is a `cancelled` login, not a provider error).
    fn metric_reason(&self) -> &'static str {
        match self {
            Self::Denied(code) if code == "access_denied" => "access_denied",
            _ => self.kind(),
        }
    }

    /// How the metrics count this outcome: a user declining, or a silent login that needs the
    /// user, is `cancelled`; everything else `failed`.
    fn metric(&self) -> LoginResult {
        match self {
            Self::Denied(code) if code == "access_denied" => LoginResult::Cancelled,
            Self::Silent(..) => LoginResult::Cancelled,
            _ => LoginResult::Failed,
        }
    }

    /// The code a custom renderer sees (see [`LoginFailure::reason`](super::LoginFailure)).
    fn reason(&self) -> &'static str {
        match self {
            Self::Malformed | Self::MissingCode | Self::IssuerMismatch | Self::NonceMismatch => {
                "invalid_response"
            }
            Self::Token(TokenEndpointError::OAuth {
                code: OAuthErrorCode::InvalidGrant,
                ..
            }) => "invalid_response",
            Self::UnknownFlow => "unknown_or_replayed_state",
            Self::Denied(code) if code == "access_denied" => "access_denied",
            Self::Denied(_) => "provider_error",
            Self::AcrMismatch => "mfa_required",
            Self::Token(_) | Self::MissingIdToken | Self::IdToken(_) | Self::Userinfo(_) => {
                "unavailable"
            }
            Self::SessionTooLarge => "session_too_large",
            Self::AuthAge(_) => "reauthentication_required",
            Self::Silent(..) => "silent_login_failed",
            Self::StoreUnavailable => "unavailable",
        }
    }

    fn page(&self, cfg: &LoginConfig) -> Answer {
        let (status, title, message): (StatusCode, &'static str, String) = match self {
            Self::Malformed | Self::MissingCode | Self::IssuerMismatch => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "The sign-in response was not valid.".into(),
            ),
            Self::UnknownFlow => (
                StatusCode::BAD_REQUEST,
                "Sign-in link expired",
                "This sign-in has expired or was already completed. Please sign in again.".into(),
            ),
            Self::Denied(code) if code == "access_denied" => (
                StatusCode::FORBIDDEN,
                "Sign-in cancelled",
                "Sign-in was cancelled or access was denied.".into(),
            ),
            Self::Denied(code) => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                format!("The identity provider reported an error ({code})."),
            ),
            Self::Token(TokenEndpointError::OAuth {
                code: OAuthErrorCode::InvalidGrant,
                ..
            })
            | Self::NonceMismatch => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "Sign-in could not be completed. Please try again.".into(),
            ),
            Self::AcrMismatch => (
                StatusCode::FORBIDDEN,
                "Multi-factor authentication required",
                "This service requires multi-factor authentication.".into(),
            ),
            Self::IdToken(e) if e.is_unavailable() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in unavailable",
                "The identity provider cannot be reached right now. Please try again shortly."
                    .into(),
            ),
            Self::Token(_) | Self::MissingIdToken | Self::IdToken(_) | Self::Userinfo(_) => (
                StatusCode::BAD_GATEWAY,
                "Sign-in unavailable",
                "The identity provider's answer could not be used. Please try again shortly."
                    .into(),
            ),
            Self::SessionTooLarge => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "The session could not be stored. Please contact the service owner.".into(),
            ),
            // `Silent` and `StoreUnavailable` are answered by `complete_login` before this; the
            // generic page keeps the match total.
            Self::AuthAge(_) | Self::Silent(..) | Self::StoreUnavailable => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "The identity provider did not confirm a recent enough sign-in. Please try again."
                    .into(),
            ),
        };
        cfg.failure(status, self.reason(), title, message, &cfg.paths.login)
    }
}

/// Keeps only `[a-z_]` of a provider's error code (it is shown on a page and logged).
fn sanitise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_lowercase() || *c == '_')
        .take(64)
        .collect()
}

impl FeideLogin {
    /// Completes a login (the callback route). `headers` are the request's (for cookies).
    ///
    /// The flow cookie is deleted whatever the outcome, so a callback URL works once.
    ///
    /// One `feide.login.callback` span (debug level) with `outcome` = `success` | `cancelled` |
    /// `failed` and, unless successful, `reason` (the failure's reason code); never the code,
    /// state or a token.
    pub async fn complete_login(&self, query: Option<&str>, headers: &HeaderMap) -> Answer {
        let span = tracing::debug_span!(
            "feide.login.callback",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        self.complete_login_in(query, headers, &span)
            .instrument(span.clone())
            .await
    }

    async fn complete_login_in(
        &self,
        query: Option<&str>,
        headers: &HeaderMap,
        span: &Span,
    ) -> Answer {
        let cfg = &*self.config;
        let params = Query::parse(query);
        let state = match params.single("state") {
            Ok(Some(s)) => CsrfState::from_callback(s),
            _ => None,
        };
        let Some(state) = state else {
            span.record("outcome", LoginResult::Failed.as_str());
            span.record("reason", "missing_or_malformed_state");
            // A browser's doing (a bookmark, a replay), not the operator's.
            tracing::debug!(
                reason = "missing_or_malformed_state",
                "login callback refused"
            );
            let error = CallbackError::UnknownFlow;
            telemetry::login(error.metric(), error.metric_reason());
            return error.page(cfg);
        };
        let removal = cfg.flow.removal(&state);
        let flow = cfg
            .flow
            .open(&state, request_cookies(headers), now() as u64);
        let result = match flow {
            Some(flow) => self.redeem(flow, &params, headers).await,
            None => Err(CallbackError::UnknownFlow),
        };
        match &result {
            Ok(_) => telemetry::login(LoginResult::Success, "none"),
            Err(error) => telemetry::login(error.metric(), error.metric_reason()),
        }
        match &result {
            Ok(_) => span.record("outcome", LoginResult::Success.as_str()),
            Err(error) => span
                .record("outcome", error.metric().as_str())
                .record("reason", error.kind()),
        };
        let response = match result {
            Ok(response) => {
                tracing::info!("login completed");
                response
            }
            Err(CallbackError::StoreUnavailable) => self.store_unavailable(headers),
            Err(CallbackError::Silent(error, return_to)) => {
                // Back where the app asked to be, without a session, and a one-shot marker the
                // login layer turns into `SilentLoginFailed` there.
                tracing::info!(%error, "silent login: the provider needs the user");
                let marker = cfg.flow.silent_marker(error, now() as u64);
                Answer::redirect(StatusCode::FOUND, &return_to).with_cookies(marker)
            }
            Err(error) => {
                match &error {
                    CallbackError::Token(e) => {
                        tracing::warn!(reason = error.kind(), error = %e, "login callback failed")
                    }
                    CallbackError::IdToken(e) => {
                        tracing::warn!(reason = error.kind(), error = %e, "login callback failed")
                    }
                    CallbackError::Userinfo(e) => {
                        tracing::warn!(reason = error.kind(), error = %e, "login callback failed")
                    }
                    // The browser's doing (a replayed or mangled callback, the user saying
                    // no): not for the operator.
                    CallbackError::Malformed
                    | CallbackError::UnknownFlow
                    | CallbackError::MissingCode => {
                        tracing::debug!(reason = error.kind(), "login callback failed")
                    }
                    CallbackError::Denied(code) if code == "access_denied" => {
                        tracing::debug!(reason = error.kind(), "login callback failed")
                    }
                    _ => tracing::warn!(reason = error.kind(), "login callback failed"),
                }
                error.page(cfg)
            }
        };
        response.with_cookies(removal)
    }

    async fn redeem(
        &self,
        flow: Flow,
        params: &Query<'_>,
        headers: &HeaderMap,
    ) -> Result<Answer, CallbackError> {
        let cfg = &*self.config;
        let provider = &cfg.provider;
        // RFC 9207: when the provider names itself, it must be the provider we sent the user to;
        // a provider that promises to always name itself must have done so.
        match params.single("iss")? {
            Some(iss) if iss != provider.issuer() => return Err(CallbackError::IssuerMismatch),
            None if provider
                .metadata()
                .authorization_response_iss_parameter_supported =>
            {
                return Err(CallbackError::IssuerMismatch);
            }
            _ => {}
        }
        if let Some(error) = params.single("error")? {
            if let Some(silent) = SilentLoginError::from_code(error).filter(|_| flow.silent) {
                return Err(CallbackError::Silent(silent, flow.return_to));
            }
            return Err(CallbackError::Denied(sanitise_code(error)));
        }
        let code = params
            .single("code")?
            .filter(|c| !c.is_empty())
            .ok_or(CallbackError::MissingCode)?;
        let tokens = provider
            .token_request(
                cfg.client_auth,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &cfg.paths.redirect_uri),
                    ("code_verifier", flow.verifier.expose()),
                ],
            )
            .await
            .map_err(CallbackError::Token)?;
        let id_token = tokens.id_token.ok_or(CallbackError::MissingIdToken)?;
        let claims = cfg
            .id_token
            .validator
            .validate(id_token.expose())
            .await
            .map_err(CallbackError::IdToken)?;
        if !flow.nonce.matches(claims.nonce.as_deref()) {
            return Err(CallbackError::NonceMismatch);
        }
        if !azp_allows(&claims, &cfg.client_id) {
            return Err(CallbackError::IdToken(TokenError::WrongAudience));
        }
        if let Some(asked) = &flow.acr
            && !acr_satisfies(claims.acr.as_deref(), asked)
        {
            return Err(CallbackError::AcrMismatch);
        }
        if let Some(max_age) = flow.max_age {
            check_auth_age(max_age, claims.auth_time, now(), DEFAULT_LEEWAY)
                .map_err(CallbackError::AuthAge)?;
        }
        let sub = claims
            .sub
            .clone()
            .ok_or(CallbackError::IdToken(TokenError::MissingClaim("sub")))?;
        // What an ID token from a refresh will be held to (OpenID Connect Core §12.2); only
        // sessions with a refresh token keep it.
        let original =
            (tokens.refresh_token.is_some() && cfg.refresh.enabled()).then(|| OriginalIdToken {
                nonce: claims.nonce.clone(),
                auth_time: claims.auth_time,
            });
        let userinfo = match (
            &cfg.id_token.fetch_userinfo,
            &provider.metadata().userinfo_endpoint,
        ) {
            (true, Some(_)) => Some(
                userinfo(provider, &tokens.access_token, Some(&sub))
                    .await
                    .map_err(CallbackError::Userinfo)?,
            ),
            _ => None,
        };
        let now = now() as u64;
        // With a refresh token the access token is renewed as it expires (see `refresh`): the
        // session may outlive it.
        let refresh_token = tokens.refresh_token.filter(|_| cfg.refresh.enabled());
        let lifetime = match (tokens.expires_in, &refresh_token) {
            (Some(secs), None) => cfg.session.max_session.min(Duration::from_secs(secs)),
            _ => cfg.session.max_session,
        };
        let auth_time = claims.auth_time.map_or(now, |t| t as u64);
        let claims = match serde_json::to_value(&claims) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let data = SessionData {
            provider: cfg.login_name().to_owned(),
            iss: provider.issuer().to_owned(),
            sub,
            claims,
            userinfo,
            access_token: tokens.access_token,
            access_token_expires_at: tokens.expires_in.map(|s| now.saturating_add(s)),
            refresh_token,
            id_token,
            auth_time,
            original,
        };
        let value = match cfg.stored.as_ref() {
            Some(stored) => {
                let (value, key) = stored.refs.mint(&cfg.session.name);
                let sid = data
                    .claims
                    .get("sid")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned);
                let record = stored.record(
                    &key,
                    &StoredSession {
                        issued_at: now,
                        expires_at: now.saturating_add(lifetime.as_secs()),
                        seen: now,
                        lease_until: None,
                        sid,
                        data,
                    },
                );
                if let Err(error) = stored.store.insert(&key, &record).await {
                    tracing::warn!(%error, "login not completed: session store unavailable");
                    return Err(CallbackError::StoreUnavailable);
                }
                // A login over an existing session (a step-up, a second sign-in) replaces it:
                // the old record goes, so the old cookie no longer opens anything.
                if let Err(error) = self.take_stored(headers).await {
                    tracing::warn!(%error, "the replaced session could not be deleted; it expires on its own");
                }
                value
            }
            None => cfg
                .session
                .codec
                .seal_envelope(&cfg.session.name, &data, now, lifetime)
                .map_err(|_| CallbackError::SessionTooLarge)?,
        };
        let cookies = cfg
            .session
            .options
            .set_cookies(
                &cfg.session.chunker,
                &cfg.session.name,
                &value,
                request_cookies(headers),
            )
            .map_err(|_| CallbackError::SessionTooLarge)?;
        Ok(Answer::redirect(StatusCode::FOUND, &flow.return_to).with_cookies(cookies))
    }
}

/// Whether the ID token's `acr` is one of the space-separated `acr_values` asked for (the
/// provider picks one of them, OpenID Connect Core §3.1.2.1).
pub(super) fn acr_satisfies(acr: Option<&str>, asked: &str) -> bool {
    acr.is_some_and(|acr| asked.split(' ').any(|a| !a.is_empty() && a == acr))
}

/// OpenID Connect Core §3.1.3.7: with several audiences, `azp` must be us. The login's ID token
/// and every refreshed one are held to it.
pub(super) fn azp_allows(claims: &Claims, client_id: &str) -> bool {
    claims.aud.len() <= 1 || claims.azp.as_deref() == Some(client_id)
}
