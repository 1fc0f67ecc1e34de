//! Routes that serve both browsers and API clients: a bearer token **or** a login session
//! (flask-pyoidc's `access_control`), with optional authentication and custom error bodies.
//!
//! - [`AccessGuard`]: the decision as a plain async function on `http::HeaderMap`.
//! - [`AccessLayer`]: the tower layer; a request let in carries an [`Identity`].
//! - [`ErrorRenderer`](crate::ErrorRenderer): your own bodies for refusals; status and protocol headers stay ours.
//!
//! | request | answer |
//! |---|---|
//! | any `Authorization` header, valid bearer token with the required scopes | in, [`Identity::Bearer`] |
//! | any `Authorization` header, anything else | the bearer layer's RFC 6750 answer (401/403/503) |
//! | no `Authorization`, valid session | in, [`Identity::Session`] |
//! | no `Authorization`, no session, browser | 302 to the login path with `return_to` |
//! | no `Authorization`, no session, API caller | 401 `login_required` |
//! | optional mode, no `Authorization`, no (valid) session | in, no identity (a broken cookie is deleted) |
//!
//! A token is never silently downgraded to the cookie: a request with a bad token is refused
//! even if it also carries a valid session.
//!
//! # Example
//!
//! One route for browsers and API clients, against an in-process fake Feide
//! ([`feide-tower-testkit`](https://docs.rs/feide-tower-testkit), also `feide_tower::testkit`
//! with the `testkit` feature): a data-source token it minted is let in, a request with nothing
//! is refused.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::convert::Infallible;
//!
//! use feide_tower::Provider;
//! use feide_tower::access::{AccessGuard, Identity};
//! use feide_tower::bearer::BearerAuthorizer;
//! use feide_tower::login::FeideLogin;
//! use feide_tower_testkit::{DEFAULT_DATASOURCE_AUDIENCE, FakeClient, FakeFeide};
//! use http::{Request, Response, StatusCode, header};
//! use tower::{ServiceBuilder, ServiceExt as _, service_fn};
//!
//! // The provider: FakeFeide here; in production `Provider::from_env()` (FEIDE_ISSUER, ...).
//! let feide = FakeFeide::start().await?;
//! let redirect_uri = "http://127.0.0.1:8000/callback";
//! feide.register_client(FakeClient::new("my-app", "my-secret").redirect_uri(redirect_uri));
//! let provider = Provider::builder(feide.issuer())
//!     .client("my-app", "my-secret")
//!     .build()
//!     .await?;
//!
//! // Bearer tokens for this data source with scope `readUser`, or a login session.
//! let bearer = BearerAuthorizer::builder(&provider)
//!     .audience(DEFAULT_DATASOURCE_AUDIENCE)
//!     .require_scope("readUser")
//!     .build_authorizer()?;
//! let login = FeideLogin::builder(&provider)
//!     .redirect_uri(redirect_uri)
//!     .secret_keys("v7+rpONHTSlzZ6Q/mdSuQSbMSi5egNukDpGGHrxXYaQ=") // `openssl rand -base64 32`
//!     .build()?;
//! let api = service_fn(|request: Request<String>| async move {
//!     let who = request.extensions().get::<Identity>().and_then(Identity::subject);
//!     Ok::<_, Infallible>(Response::new(format!("hello, {}", who.unwrap_or("client"))))
//! });
//! let app = ServiceBuilder::new()
//!     .layer(login.layer()) // opens the session cookie, serves /login and /callback
//!     .layer(AccessGuard::builder(bearer, login.clone()).layer())
//!     .service(api);
//!
//! // A token FakeFeide minted for alice (what token exchange would give a client): let in.
//! let token = feide.access_token_for("alice", DEFAULT_DATASOURCE_AUDIENCE, "readUser");
//! let request = Request::get("/api/me")
//!     .header(header::AUTHORIZATION, format!("Bearer {token}"))
//!     .body(String::new())?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! // No token and no session: an API caller gets 401 (a browser would be sent to /login).
//! let response = app.oneshot(Request::get("/api/me").body(String::new())?).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

mod guard;
mod identity;
mod judge;
mod layer;

pub use guard::{Access, AccessGuard, AccessGuardBuilder};
pub use identity::Identity;
pub use judge::BearerJudge;
pub use layer::{AccessLayer, AccessService, ResponseFuture};
