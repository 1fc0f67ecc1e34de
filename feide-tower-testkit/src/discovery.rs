//! OpenID Provider metadata and the JWKS.

use http::StatusCode;
use http::header::CACHE_CONTROL;
use serde_json::{Value, json};

use super::keys;
use super::response::{self, Resp};
use super::state::State;

/// `GET /.well-known/openid-configuration`.
pub(crate) fn configuration(state: &State) -> Resp {
    let base = &state.issuer;
    let issuer = state
        .lock()
        .discovery_issuer
        .clone()
        .unwrap_or_else(|| base.clone());
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth/authorization"),
        "token_endpoint": format!("{base}/oauth/token"),
        "userinfo_endpoint": format!("{base}/openid/userinfo"),
        "jwks_uri": format!("{base}/openid/jwks"),
        "end_session_endpoint": format!("{base}/openid/endsession"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [
            "openid", "profile", "email", "userid", "userid-feide", "groups",
        ],
        "subject_types_supported": ["public"],
        "claims_supported": [
            "sub", "name", "email", "https://n.feide.no/claims/eduPersonPrincipalName",
        ],
        "ui_locales_supported": ["nb", "nn", "en"],
    });
    if state.lock().introspection.enabled {
        doc["introspection_endpoint"] = json!(format!("{base}{}", super::introspection::PATH));
    }
    if state.lock().refresh_enabled
        && let Some(grants) = doc["grant_types_supported"].as_array_mut()
    {
        grants.push(json!("refresh_token"));
    }
    let (backchannel, frontchannel) = {
        let inner = state.lock();
        (inner.logout.backchannel, inner.logout.frontchannel)
    };
    if backchannel {
        doc["backchannel_logout_supported"] = json!(true);
        doc["backchannel_logout_session_supported"] = json!(true);
    }
    if frontchannel {
        doc["frontchannel_logout_supported"] = json!(true);
        doc["frontchannel_logout_session_supported"] = json!(true);
    }
    if state.lock().clients.iter().any(|c| !c.jwks.is_empty()) {
        doc["token_endpoint_auth_methods_supported"] = json!([
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt"
        ]);
        doc["token_endpoint_auth_signing_alg_values_supported"] =
            json!(["RS256", "PS256", "ES256"]);
    }
    let (par, par_required) = {
        let inner = state.lock();
        (inner.par.enabled, inner.par.required)
    };
    if par {
        doc["pushed_authorization_request_endpoint"] = json!(format!("{base}{}", super::par::PATH));
        doc["require_pushed_authorization_requests"] = json!(par_required);
    }
    if state.callback_iss {
        doc["authorization_response_iss_parameter_supported"] = json!(true);
    }
    if let Some(algs) = state.lock().signing.advertised.clone() {
        doc["id_token_signing_alg_values_supported"] = json!(algs);
    }
    response::json(StatusCode::OK, &doc)
}

/// `GET /openid/jwks`: the published keys.
pub(crate) fn jwks(state: &State) -> Resp {
    let (published, max_age) = {
        let inner = state.lock();
        (inner.published.clone(), inner.jwks_max_age)
    };
    let keys: Vec<Value> = published
        .iter()
        .filter_map(|kid| keys::by_kid(kid))
        .map(|k| k.jwk())
        .collect();
    let mut resp = response::json(StatusCode::OK, &json!({ "keys": keys }));
    if let Some(secs) = max_age {
        response::set_header(&mut resp, CACHE_CONTROL, &format!("max-age={secs}"));
    }
    resp
}
