//! What a valid token still needs to get in, for JWTs and introspected tokens alike: a subject,
//! a user unless clients are allowed, and the required scopes.

use std::sync::Arc;

use super::error::BearerError;
use super::principal::Principal;
use crate::token::{Claims, ClientRule, ScopeRule, Scopes, TokenError};

/// The checks after validity, fixed at build time.
#[derive(Debug)]
pub(crate) struct Admission {
    /// The scopes every request needs (all, or any one, per `rule`).
    pub(crate) required: Box<[String]>,
    pub(crate) rule: ScopeRule,
    /// Whether tokens without a user are let through as [`Principal::Client`].
    pub(crate) allow_clients: bool,
    /// How client tokens are told from users' tokens; `None`: by each token's issuer
    /// ([`ClientRule::for_issuer`]).
    pub(crate) clients: Option<ClientRule>,
}

impl Admission {
    /// The principal `claims` speak for, or why they do not get in:
    /// - no `sub`: not an access token we can tell anything about, 401 `invalid_token`;
    /// - a client's own token where users are required: 403 naming the required scopes;
    /// - scopes missing: 403 naming them.
    pub(crate) fn admit(&self, claims: Arc<Claims>) -> Result<Principal, BearerError> {
        if claims.sub.is_none() {
            return Err(BearerError::InvalidToken(TokenError::MissingClaim("sub")));
        }
        let is_client = match &self.clients {
            Some(rule) => rule.is_client(&claims),
            None => ClientRule::default_is_client(&claims),
        };
        if is_client && !self.allow_clients {
            return Err(BearerError::UserRequired {
                required: self.required_scopes(),
                rule: self.rule,
            });
        }
        let principal = if is_client {
            Principal::Client { claims }
        } else {
            Principal::User { claims }
        };
        match self.rule.check(principal.scopes(), &self.required) {
            Ok(()) => Ok(principal),
            Err(_) => Err(BearerError::InsufficientScope {
                required: self.required_scopes(),
                rule: self.rule,
            }),
        }
    }

    fn required_scopes(&self) -> Scopes {
        self.required.iter().collect()
    }
}
