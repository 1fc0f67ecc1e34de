//! Calling APIs on behalf of the user or as the client itself: RFC 8693 token exchange in
//! Feide's two patterns, client credentials, and outgoing tower layers that set the token.
//!
//! | who | what it has | what it needs | use |
//! |---|---|---|---|
//! | a web app (login client) | the login's opaque access token | a JWT for its data source | [`TokenExchange::login_client`] |
//! | a data source | the caller's JWT | a token for Feide's APIs (extended userinfo, groups) | [`TokenExchange::data_source`] |
//! | a system | its client id and secret | a token without a user | [`ClientCredentialsSource`] |
//!
//! A service never forwards its own access token to another API: it exchanges it.
//!
//! Tokens are cached: exchanged tokens per (SHA-256 of the subject token, audience, scope) until
//! `expires_in` minus a margin (default 60 s), single-flight, bounded (default 10,000); the
//! client-credentials token renewed before it expires. A 401 from the API drops the cached token
//! and the call is made once more with a new one — once, never in a loop.
//!
//! Three ways to call:
//!
//! - In a handler, one line: [`TokenExchange::get_json`], [`TokenExchange::groups`],
//!   [`TokenExchange::extended_userinfo`], or [`TokenExchange::with_token`] around any
//!   [`apis`](crate::apis) call.
//! - On an HTTP client stack: [`TokenExchangeLayer`] takes the [`SubjectToken`] extension of each
//!   outgoing `http::Request`; [`ClientCredentialsLayer`] needs nothing.
//! - By hand: [`TokenExchange::bearer_for`] / [`ClientCredentialsSource::bearer`] give the token
//!   as a [`Secret`](crate::secret::Secret).
//!
//! Errors are [`ExchangeError`]s: the OAuth code is kept (`invalid_grant`: the user must log in
//! again; `invalid_target`: wrong audience), and no error or log line contains a token or the
//! client secret.
//!
//! ```no_run
//! # async fn run(session: feide_tower::session::FeideSession, incoming: http::HeaderMap) -> Result<(), Box<dyn std::error::Error>> {
//! use feide_tower::{Provider, exchange::{SubjectToken, TokenExchange}};
//!
//! let feide = Provider::from_env().await?;
//!
//! // A web app: the user's token -> a JWT for the data source -> call it.
//! let to_datasource = TokenExchange::login_client(&feide, "https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
//!     .build()?;
//! let me: serde_json::Value = to_datasource.get_json("https://datasource.example.org/me", session.access_token()).await?;
//!
//! // The data source: the caller's JWT -> a token for Feide's APIs -> groups.
//! let to_feide = TokenExchange::data_source(&feide).client("datasource-id", "datasource-secret").build()?;
//! let subject = SubjectToken::from_bearer_header(&incoming).ok_or("no bearer token")?;
//! let groups = to_feide.groups(subject.secret()).await?;
//! # Ok(()) }
//! ```

mod builder;
mod cache;
mod calls;
mod client;
mod client_credentials;
mod client_credentials_layer;
mod clock;
mod config_error;
mod error;
mod exchange_span;
mod issued;
mod layer;
mod outgoing;
mod pattern;
mod subject;

pub use builder::TokenExchangeBuilder;
pub use client::TokenExchange;
pub use client_credentials::{ClientCredentialsBuilder, ClientCredentialsSource};
pub use client_credentials_layer::ClientCredentialsLayer;
pub use config_error::ExchangeConfigError;
pub use error::{ExchangeError, LayerError};
pub use issued::IssuedToken;
pub use layer::TokenExchangeLayer;
pub use outgoing::{BearerSource, NoRetry, OutgoingBearer, ResponseFuture, RetryOnce};
pub use pattern::{
    ExchangePattern, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT,
};
pub use subject::SubjectToken;
