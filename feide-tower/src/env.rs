//! [`setting`]: how every `from_env` reads a variable.

/// The value of `name` through `lookup`, trimmed; `None` when unset or blank, so that an empty
/// `VAR=` in a `.env` file means "not set" everywhere.
pub(crate) fn setting(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
