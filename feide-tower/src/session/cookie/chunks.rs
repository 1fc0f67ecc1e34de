//! Spreading a long value over several cookies (`name.0`, `name.1`, …) and joining it again.
//!
//! Browsers keep at most about 4096 bytes per cookie (name, value and attributes together), so a
//! value longer than [`CHUNK_SIZE`] is cut into chunks of at most that many bytes.

use std::borrow::Cow;

use super::ChunkError;

/// The most value bytes one cookie carries (leaves room under 4096 for name and attributes).
pub(crate) const CHUNK_SIZE: usize = 3800;
/// Default for the most cookies one value may be spread over.
pub(crate) const DEFAULT_MAX_CHUNKS: usize = 5;
/// The highest cap [`Chunker::with_max_chunks`] accepts: browsers keep some 180 cookies of 4 KB
/// per site, and servers refuse a `Cookie` header far below 64 chunks (about 250 KB).
const MAX_CHUNKS_LIMIT: usize = 64;
// Chunk indices below the limit have at most two digits (see `Chunker::classify`).
const _: () = assert!(MAX_CHUNKS_LIMIT <= 100);

/// Splits values into cookies and joins them back from a request, with a cap on the number of
/// chunks.
///
/// The cap protects both sides: a session that grows past it is refused when written (keep
/// sessions small: 5 chunks make a `Cookie` header of some 19 KB, above the 8 KB per header line
/// that nginx accepts by default), and when reading a request only the cookies this chunker
/// could have written count: the plain name and `name.0` to `name.{max_chunks - 1}`, indices
/// written in canonical decimal. Any other `name.N` (`name.99`, `name.00`) is ignored like a
/// foreign cookie and never deleted, so a request with thousands of bogus chunk cookies costs
/// work linear in its `Cookie` header and gets at most `max_chunks + 1` removals.
///
/// ```
/// use feide_tower::session::cookie::Chunker;
///
/// let chunker = Chunker::new();
/// let long = "x".repeat(9000);
/// let cookies = chunker.split("session", &long)?;
/// let names: Vec<&str> = cookies.iter().map(|(name, _)| name.as_str()).collect();
/// assert_eq!(names, ["session.0", "session.1", "session.2"]);
///
/// let request = cookies.iter().map(|(name, value)| (name.as_str(), *value));
/// assert_eq!(chunker.join("session", request)?.as_deref(), Some(long.as_str()));
///
/// // A short value stays in one cookie under the plain name.
/// assert_eq!(chunker.split("session", "short")?, [("session".to_owned(), "short")]);
/// # Ok::<(), feide_tower::session::cookie::ChunkError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunker {
    max_chunks: usize,
}

impl Default for Chunker {
    fn default() -> Self {
        Self::new()
    }
}

/// How a request cookie relates to a session cookie name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Exactly the name.
    Whole,
    /// `name.N` with `N` below the cap.
    Chunk(usize),
}

impl Chunker {
    /// A chunker with the default cap of 5 chunks.
    pub const fn new() -> Self {
        Self {
            max_chunks: DEFAULT_MAX_CHUNKS,
        }
    }

    /// Sets the most cookies one value may be spread over (at least 1, at most 64).
    #[must_use]
    pub const fn with_max_chunks(self, max_chunks: usize) -> Self {
        Self {
            max_chunks: if max_chunks == 0 {
                1
            } else if max_chunks > MAX_CHUNKS_LIMIT {
                MAX_CHUNKS_LIMIT
            } else {
                max_chunks
            },
        }
    }

    /// The most cookies one value may be spread over.
    pub const fn max_chunks(&self) -> usize {
        self.max_chunks
    }

    /// The longest value that fits: `max_chunks × CHUNK_SIZE` bytes.
    pub const fn max_value_len(&self) -> usize {
        self.max_chunks.saturating_mul(CHUNK_SIZE)
    }

    /// The cookies to write for `value`: `[(name, value)]` if it fits in one cookie, otherwise
    /// `name.0`, `name.1`, … with at most 3,800 bytes each (cut between characters).
    ///
    /// # Errors
    /// [`ChunkError::TooLarge`] if it needs more than [`max_chunks`](Self::max_chunks) cookies.
    pub fn split<'v>(
        &self,
        name: &str,
        value: &'v str,
    ) -> Result<Vec<(String, &'v str)>, ChunkError> {
        if value.len() <= CHUNK_SIZE {
            return Ok(vec![(name.to_owned(), value)]);
        }
        let too_large = ChunkError::TooLarge {
            len: value.len(),
            max: self.max_value_len(),
        };
        if value.len() > self.max_value_len() {
            return Err(too_large);
        }
        let mut chunks = Vec::with_capacity(value.len().div_ceil(CHUNK_SIZE));
        let mut rest = value;
        while !rest.is_empty() {
            if chunks.len() == self.max_chunks {
                // Only reachable when cuts between multi-byte characters cost the space.
                return Err(too_large);
            }
            let (chunk, tail) = rest.split_at(char_floor(rest, CHUNK_SIZE));
            chunks.push((format!("{name}.{}", chunks.len()), chunk));
            rest = tail;
        }
        Ok(chunks)
    }

    /// The value of `name` in a request's cookies (see [`request_cookies`](super::request_cookies)).
    ///
    /// If a cookie called exactly `name` is present it is the value (chunks beside it are stale
    /// and ignored). Otherwise the chunks `name.0`, `name.1`, … are joined; they must run from 0
    /// with no gap. `Ok(None)` if there is neither. Cookies this chunker could not have written
    /// (an index at or beyond [`max_chunks`](Self::max_chunks) such as `name.99`, or not in
    /// canonical decimal such as `name.00`) are not part of the value: they are ignored.
    ///
    /// # Errors
    /// [`ChunkError::Duplicate`] if the same cookie comes twice, [`ChunkError::Gap`] if chunks
    /// are missing. Clear the cookies of [`names_to_clear`](Self::names_to_clear) then, or the
    /// browser sends them again.
    pub fn join<'a>(
        &self,
        name: &str,
        cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Cow<'a, str>>, ChunkError> {
        let mut whole: Option<&'a str> = None;
        let mut whole_twice = false;
        // Allocated only when a chunk shows up.
        let mut chunks: Vec<Option<&'a str>> = Vec::new();
        let mut chunk_error: Option<ChunkError> = None;

        for (cookie_name, value) in cookies {
            match self.classify(name, cookie_name) {
                None => {}
                Some(Part::Whole) => {
                    whole_twice |= whole.is_some();
                    whole = Some(value);
                }
                Some(Part::Chunk(_)) if chunk_error.is_some() => {}
                Some(Part::Chunk(index)) => {
                    if chunks.is_empty() {
                        chunks.resize(self.max_chunks, None);
                    }
                    // `classify` returns only `index < max_chunks == chunks.len()`.
                    let slot = &mut chunks[index];
                    if slot.is_some() {
                        chunk_error = Some(ChunkError::Duplicate { index: Some(index) });
                    }
                    *slot = Some(value);
                }
            }
        }

        if whole_twice {
            return Err(ChunkError::Duplicate { index: None });
        }
        if let Some(value) = whole {
            return Ok(Some(Cow::Borrowed(value)));
        }
        if let Some(error) = chunk_error {
            return Err(error);
        }
        let present = chunks.iter().take_while(|c| c.is_some()).count();
        // `present <= chunks.len()`: it counts a prefix of `chunks`.
        if chunks[present..].iter().any(Option::is_some) {
            return Err(ChunkError::Gap { missing: present });
        }
        match present {
            0 => Ok(None),
            _ => Ok(Some(Cow::Owned(chunks.into_iter().flatten().collect()))),
        }
    }

    /// Every cookie of the request that this chunker could have written for `name` (`name`
    /// itself and `name.0` to `name.{max_chunks - 1}`), each once, in request order: at most
    /// `max_chunks + 1` names, found in one pass over the cookies.
    ///
    /// Write a removal for each of them that the new value does not overwrite, so that a stale
    /// or foreign set (3 chunks rewritten as 1, a planted `name.1`) cannot linger and shadow or
    /// break the session. [`CookieOptions::set_cookies`](super::CookieOptions::set_cookies) does
    /// that. Other `name.N` cookies are not listed: [`join`](Self::join) ignores them, and
    /// deleting whatever a request names would let it ask for thousands of removals.
    #[must_use]
    pub fn names_to_clear<'a>(
        &self,
        name: &str,
        cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<&'a str> {
        // Slot 0: the plain name; slot `1 + i`: chunk `i`.
        let mut listed = [false; MAX_CHUNKS_LIMIT + 1];
        let mut names: Vec<&'a str> = Vec::new();
        for (cookie_name, _) in cookies {
            let slot = match self.classify(name, cookie_name) {
                None => continue,
                Some(Part::Whole) => 0,
                Some(Part::Chunk(index)) => index + 1,
            };
            // `index < max_chunks <= MAX_CHUNKS_LIMIT`, so `slot` is in bounds.
            if !std::mem::replace(&mut listed[slot], true) {
                names.push(cookie_name);
            }
        }
        names
    }

    /// Whether `cookie_name` is `name`, or `name.N` for a chunk this chunker could have written:
    /// `N` below [`max_chunks`](Self::max_chunks), in canonical decimal (no sign, no leading
    /// zero).
    fn classify(&self, name: &str, cookie_name: &str) -> Option<Part> {
        let rest = cookie_name.strip_prefix(name)?;
        if rest.is_empty() {
            return Some(Part::Whole);
        }
        let digits = rest.strip_prefix('.')?.as_bytes();
        // `max_chunks <= MAX_CHUNKS_LIMIT <= 100`: an index we write has one or two digits.
        let index = match *digits {
            [d] if d.is_ascii_digit() => usize::from(d - b'0'),
            [d1 @ b'1'..=b'9', d0 @ b'0'..=b'9'] => {
                usize::from(d1 - b'0') * 10 + usize::from(d0 - b'0')
            }
            _ => return None,
        };
        (index < self.max_chunks).then_some(Part::Chunk(index))
    }
}

/// The largest char boundary of `s` at or below `at` (at least one character, so progress is
/// made).
fn char_floor(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    let mut end = at;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    if end == 0 {
        // `at` is smaller than the first character: take that whole character.
        s.char_indices().nth(1).map_or(s.len(), |(i, _)| i)
    } else {
        end
    }
}
