//! Placeholder: the fake Feide lands here.
