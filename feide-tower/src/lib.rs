//! # feide-tower
//!
//! Tower middleware that signs users in with [Feide](https://docs.feide.no) (or any OpenID Connect
//! provider), protects APIs with Feide JWT access tokens, and calls downstream APIs with exchanged
//! tokens. Works with any tower, axum or hyper service; actix-web through a small bridge over the
//! same plain functions.
//!
//! Everything starts from one shared [`Provider`] per issuer (discovery, the signing-key cache,
//! the HTTP client), built once at start-up and cloned into every piece.
//!
//! # Three tasks
//!
//! **Sign users in** ([`login`]): `/login`, `/callback` and `/logout` with PKCE, state and nonce,
//! and an encrypted session cookie read as a [`FeideSession`](session::FeideSession).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, routing::get};
//! use feide_tower::{Provider, login::FeideLogin, session::FeideSession};
//!
//! let feide = Provider::from_env().await?; // FEIDE_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//! let login = FeideLogin::from_env(&feide)?; // OIDC_REDIRECT_URI, APP_SECRET_KEY, ...
//! let app: Router = Router::new()
//!     .route("/me", get(|user: FeideSession| async move { user.sub().to_owned() }))
//!     .layer(login.layer());
//! # Ok(()) }
//! ```
//!
//! **Protect an API** ([`bearer`]): Feide JWT access tokens checked against the provider's keys,
//! audience and scopes; the handler gets a [`Principal`](bearer::Principal).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, routing::get};
//! use feide_tower::{Provider, bearer::{BearerJwtLayer, Principal}};
//!
//! let feide = Provider::from_env().await?;
//! let bearer = BearerJwtLayer::builder(&feide)
//!     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
//!     .require_scope("readUser")
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/me", get(|p: Principal| async move { p.subject().unwrap_or_default().to_owned() }))
//!     .layer(bearer);
//! # Ok(()) }
//! ```
//!
//! **Call downstream APIs** ([`exchange`]): the caller's token exchanged (RFC 8693) for one aimed at
//! the next API, or the client's own token (client credentials); cached and single-flight.
//!
//! ```no_run
//! # async fn run(feide: feide_tower::Provider, caller: feide_tower::provider::Secret) -> Result<(), Box<dyn std::error::Error>> {
//! use feide_tower::exchange::TokenExchange;
//!
//! // In a data source: the caller's JWT for a token to Feide's groups API.
//! let exchange = TokenExchange::data_source(&feide).build()?;
//! let groups = exchange.groups(&caller).await?;
//! # Ok(()) }
//! ```
//!
//! # Which piece do I need
//!
//! | You have | You want | Use |
//! |---|---|---|
//! | a web app with browsers | users signed in, a session | [`login::FeideLogin`] → `.layer()`; [`login::RequireLoginLayer`] on private routes |
//! | an API receiving Feide JWTs | only valid tokens through | [`bearer::BearerJwtLayer`] (+ [`bearer::RequireScopeLayer`] per route) |
//! | an API receiving opaque tokens | the same, via RFC 7662 | [`introspection::Introspector`] → [`introspection::IntrospectionLayer`] |
//! | routes for browsers **and** API clients | bearer or session, optional login | [`access::AccessGuard`] → [`access::AccessLayer`] |
//! | a signed-in user or a caller's token | a token for the next API | [`exchange::TokenExchange`] (+ its outgoing layer) |
//! | a system without a user | a token of its own | [`exchange::ClientCredentialsSource`] |
//! | a Feide token | userinfo, extended userinfo, groups | [`apis`] |
//! | signed-in users or a data source's callers | only employees, an organisation, a group (role), MFA | [`authorization::SessionGuard`] / [`authorization::DataSourceGuard`] → `.layer()` |
//! | custom error bodies | your HTML or JSON, our status and headers | [`ErrorRenderer`] |
//! | a load balancer or Kubernetes | `/healthz` and `/readyz` (keys loaded, store reachable) | [`health::Health`] → `.layer()` |
//! | another framework (actix-web) | the same decisions | the plain functions each piece exposes, rendering [`Answer`] |
//! | tests and demos | a fake Feide on 127.0.0.1 | `FakeFeide` (feature `testkit`, crate `feide-tower-testkit`) |
//!
//! # Building the pieces
//!
//! Every configured piece is built the same way: `X::builder(..)` from what it cannot do without
//! (a [`Provider`], keys, or the parts it combines), then settings, then `.build()?`. That checks
//! everything once and returns `X`, or a typed `...ConfigError` with one variant per reason whose
//! message names the setting (and its environment variable) but never a secret value. The tower
//! layer is then `x.layer()`: cheap, since `X` is an `Arc` inside, and the same `X` serves other
//! frameworks through its plain functions. Where settings can come from the environment names of
//! Feide's reference examples, `X::from_env(..)` reads the process environment and
//! `X::from_env_with(.., lookup)` any lookup (a test's map, a secrets manager). Every builder
//! takes scopes the same way, as [`token::IntoScopes`]: a space-separated string
//! (`"openid profile"`, as in `OIDC_SCOPES`) or a list (`["openid", "profile"]`).
//!
//! | X | builder | build error | from the environment | layer |
//! |---|---|---|---|---|
//! | [`Provider`] | `Provider::builder(issuer)` (`build().await?`) | [`provider::ProviderError`] | `from_env`, `from_env_with` | — |
//! | [`login::FeideLogin`] | `FeideLogin::builder(&p)` | [`login::LoginConfigError`] | `from_env`, `from_env_with` | `layer()`, `require_login()` |
//! | [`bearer::BearerAuthorizer`] | `BearerAuthorizer::builder(&p)` | [`bearer::BearerConfigError`] | `from_env`, `from_env_with` | `layer()` |
//! | [`introspection::Introspector`] | `Introspector::builder(&p)` | [`introspection::IntrospectionConfigError`] | — | `layer()` |
//! | [`access::AccessGuard`] | `AccessGuard::builder(bearer, login)` | none (its parts are checked) | — | `layer()` |
//! | [`exchange::TokenExchange`] | `TokenExchange::login_client(&p, aud)` / `data_source(&p)` | [`exchange::ExchangeConfigError`] | `TokenExchangeBuilder::from_env(_with)` | `layer()` |
//! | [`exchange::ClientCredentialsSource`] | `ClientCredentialsSource::builder(&p)` | [`exchange::ExchangeConfigError`] | — | `layer()` |
//! | [`token::Validator`] | `Validator::for_provider(&p)` / `builder(keys)` | [`token::ValidatorConfigError`] | — | — |
//! | [`health::Health`] | `Health::builder()` | [`health::HealthConfigError`] | — | `layer()` |
//!
//! Older shapes keep working: `BearerJwtLayer::builder(&p)...build()?` returns the layer
//! directly, and the one-scope setters sit next to the list forms.
//!
//! # How the crate is built (for contributors)
//!
//! Every decision is a plain function on plain data (headers in, an [`Answer`] or a verdict out);
//! the tower layers and the actix bridge only wrap it. Modules are layered, each using only those
//! below it (a test, `tests/layering.rs`, fails on an upward import):
//!
//! ```text
//! axum                                  framework sugar (feature "axum")
//! access  authorization  health         bearer or session; who may enter (Feide facts); readiness
//! bearer  introspection  login  exchange    the four features
//! apis                                  Feide's APIs with a bearer token
//! provider                              one OpenID provider: discovery, token endpoint
//! token  session                        JWT validation + key cache; sealed cookies
//! fetch  denial                         HTTP to a provider; refusals as plain data
//! body  answer  secret  env  feide  ... plain data and helpers
//! ```
//!
//! # Cargo features
//!
//! - `axum`: extractors for sessions, principals and identities, and `IntoResponse` for errors.
//! - `metrics`: counters, gauges and histograms through the `metrics` facade ([`telemetry`]).
//! - `testkit`: re-exports `feide-tower-testkit` as [`testkit`] (a fake Feide for your tests).
#![deny(missing_docs)]
#![deny(unreachable_pub)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
mod answer;
pub mod apis;
pub mod authorization;
pub mod bearer;
pub mod body;
mod denial;
mod env;
pub mod exchange;
mod feide;
mod fetch;
mod find_byte;
mod gate;
pub mod health;
mod hot_cache;
pub mod introspection;
pub mod login;
pub mod provider;
mod secret;
pub mod session;
pub mod store;
mod take_ready;
pub mod telemetry;
pub mod token;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

/// `FakeFeide`, an in-process fake Feide for tests and demos: the `feide-tower-testkit` crate,
/// re-exported (feature `testkit`). Never for production: its signing keys are public.
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub use feide_tower_testkit as testkit;

pub use answer::Answer;
pub use denial::{Denial, ErrorRenderer};
pub use provider::Provider;
