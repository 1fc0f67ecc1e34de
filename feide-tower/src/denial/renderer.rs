//! [`ErrorRenderer`]: custom bodies for every refusal, and the shared handle layers keep.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;

use super::{Challenge, Denial};
use crate::answer::Answer;

/// Renders the body of a [`Denial`]: returns its `Content-Type` and bytes. Only the body is
/// yours; status and the protocol headers are copied from the default answer afterwards.
///
/// Any `Fn(&Denial) -> (HeaderValue, Bytes)` is one:
///
/// ```
/// use bytes::Bytes;
/// use feide_tower::{Denial, ErrorRenderer};
/// use http::HeaderValue;
///
/// let renderer = |denial: &Denial| {
///     let html = format!("<h1>Sorry ({})</h1>", denial.status().as_u16());
///     (HeaderValue::from_static("text/html; charset=utf-8"), Bytes::from(html))
/// };
/// # fn check(_: &dyn ErrorRenderer) {}
/// # check(&renderer);
/// ```
///
/// Give one to [`AccessGuardBuilder::render_body`](crate::access::AccessGuardBuilder::render_body),
/// [`BearerBuilder::render_body`](crate::bearer::BearerBuilder::render_body) or
/// [`FeideLoginBuilder::render_body`](crate::login::FeideLoginBuilder::render_body).
/// Never echo request data (tokens, cookies) into the body.
pub trait ErrorRenderer: Send + Sync + 'static {
    /// The `Content-Type` and body of the answer to `denial`.
    fn render(&self, denial: &Denial) -> (HeaderValue, Bytes);
}

impl<F> ErrorRenderer for F
where
    F: Fn(&Denial) -> (HeaderValue, Bytes) + Send + Sync + 'static,
{
    fn render(&self, denial: &Denial) -> (HeaderValue, Bytes) {
        self(denial)
    }
}

/// A renderer held by a layer's configuration (shared, cheap to clone).
#[derive(Clone)]
pub(crate) struct SharedRenderer(Arc<dyn ErrorRenderer>);

impl SharedRenderer {
    pub(crate) fn new(renderer: impl ErrorRenderer) -> Self {
        Self(Arc::new(renderer))
    }

    /// The renderer itself.
    pub(crate) fn as_dyn(&self) -> &dyn ErrorRenderer {
        &*self.0
    }

    /// `challenge` with the rendered body and `Content-Type`; status and headers unchanged.
    pub(crate) fn challenge(&self, mut challenge: Challenge) -> Challenge {
        let (content_type, body) = self.0.render(&Denial::Bearer(challenge.clone()));
        challenge.content_type = content_type;
        challenge.body = body;
        challenge
    }

    /// The login flow's answer for `denial`, with the rendered body.
    pub(crate) fn login(&self, denial: Denial) -> Answer {
        let (status, headers, body) = denial.rendered(Some(self.as_dyn()));
        Answer {
            status,
            headers,
            body,
        }
    }
}

impl fmt::Debug for SharedRenderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorRenderer")
    }
}
