//! The protected app on axum and on plain hyper, and a small HTTP client for asserting answers.

use std::convert::Infallible;

use axum::Json;
use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use feide_tower::bearer::{BearerJwtLayer, Principal};
use feide_tower::testkit::DEFAULT_DATASOURCE_AUDIENCE;
use http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use serde_json::{Value, json};
use tower::{Service, ServiceBuilder};

pub const AUD: &str = DEFAULT_DATASOURCE_AUDIENCE;
pub const REALM: &str = "feide-test";

/// Which server the protected app runs on.
#[derive(Clone, Copy, Debug)]
pub enum Stack {
    Axum,
    Hyper,
}

/// What `/me` answers: the principal as the handler sees it.
pub fn describe(principal: Option<&Principal>) -> Value {
    match principal {
        None => json!({"principal": null}),
        Some(p) => json!({
            "subject": p.subject(),
            "user": p.is_user(),
            "client_id": p.client_id(),
            "scope": p.scopes().to_string(),
            "claims": **p.claims(),
        }),
    }
}

async fn me(principal: Principal) -> Json<Value> {
    Json(describe(Some(&principal)))
}

/// Serves `router` on 127.0.0.1:0; returns the base URL.
pub async fn serve_axum(router: Router) -> String {
    let (listener, base) = integration_tests::bind().await;
    integration_tests::serve_axum(listener, router);
    base
}

/// Serves a tower service with hyper 1 directly (no axum); returns the base URL.
pub async fn serve_hyper<S, B>(service: S) -> String
where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (listener, base) = integration_tests::bind().await;
    integration_tests::serve_hyper(listener, service);
    base
}

/// `GET /me` behind `layer`, on `stack`; returns the base URL.
pub async fn protected(stack: Stack, layer: BearerJwtLayer) -> String {
    match stack {
        Stack::Axum => serve_axum(Router::new().route("/me", get(me)).layer(layer)).await,
        Stack::Hyper => {
            let service = ServiceBuilder::new().layer(layer).service_fn(hyper_me);
            serve_hyper(service).await
        }
    }
}

/// The plain-hyper handler: reads the principal from the request extensions.
pub async fn hyper_me(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = describe(req.extensions().get::<Principal>());
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, "application/json".parse().unwrap());
    Ok(response)
}

/// An answer, with the headers the tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub cache_control: Option<String>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    /// Every header, `name: value` per line.
    pub raw_headers: String,
    pub raw_body: String,
    pub body: Value,
}

/// `GET url` with these `Authorization` header values (none, one, or several).
pub async fn get_with(url: &str, authorization: &[&str]) -> Reply {
    let mut request = reqwest::Client::new().get(url);
    for value in authorization {
        request = request.header(AUTHORIZATION, *value);
    }
    let response = request.send().await.expect("the app answers");
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (www_authenticate, cache_control, content_type, retry_after) = (
        header(WWW_AUTHENTICATE),
        header(CACHE_CONTROL),
        header(CONTENT_TYPE),
        header(RETRY_AFTER),
    );
    let raw_headers = response
        .headers()
        .iter()
        .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let status = response.status().as_u16();
    let raw_body = response.text().await.unwrap();
    Reply {
        status,
        www_authenticate,
        cache_control,
        content_type,
        retry_after,
        raw_headers,
        body: serde_json::from_str(&raw_body).unwrap_or(Value::Null),
        raw_body,
    }
}

/// `GET url` with `Authorization: Bearer <token>`.
pub async fn get_bearer(url: &str, token: &str) -> Reply {
    get_with(url, &[&format!("Bearer {token}")]).await
}

impl Reply {
    /// Asserts an RFC 6750 refusal: status, exact challenge, JSON body, no-store, no token echo.
    #[track_caller]
    pub fn assert_refusal(&self, status: u16, challenge: &str, secrets: &[&str]) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.www_authenticate.as_deref(),
            Some(challenge),
            "{self:?}"
        );
        self.assert_error_body();
        for secret in secrets {
            assert!(!self.raw_body.contains(secret), "the body echoes the token");
            assert!(
                !self.raw_headers.contains(secret),
                "a header echoes the token"
            );
        }
    }

    #[track_caller]
    pub fn assert_error_body(&self) {
        assert_eq!(self.cache_control.as_deref(), Some("no-store"), "{self:?}");
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "{self:?}"
        );
        let keys: Vec<&str> = self
            .body
            .as_object()
            .expect("a JSON object body")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["error", "error_description"], "{self:?}");
    }
}

/// The exact challenges, in realm [`REALM`].
pub mod challenge {
    use super::REALM;

    pub fn missing() -> String {
        format!(r#"Bearer realm="{REALM}""#)
    }

    pub fn invalid_token() -> String {
        with("invalid_token", "The access token is invalid")
    }

    pub fn expired() -> String {
        with("invalid_token", "The access token has expired")
    }

    pub fn invalid_request() -> String {
        with("invalid_request", "The Authorization header is malformed")
    }

    pub fn insufficient_scope(scope: &str) -> String {
        format!(
            "{}, scope=\"{scope}\"",
            with(
                "insufficient_scope",
                "The access token lacks a scope this resource requires"
            )
        )
    }

    /// The refusal of a token without a user by a layer that requires no scope (a layer that
    /// requires scopes names them in `scope`).
    pub fn user_required() -> String {
        with(
            "insufficient_scope",
            "The access token is not issued on behalf of a user",
        )
    }

    fn with(error: &str, description: &str) -> String {
        format!(r#"Bearer realm="{REALM}", error="{error}", error_description="{description}""#)
    }
}
