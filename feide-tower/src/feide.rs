//! Feide's fixed addresses (DESIGN §2), below everything that needs them.

/// Feide's issuer, the default.
pub const FEIDE_ISSUER: &str = "https://auth.dataporten.no";
/// Feide's extended userinfo API.
pub const FEIDE_EXTENDED_USERINFO_URL: &str = "https://api.dataporten.no/userinfo/v1/userinfo";
/// Feide's groups API.
pub const FEIDE_GROUPS_URL: &str = "https://groups-api.dataporten.no/groups/me/groups";
