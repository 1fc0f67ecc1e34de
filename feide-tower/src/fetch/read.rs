//! [`read_limited`]: the one way a response body from the network is read, with its limit
//! enforced while reading.

use bytes::{Bytes, BytesMut};

use super::ProviderError;

/// Reads `response`'s body, but never more than `limit` bytes: a `Content-Length` above the limit
/// is refused before reading, and a body without one (chunked, or a lying length) is refused as
/// soon as the bytes received pass the limit. The connection is then dropped, not drained, so a
/// hostile or broken provider costs at most `limit` plus one chunk of memory.
///
/// Errors: [`ProviderError::TooLarge`], or [`ProviderError::Unreachable`] when the connection
/// breaks mid-body. `what` and `url` name the endpoint in the error (the URL never carries
/// credentials).
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    what: &'static str,
    url: &str,
) -> Result<Bytes, ProviderError> {
    let too_large = || ProviderError::TooLarge {
        what,
        url: url.to_owned(),
        limit,
    };
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    // The first chunk is often the whole body: kept as it is, no copy.
    let mut only: Option<Bytes> = None;
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|e| unreachable(what, url, &e))?;
        let Some(chunk) = chunk else {
            break;
        };
        let received = only.as_ref().map_or(body.len(), Bytes::len);
        if chunk.len() > limit - received {
            return Err(too_large());
        }
        match only.take() {
            None if body.is_empty() => only = Some(chunk),
            None => body.extend_from_slice(&chunk),
            Some(first) => {
                // `declared` is at most `limit` here, so this reservation is bounded too.
                let hint = declared.map_or(0, |len| len as usize);
                body.reserve(hint.max(first.len() + chunk.len()));
                body.extend_from_slice(&first);
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(only.unwrap_or_else(|| body.freeze()))
}

/// A transport error as [`ProviderError::Unreachable`]. reqwest's `Display` includes the URL,
/// which the error names already; the source chain is enough.
pub(crate) fn unreachable(what: &'static str, url: &str, e: &reqwest::Error) -> ProviderError {
    let reason = std::error::Error::source(e).map_or_else(|| e.to_string(), ToString::to_string);
    ProviderError::Unreachable {
        what,
        url: url.to_owned(),
        reason,
    }
}
