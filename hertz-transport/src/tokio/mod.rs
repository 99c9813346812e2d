//! The tokio transport: a `TcpListener` accept loop and a task per connection.
//!
//! Everything tokio-specific in the transport layer lives in this module.

mod conn;
mod dial;
mod listener;
mod tls;

pub use conn::TokioConn;
pub use dial::Dialer;
pub use listener::TokioTransport;
