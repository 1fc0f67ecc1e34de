//! The response body of feide-tower's layers: the inner service's body, or a small body the layer
//! wrote itself (a redirect, an RFC 6750 challenge, an error page).

use bytes::Bytes;
use http_body_util::{Either, Full};

/// The body type of responses from feide-tower's layers.
///
/// It implements [`http_body::Body`] with `Data = Bytes` whenever the inner body does, so axum,
/// hyper and other tower stacks accept it as they are.
pub type ResponseBody<B> = Either<B, Full<Bytes>>;

/// A response body the layer wrote itself.
pub(crate) fn own<B>(body: Full<Bytes>) -> ResponseBody<B> {
    Either::Right(body)
}

/// The inner service's body, unchanged.
pub(crate) fn inner<B>(body: B) -> ResponseBody<B> {
    Either::Left(body)
}
