//! Talking to a provider over HTTP, below everything that does: a JSON document fetched with a
//! timeout and a size limit, bounded body reads, the https rule for configured URLs, and the one
//! typed error ([`ProviderError`]) they all report.

mod document;
mod error;
mod read;
mod secure_url;

pub(crate) use document::get_document;
pub use error::ProviderError;
pub(crate) use read::{read_limited, unreachable};
pub use secure_url::require_secure_url;
