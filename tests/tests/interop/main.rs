//! Interoperability with an independently written, OpenID-certified provider, and real-browser
//! end-to-end tests (issue #7).
//!
//! FakeFeide is ours: passing against it only proves we agree with ourselves. Here the provider
//! is panva's `oidc-provider` (OpenID-certified; pinned in `tests/interop/package-lock.json`,
//! configured close to Feide in `tests/interop/op.mjs`), and the browser is Debian's headless
//! Chromium driven by `tests/interop/browser.mjs` (playwright-core, `/usr/bin/chromium`).
//!
//! - `login`: the axum-login example signs a user in at the certified provider (PKCE S256,
//!   `client_secret_basic` with a secret that needs form-encoding, RS256 ID token, RFC 9207
//!   `iss`, userinfo), keeps the session, and signs out with `id_token_hint`.
//! - `exchange`: RFC 8693 at the provider in both Feide patterns, and the axum-datasource
//!   example's `BearerJwtLayer` validating the JWT the provider issued.
//! - `rotation`: a new signing key at the provider is picked up with exactly one JWKS refresh.
//! - `parity`: what the certified provider refuses, FakeFeide refuses too.
//! - `browser`: Chromium clicks through sign-in and sign-out at FakeFeide's and the certified
//!   provider's pages, with a screenshot per step in `target/interop-artifacts/`.
//! - `algorithms`: the provider signs ID tokens with ES256 only, or EdDSA only, and advertises
//!   just that: the axum-login example signs in with default settings (issue 17).
//! - `logout`: the user's session ends at the provider, and the provider's own Back-Channel
//!   Logout 1.0 call ends the app's session on every instance sharing a Redis store, in
//!   Chromium, and with cookie sessions (issue 16).
//! - `private_key_jwt`: the axum-login example signs in with a client key from its environment
//!   (no secret), client credentials with RS256, PS256 and ES256 assertions, a wrong key refused.
//! - `par`: Pushed Authorization Requests (oidc-provider's `features.pushedAuthorizationRequests`),
//!   configured and required, with `private_key_jwt`, and a refused push.
//! - `step_up`: a route requiring Feide's MFA level, refused when the provider cannot confirm
//!   it, and a plain session stepping up when it can (op.mjs `acr_values`).
//! - `tenants`: one app serving two hosts, each its own client at the provider; an unknown
//!   host gets 421.
//!
//! Setup on first use: `npm ci` in `tests/interop`, and `apt-get install chromium
//! chromium-driver` when `/usr/bin/chromium` is missing (as root). Everything listens on
//! `127.0.0.1` with ports chosen at run time, and every child process is stopped by a guard.

mod algorithms;
mod apps;
mod browser;
mod controls;
mod exchange;
mod login;
mod logout;
mod op;
mod par;
mod parity;
mod private_key_jwt;
mod rotation;
mod setup;
mod step_up;
mod tenants;
mod web;
