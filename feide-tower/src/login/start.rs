//! `/login`: a fresh state, nonce and PKCE verifier, a flow cookie, a redirect to the provider.

use http::StatusCode;

use super::FeideLogin;
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

/// A login ready to leave for the provider: the flow cookie to set and the authorization
/// parameters (in the browser's URL, or pushed first).
pub(crate) struct Prepared {
    pub(crate) cookie: http::HeaderValue,
    pub(crate) params: Vec<(&'static str, String)>,
    pub(crate) authorization_endpoint: url::Url,
}

impl FeideLogin {
    /// Starts a login (the `/login` route): `query` may carry `return_to` (a same-origin path;
    /// anything else falls back to `/`) and `login_hint`.
    ///
    /// With [pushed authorization requests](super::FeideLoginBuilder::pushed_authorization_requests)
    /// (configured or required by the provider) a login cannot start without a round trip to
    /// the provider: use [`start_login_async`](Self::start_login_async) (the login layer does);
    /// this one then answers 500 and logs why.
    pub fn start_login(&self, query: Option<&str>) -> Answer {
        let cfg = &*self.config;
        if cfg.pushed_authorization {
            tracing::error!(
                "pushed authorization requests are on: start logins with start_login_async"
            );
            return self.misconfigured();
        }
        let prepared = match self.prepare_login(query) {
            Ok(prepared) => prepared,
            Err(answer) => return *answer,
        };
        let mut url = prepared.authorization_endpoint;
        url.query_pairs_mut().extend_pairs(&prepared.params);
        tracing::debug!("login started");
        Answer::redirect(StatusCode::FOUND, url.as_str()).with_cookies([prepared.cookie])
    }

    /// A fresh flow (state, nonce, PKCE verifier) and its cookie, and the authorization
    /// parameters; or the failure answer.
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
        let (state, flow) = Flow::new(return_to, cfg.id_token.acr_values.clone());
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
