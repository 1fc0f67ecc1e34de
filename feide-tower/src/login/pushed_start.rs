//! `/login` with Pushed Authorization Requests (RFC 9126): the authorization parameters are
//! POSTed to the provider, authenticated as the client; the browser carries only `client_id` and
//! the `request_uri` the provider answered. The flow cookie is set only when the push succeeded.

use http::StatusCode;

use super::FeideLogin;
use super::controls::LoginControls;
use super::decision_span;
use super::return_to::ReturnTo;
use super::start::{Prepared, start_span};
use crate::answer::Answer;
use crate::provider::{ProviderError, TokenEndpointError};
use tracing::Instrument as _;

impl FeideLogin {
    /// Starts a login like [`start_login`](Self::start_login), pushing the authorization request
    /// first when [pushed authorization requests](super::FeideLoginBuilder::pushed_authorization_requests)
    /// are on (configured, or required by the provider); otherwise the same answer as
    /// `start_login`. An unreachable (or failing) endpoint gives a 503 page with `Retry-After`,
    /// a refusal from the provider (an RFC 6749 error such as `invalid_client`) a 502 login
    /// failure page; neither sets a flow cookie.
    pub async fn start_login_async(&self, query: Option<&str>) -> Answer {
        let cfg = &*self.config;
        if !cfg.pushed_authorization {
            return self.start_login(query);
        }
        let span = start_span();
        let answer = async {
            match self.prepare_login(query) {
                Ok(prepared) => self.push_and_redirect(prepared).await,
                Err(answer) => *answer,
            }
        }
        .instrument(span.clone())
        .await;
        decision_span::finish(&span, answer, "redirected")
    }

    /// [`begin_login`](Self::begin_login) (a step-up login), pushed first when authorization
    /// requests are pushed.
    pub(crate) async fn begin_login_async(
        &self,
        return_to: ReturnTo,
        hint: Option<&str>,
        controls: &LoginControls,
        acr_values: Option<String>,
    ) -> Answer {
        if !self.config.pushed_authorization {
            return self.begin_login(return_to, hint, controls, acr_values);
        }
        match self.prepare_flow(return_to, hint, controls, acr_values) {
            Ok(prepared) => self.push_and_redirect(prepared).await,
            Err(answer) => *answer,
        }
    }

    /// Pushes `prepared`'s parameters, then sends the browser with the `request_uri`.
    async fn push_and_redirect(&self, prepared: Prepared) -> Answer {
        let cfg = &*self.config;
        let Some(client) = cfg.provider.client() else {
            return self.misconfigured();
        };
        let form: Vec<(&str, &str)> = prepared
            .params
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let pushed = cfg
            .provider
            .push_authorization_request(client, cfg.client_auth, &form)
            .await;
        let pushed = match pushed {
            Ok(pushed) => pushed,
            Err(TokenEndpointError::OAuth { code, status }) => {
                decision_span::reason("provider_error");
                tracing::warn!(%code, status, "the provider refused the pushed authorization request");
                return cfg.failure(
                    StatusCode::BAD_GATEWAY,
                    "provider_error",
                    "Sign-in failed",
                    "The identity provider refused to start the sign-in.".into(),
                    &cfg.paths.login,
                );
            }
            Err(error) => {
                let kind = match &error {
                    TokenEndpointError::Provider(ProviderError::Timeout { .. }) => "timeout",
                    TokenEndpointError::Provider(_) => "unavailable",
                    _ => "not_configured",
                };
                decision_span::reason(if kind == "not_configured" {
                    "misconfigured"
                } else {
                    "provider_unreachable"
                });
                tracing::warn!(kind, error = %error, "pushed authorization request failed");
                let mut answer = cfg.failure(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Sign-in unavailable",
                    "The identity provider could not be reached. Please try again shortly.".into(),
                    &cfg.paths.login,
                );
                answer.headers.insert(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static("5"),
                );
                return answer;
            }
        };
        let mut url = prepared.authorization_endpoint;
        url.query_pairs_mut()
            .append_pair("client_id", &cfg.client_id)
            .append_pair("request_uri", &pushed.request_uri);
        tracing::debug!("login started (pushed authorization request)");
        Answer::redirect(StatusCode::FOUND, url.as_str()).with_cookies([prepared.cookie])
    }

    /// Whether `/login` needs the async path (pushed authorization requests are on).
    pub(crate) fn pushes_authorization(&self) -> bool {
        self.config.pushed_authorization
    }
}
