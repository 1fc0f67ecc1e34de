//! Authorization guards (issue 19) over real HTTP against FakeFeide: who may enter by
//! affiliation, organisation, group (id, type, roles) and MFA, for signed-in users (cookie,
//! MemoryStore and Redis sessions) and for data sources' callers; the facts' caching and
//! freshness; Feide down; the answers browsers and API callers get; the examples' `/staff`.

mod data_source;
mod examples;
mod freshness;
mod harness;
mod session;
mod spans;
mod unavailable;
