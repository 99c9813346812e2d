//! Built-in middleware.

mod recovery;

pub use recovery::recovery;
pub(crate) use recovery::{panic_message, CatchUnwind};
