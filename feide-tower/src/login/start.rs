//! `/login`: a fresh state, nonce and PKCE verifier, a flow cookie, a redirect to the provider.

use http::StatusCode;

use super::FeideLogin;
use super::controls::{LoginControls, Refused};
use super::decision_span;
use super::flow::Flow;
use super::query::Query;
use super::return_to::ReturnTo;
use crate::answer::Answer;
use crate::token::now;
use tracing::field::Empty;

/// A `login_hint` from the query is passed on only if it looks like one (`feide|realm|uio.no`,
/// `alice@uio.no`).
fn is_safe_hint(hint: &str) -> bool {
    (1..=256).contains(&hint.len())
        && hint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"|.@_:-".contains(&b))
}

/// A login ready to leave for the provider: the flow cookie to set and the authorization
/// parameters (in the browser's URL, or pushed first).
pub(crate) struct Prepared {
    pub(crate) cookie: http::HeaderValue,
    pub(crate) params: Vec<(&'static str, String)>,
    pub(crate) authorization_endpoint: url::Url,
}

impl Prepared {
    /// The redirect that carries the parameters in the browser's URL, and the flow cookie.
    fn redirect(self) -> Answer {
        let mut url = self.authorization_endpoint;
        url.query_pairs_mut().extend_pairs(&self.params);
        tracing::debug!("login started");
        Answer::redirect(StatusCode::FOUND, url.as_str()).with_cookies([self.cookie])
    }
}

impl FeideLogin {
    /// Starts a login (the `/login` route): `query` may carry `return_to` (a same-origin path;
    /// anything else falls back to `/`), `login_hint`, and the login request controls `prompt`,
    /// `max_age` and `ui_locales` (see [`FeideLoginBuilder::prompt`](super::FeideLoginBuilder::prompt)).
    ///
    /// A control outside its allow-list (or repeated) is refused with a `400` page
    /// (`invalid_login_request`) rather than dropped: ignoring `prompt=none` or `max_age` would
    /// silently change what the app asked for.
    ///
    /// With [pushed authorization requests](super::FeideLoginBuilder::pushed_authorization_requests)
    /// (configured or required by the provider) a login cannot start without a round trip to
    /// the provider: use [`start_login_async`](Self::start_login_async) (the login layer does);
    /// this one then answers 500 and logs why.
    ///
    /// One `feide.login.start` span (debug level): `outcome` = `redirected` | `refused` |
    /// `unavailable` | `misconfigured`, `reason` for a refusal.
    pub fn start_login(&self, query: Option<&str>) -> Answer {
        let span = start_span();
        let answer = span.in_scope(|| self.start_login_in(query));
        decision_span::finish(&span, answer, "redirected")
    }

    fn start_login_in(&self, query: Option<&str>) -> Answer {
        if self.config.pushed_authorization {
            decision_span::reason("misconfigured");
            tracing::error!(
                "pushed authorization requests are on: start logins with start_login_async"
            );
            return self.misconfigured();
        }
        match self.prepare_login(query) {
            Ok(prepared) => prepared.redirect(),
            Err(answer) => *answer,
        }
    }

    /// The login `query` asks for (return_to, hint, controls): a fresh flow and its cookie,
    /// and the authorization parameters; or the failure answer.
    pub(crate) fn prepare_login(&self, query: Option<&str>) -> Result<Prepared, Box<Answer>> {
        let cfg = &*self.config;
        let query = Query::parse(query);
        let return_to = match query.single("return_to") {
            Ok(Some(raw)) => ReturnTo::parse_or_root(raw),
            _ => ReturnTo::root(),
        };
        let hint = match query.single("login_hint") {
            Ok(Some(h)) if cfg.login_hint_param && is_safe_hint(h) => Some(h),
            _ => cfg.login_hint.as_deref(),
        };
        let controls = match cfg.controls.with_query(&query) {
            Ok(controls) => controls,
            Err(Refused(name)) => {
                decision_span::reason("invalid_login_request");
                tracing::debug!(parameter = name, "login request refused");
                return Err(Box::new(cfg.failure(
                    StatusCode::BAD_REQUEST,
                    "invalid_login_request",
                    "Sign-in request not valid",
                    format!("The sign-in link has an unusable {name} parameter."),
                    &cfg.paths.login,
                )));
            }
        };
        self.prepare_flow(return_to, hint, &controls, cfg.id_token.acr_values.clone())
    }

    /// Starts a login that returns to `return_to`, with these controls and `acr_values`: the
    /// flow cookie and the redirect to the provider (step-up).
    ///
    /// With pushed authorization requests on, this cannot push (it does not wait): it answers
    /// 500 and logs why, rather than send an authorization request the provider would refuse;
    /// use [`begin_login_async`](Self::begin_login_async) (the step-up layer does).
    pub(crate) fn begin_login(
        &self,
        return_to: ReturnTo,
        hint: Option<&str>,
        controls: &LoginControls,
        acr_values: Option<String>,
    ) -> Answer {
        if self.config.pushed_authorization {
            tracing::error!(
                "step-up logins cannot be pushed yet: turn off OIDC_USE_PAR for step-up routes"
            );
            return self.misconfigured();
        }
        match self.prepare_flow(return_to, hint, controls, acr_values) {
            Ok(prepared) => prepared.redirect(),
            Err(answer) => *answer,
        }
    }

    /// A fresh flow (state, nonce, PKCE verifier) and its cookie, and the authorization
    /// parameters; or the failure answer.
    pub(super) fn prepare_flow(
        &self,
        return_to: ReturnTo,
        hint: Option<&str>,
        controls: &LoginControls,
        acr_values: Option<String>,
    ) -> Result<Prepared, Box<Answer>> {
        let cfg = &*self.config;
        let (state, mut flow) = Flow::new(return_to, acr_values);
        flow.max_age = controls.max_age;
        flow.silent = controls.is_silent();
        let endpoint = cfg
            .provider
            .metadata()
            .authorization_endpoint
            .as_deref()
            .unwrap_or_default();
        let (Ok(url), Some(cookie)) = (
            url::Url::parse(endpoint),
            cfg.flow.set_cookie(&state, &flow, now() as u64),
        ) else {
            // Both were checked at build time; fail closed if not.
            decision_span::reason("misconfigured");
            tracing::error!("cannot build the authorization request");
            return Err(Box::new(self.misconfigured()));
        };
        let mut params = vec![
            ("response_type", "code".to_owned()),
            ("client_id", cfg.client_id.clone()),
            ("redirect_uri", cfg.paths.redirect_uri.clone()),
            ("scope", cfg.scopes.clone()),
            ("state", state.as_str().to_owned()),
            ("nonce", flow.nonce.as_str().to_owned()),
            ("code_challenge", flow.verifier.challenge()),
            ("code_challenge_method", "S256".to_owned()),
        ];
        if let Some(hint) = hint {
            params.push(("login_hint", hint.to_owned()));
        }
        if let Some(acr) = &flow.acr {
            params.push(("acr_values", acr.clone()));
        }
        for (name, value) in controls.params() {
            params.push((name, value));
        }
        Ok(Prepared {
            cookie,
            params,
            authorization_endpoint: url,
        })
    }

    pub(crate) fn misconfigured(&self) -> Answer {
        self.config.failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "misconfigured",
            "Sign-in unavailable",
            "Please try again later.".into(),
            &self.config.paths.login,
        )
    }
}

/// The span of one login start (`/login`, pushed or not).
pub(super) fn start_span() -> tracing::Span {
    tracing::debug_span!(
        "feide.login.start",
        outcome = Empty,
        reason = Empty,
        cache = Empty
    )
}

#[cfg(test)]
mod tests {
    use super::is_safe_hint;

    #[test]
    fn hints() {
        assert!(is_safe_hint("feide|realm|uio.no"));
        assert!(is_safe_hint("alice@test.feide.no"));
        assert!(!is_safe_hint("a b"));
        assert!(!is_safe_hint("a\r\nb"));
        assert!(!is_safe_hint(""));
        assert!(!is_safe_hint(&"a".repeat(257)));
    }
}
