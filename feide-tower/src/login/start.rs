//! `/login`: a fresh state, nonce and PKCE verifier, a flow cookie, a redirect to the provider.

use http::StatusCode;

use super::FeideLogin;
use super::controls::{LoginControls, Refused};
use super::flow::Flow;
use super::query::Query;
use super::return_to::ReturnTo;
use crate::answer::Answer;
use crate::token::now;

/// A `login_hint` from the query is passed on only if it looks like one (`feide|realm|uio.no`,
/// `alice@uio.no`).
fn is_safe_hint(hint: &str) -> bool {
    (1..=256).contains(&hint.len())
        && hint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"|.@_:-".contains(&b))
}

impl FeideLogin {
    /// Starts a login (the `/login` route): `query` may carry `return_to` (a same-origin path;
    /// anything else falls back to `/`), `login_hint`, and the login request controls `prompt`,
    /// `max_age` and `ui_locales` (see [`FeideLoginBuilder::prompt`](super::FeideLoginBuilder::prompt)).
    ///
    /// A control outside its allow-list (or repeated) is refused with a `400` page
    /// (`invalid_login_request`) rather than dropped: ignoring `prompt=none` or `max_age` would
    /// silently change what the app asked for.
    pub fn start_login(&self, query: Option<&str>) -> Answer {
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
                tracing::debug!(parameter = name, "login request refused");
                return cfg.failure(
                    StatusCode::BAD_REQUEST,
                    "invalid_login_request",
                    "Sign-in request not valid",
                    format!("The sign-in link has an unusable {name} parameter."),
                    &cfg.paths.login,
                );
            }
        };
        self.begin_login(return_to, hint, &controls, cfg.id_token.acr_values.clone())
    }

    /// Starts a login that returns to `return_to`, with these controls and `acr_values`: the
    /// flow cookie and the redirect to the provider.
    pub(crate) fn begin_login(
        &self,
        return_to: ReturnTo,
        hint: Option<&str>,
        controls: &LoginControls,
        acr_values: Option<String>,
    ) -> Answer {
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
        let (Ok(mut url), Some(cookie)) = (
            url::Url::parse(endpoint),
            cfg.flow.set_cookie(&state, &flow, now() as u64),
        ) else {
            // Both were checked at build time; fail closed if not.
            tracing::error!("cannot build the authorization request");
            return cfg.failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "misconfigured",
                "Sign-in unavailable",
                "Please try again later.".into(),
                &cfg.paths.login,
            );
        };
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &cfg.client_id)
                .append_pair("redirect_uri", &cfg.paths.redirect_uri)
                .append_pair("scope", &cfg.scopes)
                .append_pair("state", state.as_str())
                .append_pair("nonce", flow.nonce.as_str())
                .append_pair("code_challenge", &flow.verifier.challenge())
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = hint {
                q.append_pair("login_hint", hint);
            }
            if let Some(acr) = &flow.acr {
                q.append_pair("acr_values", acr);
            }
            for (name, value) in controls.params() {
                q.append_pair(name, &value);
            }
        }
        tracing::debug!("login started");
        Answer::redirect(StatusCode::FOUND, url.as_str()).with_cookies([cookie])
    }
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
