//! [`ClientRule`]: how a token a client obtained for itself is told from a user's token.

use std::fmt;
use std::sync::Arc;

use super::claims::Claims;
use crate::feide::FEIDE_ISSUER;

/// How a bearer check tells a token a client obtained for itself (client credentials, a service
/// account: no user behind it) from a token issued on behalf of a user. Providers mark the two
/// differently, so the rule is chosen per issuer: [`for_issuer`](Self::for_issuer) is what the
/// bearer layer and the introspector use unless they are given another
/// ([`BearerBuilder::client_rule`](crate::bearer::BearerBuilder::client_rule)).
///
/// - [`feide`](Self::feide), for Feide's issuer (`https://auth.dataporten.no`): a client's own
///   token has `sub` equal to `client_id` (and no user claims).
/// - [`generic`](Self::generic), for every other issuer: a client's own token is one with `sub`
///   equal to `client_id` or `azp` (RFC 9068 §2.2), Entra ID's `idtyp: app` or `oid` equal to
///   `sub` (Microsoft's documented test for app-only tokens), Auth0's `gty: client-credentials`,
///   or a Keycloak service account (`preferred_username` starting with `service-account-`;
///   Keycloak gives service accounts a user id of their own as `sub`).
/// - [`custom`](Self::custom): your own test, for a provider that marks its client tokens
///   another way.
///
/// A token without `sub` is neither: the layers refuse it as an invalid token.
///
/// ```no_run
/// # async fn run(provider: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::bearer::BearerJwtLayer;
/// use feide_tower::token::{Claims, ClientRule};
///
/// // A provider of your own that marks its client tokens with `"token_use": "client"`:
/// let layer = BearerJwtLayer::builder(&provider)
///     .audience("https://api.example.org")
///     .client_rule(ClientRule::custom(|c: &Claims| c.extra_str("token_use") == Some("client")))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientRule(Rule);

#[derive(Clone)]
enum Rule {
    Feide,
    Generic,
    Custom(Arc<dyn Fn(&Claims) -> bool + Send + Sync>),
}

impl fmt::Debug for ClientRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Rule::Feide => "ClientRule::Feide",
            Rule::Generic => "ClientRule::Generic",
            Rule::Custom(_) => "ClientRule::Custom",
        })
    }
}

/// Prefix of the username Keycloak gives a client's service account.
const KEYCLOAK_SERVICE_ACCOUNT: &str = "service-account-";

impl ClientRule {
    /// Feide's rule: a client's own token has `sub` equal to `client_id`.
    pub fn feide() -> Self {
        Self(Rule::Feide)
    }

    /// The rule for providers other than Feide (see the type's documentation).
    pub fn generic() -> Self {
        Self(Rule::Generic)
    }

    /// A rule of your own: `is_client` returns `true` for a token without a user.
    pub fn custom(is_client: impl Fn(&Claims) -> bool + Send + Sync + 'static) -> Self {
        Self(Rule::Custom(Arc::new(is_client)))
    }

    /// The default rule for tokens of `issuer`: [`feide`](Self::feide) for Feide's issuer,
    /// [`generic`](Self::generic) for any other.
    pub fn for_issuer(issuer: &str) -> Self {
        if issuer == FEIDE_ISSUER {
            Self::feide()
        } else {
            Self::generic()
        }
    }

    /// Whether `claims` are those of a client's own token (no user). A token without `sub` has
    /// no user either.
    pub fn is_client(&self, claims: &Claims) -> bool {
        let Some(sub) = claims.sub.as_deref() else {
            return true;
        };
        match &self.0 {
            Rule::Feide => feide(claims, sub),
            Rule::Generic => generic(claims, sub),
            Rule::Custom(is_client) => is_client(claims),
        }
    }

    /// Whether `claims` are a client's own token by the default rule of their issuer. Building
    /// the rule costs nothing: only a custom rule allocates.
    pub(crate) fn default_is_client(claims: &Claims) -> bool {
        Self::for_issuer(&claims.iss).is_client(claims)
    }
}

fn feide(claims: &Claims, sub: &str) -> bool {
    claims.client_id.as_deref() == Some(sub)
}

fn generic(claims: &Claims, sub: &str) -> bool {
    claims.client_id.as_deref() == Some(sub)
        || claims.azp.as_deref() == Some(sub)
        || claims.extra_str("oid") == Some(sub)
        || claims.extra_str("idtyp") == Some("app")
        || claims.extra_str("gty") == Some("client-credentials")
        || claims
            .extra_str("preferred_username")
            .is_some_and(|name| name.starts_with(KEYCLOAK_SERVICE_ACCOUNT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(iss: &str, extra: &str) -> Claims {
        let json = format!(r#"{{"iss":"{iss}","aud":"a","exp":1{extra}}}"#);
        Claims::from_payload(json.as_bytes()).unwrap()
    }

    #[test]
    fn feide_clients_have_sub_equal_to_client_id() {
        let client = claims(FEIDE_ISSUER, r#","sub":"c","client_id":"c""#);
        let user = claims(FEIDE_ISSUER, r#","sub":"u","client_id":"c""#);
        for rule in [ClientRule::feide(), ClientRule::generic()] {
            assert!(rule.is_client(&client), "{rule:?}");
            assert!(!rule.is_client(&user), "{rule:?}");
        }
        assert!(ClientRule::default_is_client(&client));
        assert!(!ClientRule::default_is_client(&user));
    }

    #[test]
    fn service_accounts_of_other_providers() {
        let iss = "https://login.example.org";
        for extra in [
            r#","sub":"s","azp":"s""#,
            r#","sub":"uuid","azp":"svc","preferred_username":"service-account-svc""#,
            r#","sub":"o","oid":"o","azp":"app""#,
            r#","sub":"pairwise","oid":"o","idtyp":"app""#,
            r#","sub":"x@clients","azp":"x","gty":"client-credentials""#,
        ] {
            let c = claims(iss, extra);
            assert!(ClientRule::generic().is_client(&c), "{extra}");
            assert!(ClientRule::default_is_client(&c), "{extra}");
            assert!(!ClientRule::feide().is_client(&c), "{extra}");
        }
        for extra in [
            r#","sub":"uuid","azp":"web","preferred_username":"alice""#,
            r#","sub":"pairwise","oid":"o","azp":"app","scp":"read""#,
            r#","sub":"pairwise","idtyp":"user""#,
            r#","sub":"u","gty":"password""#,
        ] {
            let c = claims(iss, extra);
            assert!(!ClientRule::generic().is_client(&c), "{extra}");
            assert!(!ClientRule::default_is_client(&c), "{extra}");
        }
    }

    #[test]
    fn no_sub_is_no_user_and_custom_rules_decide_the_rest() {
        let no_sub = claims("i", "");
        assert!(ClientRule::feide().is_client(&no_sub));
        assert!(ClientRule::custom(|_| false).is_client(&no_sub));
        assert!(ClientRule::default_is_client(&no_sub));
        let c = claims("i", r#","sub":"u","token_use":"client""#);
        let rule = ClientRule::custom(|c: &Claims| c.extra_str("token_use") == Some("client"));
        assert!(rule.is_client(&c));
        assert_eq!(format!("{rule:?}"), "ClientRule::Custom");
    }
}
