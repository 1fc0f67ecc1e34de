//! Login request controls (OpenID Connect Core §3.1.2.1): `prompt`, `max_age` and
//! `ui_locales`, as builder defaults and per request from `/login`'s query string, each checked
//! against an allow-list; and the `auth_time` check a `max_age` asks for on return (§3.1.3.7).
//!
//! A value outside the allow-list in the query is refused with a `400` page rather than ignored:
//! a silently dropped `prompt=none` would turn a silent check into an interactive login, and a
//! dropped `max_age` would weaken what the app asked for. Only the login path reads them; every
//! value is re-serialised by us, so nothing else of the query reaches the provider.

use std::time::Duration;

use super::query::Query;

/// The largest `max_age` accepted (one year): larger values mean nothing a session could need.
pub(crate) const MAX_MAX_AGE: u64 = 366 * 24 * 3600;
/// Longest `ui_locales` value accepted.
const MAX_UI_LOCALES_LEN: usize = 128;
/// Most language tags in `ui_locales`.
const MAX_LOCALES: usize = 8;
/// Longest single language tag (RFC 5646 §4.4.1 advises supporting 35 characters).
const MAX_TAG_LEN: usize = 35;

/// The `prompt` values OpenID Connect Core defines.
const PROMPTS: [&str; 4] = ["none", "login", "consent", "select_account"];

/// The controls of one authorization request, already checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LoginControls {
    /// Space-separated `prompt` values, each once; `none` only alone.
    pub(crate) prompt: Option<String>,
    /// Seconds since the user last authenticated at the provider.
    pub(crate) max_age: Option<u64>,
    /// Space-separated BCP 47 language tags, preferred first.
    pub(crate) ui_locales: Option<String>,
}

/// A control value that is not on the allow-list; names the parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused(pub(crate) &'static str);

impl LoginControls {
    /// The builder's defaults, checked (`Err` names the setting).
    pub(crate) fn defaults(
        prompt: Option<&str>,
        max_age: Option<Duration>,
        ui_locales: Option<&str>,
    ) -> Result<Self, Refused> {
        Ok(Self {
            prompt: prompt
                .map(|p| parse_prompt(p).ok_or(Refused("prompt")))
                .transpose()?,
            max_age: max_age
                .map(|d| Some(d.as_secs()).filter(|s| *s <= MAX_MAX_AGE))
                .map(|s| s.ok_or(Refused("max_age")))
                .transpose()?,
            ui_locales: ui_locales
                .map(|l| parse_ui_locales(l).ok_or(Refused("ui_locales")))
                .transpose()?,
        })
    }

    /// These defaults with the request's `prompt`, `max_age` and `ui_locales` applied: a
    /// request's `prompt` and `ui_locales` replace the defaults; its `max_age` applies only if
    /// stricter (a request may ask for a more recent authentication, never a staler one).
    pub(crate) fn with_query(&self, query: &Query<'_>) -> Result<Self, Refused> {
        let single = |name: &'static str| query.single(name).map_err(|_| Refused(name));
        let mut controls = self.clone();
        if let Some(raw) = single("prompt")? {
            controls.prompt = Some(parse_prompt(raw).ok_or(Refused("prompt"))?);
        }
        if let Some(raw) = single("max_age")? {
            let asked = parse_max_age(raw).ok_or(Refused("max_age"))?;
            controls.max_age = Some(controls.max_age.map_or(asked, |d| d.min(asked)));
        }
        if let Some(raw) = single("ui_locales")? {
            controls.ui_locales = Some(parse_ui_locales(raw).ok_or(Refused("ui_locales"))?);
        }
        Ok(controls)
    }

    /// Whether this is a silent login (`prompt=none`).
    pub(crate) fn is_silent(&self) -> bool {
        self.prompt.as_deref() == Some("none")
    }

    /// The parameters for the authorization request.
    pub(crate) fn params(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        [
            self.prompt.clone().map(|p| ("prompt", p)),
            self.max_age.map(|s| ("max_age", s.to_string())),
            self.ui_locales.clone().map(|l| ("ui_locales", l)),
        ]
        .into_iter()
        .flatten()
    }
}

/// `prompt`: space-separated values of [`PROMPTS`], none repeated, `none` only alone;
/// normalised to single spaces.
pub(crate) fn parse_prompt(raw: &str) -> Option<String> {
    if raw.len() > 64
        || !raw
            .bytes()
            .all(|b| b == b' ' || b.is_ascii_lowercase() || b == b'_')
    {
        return None;
    }
    let values: Vec<&str> = raw.split(' ').filter(|v| !v.is_empty()).collect();
    let known = !values.is_empty() && values.iter().all(|v| PROMPTS.contains(v));
    let unique = values
        .iter()
        .enumerate()
        .all(|(i, v)| !values[..i].contains(v));
    let none_alone = values.len() == 1 || !values.contains(&"none");
    (known && unique && none_alone).then(|| values.join(" "))
}

/// `max_age`: a non-negative decimal integer of seconds, at most [`MAX_MAX_AGE`].
pub(crate) fn parse_max_age(raw: &str) -> Option<u64> {
    if raw.is_empty() || raw.len() > 10 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<u64>().ok().filter(|s| *s <= MAX_MAX_AGE)
}

/// `ui_locales`: up to [`MAX_LOCALES`] BCP 47 tags (letters, digits and `-`; subtags of 1 to 8
/// characters, the first alphabetic), space-separated; normalised to single spaces.
pub(crate) fn parse_ui_locales(raw: &str) -> Option<String> {
    if raw.len() > MAX_UI_LOCALES_LEN {
        return None;
    }
    let tags: Vec<&str> = raw.split(' ').filter(|t| !t.is_empty()).collect();
    let valid = !tags.is_empty() && tags.len() <= MAX_LOCALES && tags.iter().all(|t| is_tag(t));
    valid.then(|| tags.join(" "))
}

fn is_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let first_alpha = subtags
        .next()
        .is_some_and(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    tag.len() <= MAX_TAG_LEN
        && first_alpha
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Why an ID token does not satisfy the `max_age` its login asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthAge {
    /// No `auth_time` claim (§3.1.2.1: required when `max_age` was sent).
    Missing,
    /// The authentication is older than `max_age` (plus leeway), or in the future.
    TooOld,
}

/// OpenID Connect Core §3.1.3.7 (11): with `max_age`, `auth_time` must be present and
/// `now - auth_time <= max_age + leeway`; an `auth_time` beyond `now + leeway` is refused too.
pub(crate) fn check_auth_age(
    max_age: u64,
    auth_time: Option<i64>,
    now: i64,
    leeway: Duration,
) -> Result<(), AuthAge> {
    let auth_time = auth_time.ok_or(AuthAge::Missing)?;
    let leeway = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
    let max_age = i64::try_from(max_age).unwrap_or(i64::MAX);
    let oldest = now.saturating_sub(max_age.saturating_add(leeway));
    if auth_time < oldest || auth_time > now.saturating_add(leeway) {
        return Err(AuthAge::TooOld);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts() {
        assert_eq!(parse_prompt("login").as_deref(), Some("login"));
        assert_eq!(
            parse_prompt("login  consent").as_deref(),
            Some("login consent")
        );
        assert_eq!(
            parse_prompt("select_account consent login").as_deref(),
            Some("select_account consent login")
        );
        assert_eq!(parse_prompt("none").as_deref(), Some("none"));
        for bad in [
            "",
            " ",
            "none login",
            "login login",
            "Login",
            "create",
            "login\nconsent",
            "login%20x",
            &"login ".repeat(20),
        ] {
            assert_eq!(parse_prompt(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn max_ages() {
        assert_eq!(parse_max_age("0"), Some(0));
        assert_eq!(parse_max_age("3600"), Some(3600));
        assert_eq!(parse_max_age(&MAX_MAX_AGE.to_string()), Some(MAX_MAX_AGE));
        for bad in [
            "",
            "-1",
            "+5",
            "1.5",
            "1e3",
            " 5",
            "99999999999",
            &(MAX_MAX_AGE + 1).to_string(),
        ] {
            assert_eq!(parse_max_age(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn locales() {
        assert_eq!(parse_ui_locales("nb").as_deref(), Some("nb"));
        assert_eq!(
            parse_ui_locales("nb-NO  nn en-GB-oxendict").as_deref(),
            Some("nb-NO nn en-GB-oxendict")
        );
        assert_eq!(
            parse_ui_locales("zh-Hant-TW").as_deref(),
            Some("zh-Hant-TW")
        );
        for bad in [
            "",
            "n_b",
            "nb--NO",
            "-nb",
            "nb-",
            "1nb",
            "nb\"><script>",
            "nb\ten",
            "toolongprimary",
            &"nb ".repeat(9),
            &format!("en-{}", "abcdefgh-".repeat(5)),
        ] {
            assert_eq!(parse_ui_locales(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn query_overrides_and_max_age_only_tightens() {
        let defaults =
            LoginControls::defaults(Some("login"), Some(Duration::from_secs(600)), Some("nb"))
                .unwrap();
        let q = Query::parse(Some("prompt=none&max_age=60&ui_locales=en+nb"));
        let c = defaults.with_query(&q).unwrap();
        assert_eq!(c.prompt.as_deref(), Some("none"));
        assert_eq!(c.max_age, Some(60));
        assert_eq!(c.ui_locales.as_deref(), Some("en nb"));
        assert!(c.is_silent());
        let looser = defaults
            .with_query(&Query::parse(Some("max_age=86400")))
            .unwrap();
        assert_eq!(looser.max_age, Some(600));
        assert_eq!(
            defaults.with_query(&Query::parse(Some("prompt=x"))),
            Err(Refused("prompt"))
        );
        assert_eq!(
            defaults.with_query(&Query::parse(Some("max_age=1&max_age=2"))),
            Err(Refused("max_age"))
        );
        assert_eq!(
            LoginControls::defaults(None, Some(Duration::from_secs(MAX_MAX_AGE + 1)), None),
            Err(Refused("max_age"))
        );
        let params: Vec<_> = c.params().collect();
        assert_eq!(
            params,
            [
                ("prompt", "none".to_owned()),
                ("max_age", "60".to_owned()),
                ("ui_locales", "en nb".to_owned())
            ]
        );
    }

    #[test]
    fn auth_age() {
        let leeway = Duration::from_secs(60);
        let now = 1_000_000;
        assert_eq!(
            check_auth_age(300, None, now, leeway),
            Err(AuthAge::Missing)
        );
        assert_eq!(check_auth_age(300, Some(now - 360), now, leeway), Ok(()));
        assert_eq!(
            check_auth_age(300, Some(now - 361), now, leeway),
            Err(AuthAge::TooOld)
        );
        assert_eq!(check_auth_age(0, Some(now), now, leeway), Ok(()));
        assert_eq!(
            check_auth_age(0, Some(now + 61), now, leeway),
            Err(AuthAge::TooOld)
        );
        assert_eq!(
            check_auth_age(MAX_MAX_AGE, Some(i64::MIN), now, leeway),
            Err(AuthAge::TooOld)
        );
    }
}
