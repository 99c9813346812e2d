//! Built-in middleware.

mod recovery;

pub use recovery::recovery;
