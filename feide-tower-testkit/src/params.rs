//! Parameters of a request: a query string or a form body.

/// Whether `scope` has RFC 6749 §3.3 syntax: scope-tokens of `%x21 / %x23-5B /
/// %x5D-7E` separated by single spaces (what a certified provider checks: a
/// quote, a backslash, a control character or a stray space is
/// `invalid_scope`).
pub(crate) fn is_valid_scope(scope: &str) -> bool {
    let token_char = |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
    scope
        .split(' ')
        .all(|token| !token.is_empty() && token.bytes().all(token_char))
}

/// Decoded `application/x-www-form-urlencoded` pairs, in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes a query string or form body.
    pub(crate) fn parse(input: &[u8]) -> Params {
        Params {
            pairs: form_urlencoded::parse(input).into_owned().collect(),
        }
    }

    /// The first value of `name`; per RFC 6749 §3.1 an empty value counts as
    /// absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` occurs at all (even with an empty value).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// The first parameter name that occurs more than once, if any
    /// (RFC 6749 §3.1: parameters must not be repeated).
    pub(crate) fn repeated(&self) -> Option<&str> {
        self.pairs.iter().enumerate().find_map(|(i, (k, _))| {
            self.pairs[..i]
                .iter()
                .any(|(p, _)| p == k)
                .then_some(k.as_str())
        })
    }

    /// All pairs, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_scope;

    #[test]
    fn scope_syntax() {
        for good in [
            "openid",
            "openid profile userid-feide",
            "gk_x:y",
            "https://a/b~c!",
        ] {
            assert!(is_valid_scope(good), "{good}");
        }
        for bad in [
            "",
            " openid",
            "openid ",
            "openid  profile",
            "openid\tprofile",
            "open\"id",
            "open\\id",
            "openidæ",
        ] {
            assert!(!is_valid_scope(bad), "{bad:?}");
        }
    }
}
