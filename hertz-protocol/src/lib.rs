//! Protocol layer of hertz-rs: bytes in a connection buffer become a [`Request`], and a
//! [`Response`] becomes bytes again.
//!
//! ```text
//!   hertz-transport ──▶ [hertz-protocol] ──▶ hertz-router ──▶ hertz-core handlers
//!   Conn (buffers)       HTTP/1.1 parse,       route match      middleware + handler
//!                        limits, keep-alive,
//!                        pipelining, encode
//! ```
//!
//! The application layer implements [`Core`]; a [`ServerFactory`] builds a protocol
//! [`Server`] around it. [`http1::Http1Factory`] is the HTTP/1.1 one (protocol name
//! `"http/1.1"`); the engine keeps servers by protocol name so others (h2 via ALPN) can be
//! added without touching this code.
//!
//! The client side of HTTP/1.1 — request encoding, response head parsing and body framing,
//! without I/O — is [`http1::client`]; `hertz-client` drives it over pooled connections.
//!
//! What the HTTP/1.1 server guarantees, with the status it answers (every refusal closes the
//! connection, bypasses middleware and is logged at `debug`):
//!
//! | input | answer |
//! |---|---|
//! | head over [`ServerConfig::max_header_bytes`], or more fields than `max_header_count` | 431 |
//! | request line over `max_request_line` | 414 |
//! | body over `max_body_bytes` | 413 |
//! | head or body not received within its timeout | 408 |
//! | both `Transfer-Encoding` and `Content-Length`; differing or non-numeric `Content-Length`; final coding not `chunked`; malformed chunk framing; obs-fold, space before `:`, bare CR, control bytes; a look-alike of a framing field name; HTTP/1.1 without `Host`; a target not starting with `/` | 400 |
//! | a transfer coding other than `chunked` | 501 |
//! | an `Expect` other than `100-continue` | 417 |
#![deny(missing_docs)]

mod config;
mod context;
mod core;
mod date;
mod header;
mod method;
mod request;
mod response;
mod status;

pub mod http1;

pub use crate::core::{Core, Exchange, Interval, Server, ServerFactory, Stats};
pub use config::ServerConfig;
pub use context::Context;
pub use date::with_date;
pub use header::{has_token, HeaderMap};
pub use method::Method;
pub use request::{Request, Version};
pub use response::{BodyStream, Response};
pub use status::StatusCode;
