//! Spreading a long value over several cookies (`name.0`, `name.1`, …) and joining it again.
//!
//! Browsers keep at most about 4096 bytes per cookie (name, value and attributes together), so a
//! value longer than [`CHUNK_SIZE`] is cut into chunks of at most that many bytes.

use std::borrow::Cow;

use super::ChunkError;

/// The most value bytes one cookie carries (leaves room under 4096 for name and attributes).
pub const CHUNK_SIZE: usize = 3800;
/// Default for the most cookies one value may be spread over.
pub const DEFAULT_MAX_CHUNKS: usize = 5;

/// Splits values into cookies and joins them back from a request, with a cap on the number of
/// chunks.
///
/// The cap protects both sides: a session that grows past it is refused when written (keep
/// sessions small: 5 chunks make a `Cookie` header of some 19 KB, above the 8 KB per header line
/// that nginx accepts by default), and a request that claims more chunks is refused when read.
///
/// ```
/// use feide_tower::session::Chunker;
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
/// # Ok::<(), feide_tower::session::ChunkError>(())
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
    /// `name.N`; `N` saturates at `usize::MAX`.
    Chunk(usize),
}

impl Chunker {
    /// A chunker with the default cap of [`DEFAULT_MAX_CHUNKS`] chunks.
    pub const fn new() -> Self {
        Self {
            max_chunks: DEFAULT_MAX_CHUNKS,
        }
    }

    /// Sets the most cookies one value may be spread over (at least 1).
    #[must_use]
    pub const fn with_max_chunks(self, max_chunks: usize) -> Self {
        Self {
            max_chunks: if max_chunks == 0 { 1 } else { max_chunks },
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
    /// `name.0`, `name.1`, … with at most [`CHUNK_SIZE`] bytes each (cut between characters).
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
    /// with no gap. `Ok(None)` if there is neither.
    ///
    /// # Errors
    /// [`ChunkError::Duplicate`] if the same cookie comes twice, [`ChunkError::OutOfRange`] for
    /// a chunk index at or beyond [`max_chunks`](Self::max_chunks) (e.g. `name.99`),
    /// [`ChunkError::Gap`] if chunks are missing. Clear the cookies of
    /// [`names_to_clear`](Self::names_to_clear) then, or the browser sends them again.
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
            match classify(name, cookie_name) {
                None => {}
                Some(Part::Whole) => {
                    whole_twice |= whole.is_some();
                    whole = Some(value);
                }
                Some(Part::Chunk(_)) if chunk_error.is_some() => {}
                Some(Part::Chunk(index)) if index >= self.max_chunks => {
                    chunk_error = Some(ChunkError::OutOfRange {
                        index,
                        max: self.max_chunks,
                    });
                }
                Some(Part::Chunk(index)) => {
                    if chunks.is_empty() {
                        chunks.resize(self.max_chunks, None);
                    }
                    // `index < max_chunks == chunks.len()`, checked by the arm above.
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

    /// Every cookie of the request that belongs to `name` (`name` itself and any `name.N`),
    /// each once, in request order.
    ///
    /// Write a removal for each of them that the new value does not overwrite, so that a stale
    /// or foreign set (3 chunks rewritten as 1, a planted `name.99`) cannot linger and shadow or
    /// break the session. [`CookieOptions::set_cookies`](super::CookieOptions::set_cookies) does
    /// that.
    #[must_use]
    pub fn names_to_clear<'a>(
        &self,
        name: &str,
        cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<&'a str> {
        let mut names: Vec<&'a str> = Vec::new();
        for (cookie_name, _) in cookies {
            if classify(name, cookie_name).is_some() && !names.contains(&cookie_name) {
                names.push(cookie_name);
            }
        }
        names
    }
}

/// Whether `cookie_name` is `name` or `name.<digits>`.
fn classify(name: &str, cookie_name: &str) -> Option<Part> {
    let rest = cookie_name.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(Part::Whole);
    }
    let digits = rest.strip_prefix('.')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits: parsing fails only on overflow, which is out of range anyway.
    Some(Part::Chunk(digits.parse().unwrap_or(usize::MAX)))
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
