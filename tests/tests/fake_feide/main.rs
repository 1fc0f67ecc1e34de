//! FakeFeide itself, over real HTTP: it must behave like Feide for our tests to mean anything.

mod common;
mod controls;
mod exchange;
mod groups;
mod login;
mod logout;
