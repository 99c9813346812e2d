//! Transport layer of hertz-rs: where bytes enter and leave.
//!
//! ```text
//!   socket ──▶ [hertz-transport] ──▶ hertz-protocol ──▶ hertz-router ──▶ hertz-core handlers
//!              accept, Conn buffers      HTTP/1.1 parse      route match      middleware + handler
//! ```
//!
//! A [`Transport`] binds a listening socket and hands every accepted connection, as a
//! `Box<dyn Conn>`, to a [`ConnHandler`] (the protocol layer). The [`Conn`] trait is Hertz's
//! `network.Conn` in Rust form:
//!
//! * its **reader is zero-copy**: bytes are read into a buffer owned by the connection, and the
//!   protocol looks at them in place ([`Conn::peek`]), consumes them ([`Conn::skip`]) or takes
//!   them out as a [`bytes::Bytes`] that shares the buffer ([`Conn::read_bytes`]). The buffer
//!   grows on demand, so a request head larger than any initial buffer still parses, up to the
//!   limit the protocol enforces;
//! * its **writer batches**: the protocol appends into an output buffer ([`Conn::write_buf`]) or
//!   queues a [`bytes::Bytes`] without copying it ([`Conn::write_bytes`]), and [`Conn::poll_flush`]
//!   sends everything with vectored writes;
//! * read and write **deadlines** turn a stalled peer into an `ErrorKind::TimedOut` error.
//!
//! With [`TransportConfig::tls`] set, either transport serves TLS (rustls): it sniffs
//! each connection's first byte, answers plain HTTP with `400`, bounds the handshake by
//! [`TransportConfig::handshake_timeout`], and reports the ALPN protocol through
//! [`Conn::alpn_protocol`]. tokio runs tokio-rustls; netpoll drives rustls's state machine
//! from its event loops.
//!
//! The traits name no runtime. Two transports implement them: [`tokio`](crate::tokio) (tokio's
//! reactor) and [`netpoll`](crate::netpoll) (our own epoll event loops, Linux only).
#![deny(missing_docs)]

mod cancel;
pub mod clock;
mod conn;
mod tls;
mod transport;
mod write_queue;

pub mod netpoll;
pub mod tokio;

pub use cancel::{CancelToken, Cancelled};
pub use conn::{Conn, ConnExt};
pub use transport::{bind, ConnHandler, Transport, TransportConfig, TransportKind};
