//! Foundation: discovery, the JWKS cache and the validation matrix, against FakeFeide over HTTP.

mod https;
mod jwks;
mod provider;
mod validation;
