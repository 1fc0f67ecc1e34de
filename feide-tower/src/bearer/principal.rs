//! Who a valid token speaks for: a user, or a client acting for itself.

use std::ops::Deref;
use std::sync::Arc;

use crate::token::{Claims, Scopes};

/// The caller, as established by a valid bearer token. The layer puts it in the request's
/// extensions; handlers read it from there (or with the axum extractor, feature `axum`).
///
/// Cheap to clone: the claims are shared.
///
/// ```
/// use std::sync::Arc;
/// use feide_tower::bearer::Principal;
///
/// fn greet(request: &http::Request<()>) -> String {
///     match request.extensions().get::<Principal>() {
///         Some(Principal::User { claims }) => format!("hello {}", claims.sub.as_deref().unwrap_or("?")),
///         Some(Principal::Client { .. }) => "hello machine".into(),
///         None => "who are you?".into(),
///     }
/// }
/// # assert_eq!(greet(&http::Request::new(())), "who are you?");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// A token issued on behalf of a user (`sub` is the user, not the client).
    User {
        /// The validated claims.
        claims: Arc<Claims>,
    },
    /// A token a client obtained for itself (client credentials, a service account), as the
    /// layer's [`ClientRule`](crate::token::ClientRule) tells (at Feide: `sub` equals `client_id`). Only let through when
    /// the layer allows clients.
    Client {
        /// The validated claims.
        claims: Arc<Claims>,
    },
}

impl Principal {
    /// [`User`](Self::User) or [`Client`](Self::Client), by the default rule of the token's
    /// issuer ([`Claims::has_user`]).
    pub fn from_claims(claims: impl Into<Arc<Claims>>) -> Self {
        let claims = claims.into();
        if claims.has_user() {
            Self::User { claims }
        } else {
            Self::Client { claims }
        }
    }

    /// The validated claims.
    pub fn claims(&self) -> &Arc<Claims> {
        match self {
            Self::User { claims } | Self::Client { claims } => claims,
        }
    }

    /// Whether the token speaks for a user.
    pub fn is_user(&self) -> bool {
        matches!(self, Self::User { .. })
    }

    /// The `sub` claim: the user for [`User`](Self::User), usually the client id otherwise.
    pub fn subject(&self) -> Option<&str> {
        self.claims().sub.as_deref()
    }

    /// The issuer of the token (`iss`): with several trusted providers
    /// ([`BearerBuilder::trust`](super::BearerBuilder::trust)), the one that issued it.
    pub fn issuer(&self) -> &str {
        &self.claims().iss
    }

    /// The client the token was issued to: `client_id`, else `azp` (Keycloak, Entra ID), else
    /// `sub` for a client's own token.
    pub fn client_id(&self) -> Option<&str> {
        let claims = self.claims();
        let named = claims.client_id.as_deref().or(claims.azp.as_deref());
        match self {
            Self::User { .. } => named,
            Self::Client { .. } => named.or(claims.sub.as_deref()),
        }
    }

    /// The granted scopes.
    pub fn scopes(&self) -> &Scopes {
        &self.claims().scope
    }
}

/// The validated claims of the request's bearer token, without the user/client distinction.
///
/// With feature `axum` it is an extractor (read from the [`Principal`] the layer inserted).
#[derive(Debug, Clone, PartialEq)]
pub struct BearerClaims(pub Arc<Claims>);

impl Deref for BearerClaims {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

impl From<Principal> for BearerClaims {
    fn from(principal: Principal) -> Self {
        match principal {
            Principal::User { claims } | Principal::Client { claims } => Self(claims),
        }
    }
}
