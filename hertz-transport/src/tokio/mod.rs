//! The tokio transport: a `TcpListener` accept loop and a task per connection.
//!
//! Everything tokio-specific in the transport layer lives in this module.

mod conn;
mod listener;

pub use conn::TokioConn;
pub use listener::TokioTransport;
