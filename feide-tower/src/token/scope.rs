//! The `scope` claim: Feide sends a space-separated string; some providers send an array.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The set of scopes a token carries.
///
/// Deserializes from a space-separated string (Feide, RFC 8693 §4.2) or from an array of strings
/// (some other providers). Comparison is exact and case-sensitive: `readUser` is not `READUSER`
/// and not `readUserX`.
///
/// ```
/// use feide_tower::token::Scopes;
///
/// let scopes = Scopes::parse("openid readUser");
/// assert!(scopes.contains("readUser"));
/// assert!(!scopes.contains("readuser"));
/// assert_eq!(scopes.to_string(), "openid readUser");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Splits a space-separated scope string; empty parts are ignored.
    pub fn parse(s: &str) -> Self {
        Self(
            s.split(' ')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Whether the exact scope is present.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }

    /// Whether every one of `required` is present.
    pub fn contains_all<'a>(&self, required: impl IntoIterator<Item = &'a str>) -> bool {
        required.into_iter().all(|r| self.contains(r))
    }

    /// Iterates the scopes in the order the token listed them.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether there are no scopes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl<S: AsRef<str>> FromIterator<S> for Scopes {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self(iter.into_iter().map(|s| s.as_ref().to_owned()).collect())
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            List(Vec<String>),
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Text(s) => Self::parse(&s),
            Wire::List(list) => list
                .iter()
                .flat_map(|s| s.split(' '))
                .filter(|s| !s.is_empty())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_and_array_forms_agree() {
        let a: Scopes = serde_json::from_str(r#""openid  readUser""#).unwrap();
        let b: Scopes = serde_json::from_str(r#"["openid","readUser"]"#).unwrap();
        assert_eq!(a, b);
        assert!(a.contains_all(["readUser", "openid"]));
        assert!(!a.contains_all(["readUser", "writeUser"]));
    }

    #[test]
    fn look_alikes_do_not_match() {
        let s = Scopes::parse("readUserX READUSER");
        assert!(!s.contains("readUser"));
    }

    #[test]
    fn objects_and_numbers_are_rejected() {
        assert!(serde_json::from_str::<Scopes>(r#"{"readUser":true}"#).is_err());
        assert!(serde_json::from_str::<Scopes>("7").is_err());
    }
}
