//! Query-string parameters with duplicate detection: `?state=a&state=b` is an attack, not a
//! choice.

use std::borrow::Cow;

/// Parsed query parameters.
pub(crate) struct Query<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

/// A parameter appeared more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Duplicate;

/// Longest query string read; longer ones are treated as empty for `/login` and refused at
/// `/callback`.
pub(crate) const MAX_QUERY: usize = 8 * 1024;

impl<'a> Query<'a> {
    pub(crate) fn parse(query: Option<&'a str>) -> Self {
        let query = query.filter(|q| q.len() <= MAX_QUERY).unwrap_or("");
        Self(form_urlencoded::parse(query.as_bytes()).collect())
    }

    /// The one value of `name`; an error if it appears more than once.
    pub(crate) fn single(&self, name: &str) -> Result<Option<&str>, Duplicate> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref());
        match (values.next(), values.next()) {
            (first, None) => Ok(first),
            (Some(_), Some(_)) => Err(Duplicate),
            (None, Some(_)) => Ok(None), // unreachable: a second value implies a first
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_errors() {
        let q = Query::parse(Some("state=a&code=x&state=b"));
        assert_eq!(q.single("state"), Err(Duplicate));
        assert_eq!(q.single("code"), Ok(Some("x")));
        assert_eq!(q.single("iss"), Ok(None));
        assert_eq!(
            Query::parse(Some(&"a=b&".repeat(MAX_QUERY))).single("a"),
            Ok(None)
        );
    }
}
