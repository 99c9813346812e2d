//! HTTP/1.1 (RFC 9112), server side.
//!
//! One concern per file, after hyper's `proto/h1`: [`parse`](self) turns buffered bytes into a
//! request head and checks its framing, `chunked` decodes chunked bodies, `encode` writes
//! response heads and chunk framing, and `server` runs the per-connection loop that ties them
//! to a [`Core`](crate::Core).

mod chunked;
mod encode;
mod parse;
mod reject;
mod server;

pub use chunked::ChunkedDecoder;
pub use reject::Reject;
pub use server::{Http1Factory, Http1Server};
