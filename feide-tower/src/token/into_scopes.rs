//! [`IntoScopes`]: the one way every builder of the crate takes a list of scopes.

/// Scopes as a builder takes them: a space-separated string (`"openid profile"`, as in
/// `OIDC_SCOPES` or an OAuth `scope` parameter; any run of whitespace separates) or any list of
/// strings (`["openid", "profile"]`, a `Vec<String>`, ...; each item one scope, kept as it is
/// so that the builder can refuse an invalid one).
///
/// Accepted by [`FeideLoginBuilder::scopes`](crate::login::FeideLoginBuilder::scopes),
/// [`BearerBuilder::require_scopes`](crate::bearer::BearerBuilder::require_scopes),
/// [`IntrospectorBuilder::require_scopes`](crate::introspection::IntrospectorBuilder::require_scopes),
/// [`ValidatorBuilder::require_scopes`](crate::token::ValidatorBuilder::require_scopes),
/// [`TokenExchangeBuilder::scopes`](crate::exchange::TokenExchangeBuilder::scopes) and
/// [`ClientCredentialsBuilder::scopes`](crate::exchange::ClientCredentialsBuilder::scopes).
///
/// ```
/// use feide_tower::token::IntoScopes;
///
/// assert_eq!(" openid  profile\temail ".into_scopes(), ["openid", "profile", "email"]);
/// assert_eq!(["openid", "profile"].into_scopes(), ["openid", "profile"]);
/// assert_eq!(vec!["groups".to_owned()].into_scopes(), ["groups"]);
/// ```
pub trait IntoScopes {
    /// The scopes, in order.
    fn into_scopes(self) -> Vec<String>;
}

impl IntoScopes for &str {
    fn into_scopes(self) -> Vec<String> {
        self.split_whitespace().map(str::to_owned).collect()
    }
}

impl IntoScopes for String {
    fn into_scopes(self) -> Vec<String> {
        self.as_str().into_scopes()
    }
}

impl IntoScopes for &String {
    fn into_scopes(self) -> Vec<String> {
        self.as_str().into_scopes()
    }
}

impl<S: Into<String>> IntoScopes for Vec<S> {
    fn into_scopes(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Into<String>, const N: usize> IntoScopes for [S; N] {
    fn into_scopes(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: AsRef<str>> IntoScopes for &[S] {
    fn into_scopes(self) -> Vec<String> {
        self.iter().map(|s| s.as_ref().to_owned()).collect()
    }
}
