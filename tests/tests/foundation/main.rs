//! Foundation: discovery, the JWKS cache and the validation matrix, against FakeFeide over HTTP.

mod jwks;
mod provider;
mod validation;
