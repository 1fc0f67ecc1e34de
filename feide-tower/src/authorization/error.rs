//! [`AuthorizationConfigError`]: why a guard could not be built.

/// A guard's configuration was refused at start-up (fail closed: no guard that would let the
/// wrong users in, or no one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationConfigError {
    /// A rule is malformed: an empty set, an unknown affiliation or role, a value that is not
    /// an id, realm or organisation number.
    #[error("authorization rule `{kind}`: {reason}")]
    InvalidRule {
        /// The rule kind (`affiliation`, `organization`, `group`, `group_type`, `any_of`, ...).
        kind: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The freshness window is outside 1 second to 1 day.
    #[error("authorization freshness must be between 1 second and 1 day")]
    InvalidFreshness,
    /// The cache capacity is 0.
    #[error("authorization cache capacity must be at least 1")]
    InvalidCapacity,
    /// The provider has neither a groups API URL nor an extended userinfo URL
    /// (`FEIDE_GROUPINFO_URL`, `FEIDE_EXTENDED_USERINFO_URL`): there is nowhere to ask.
    #[error(
        "the provider has no groups API or extended userinfo URL (FEIDE_GROUPINFO_URL, FEIDE_EXTENDED_USERINFO_URL)"
    )]
    NoFactSource,
}
