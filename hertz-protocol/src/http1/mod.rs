//! HTTP/1.1 (RFC 9112): the server, and the client side's encoding and parsing in [`client`].
//!
//! One concern per file, after hyper's `proto/h1`: `syntax` finds a request head's parts in
//! buffered bytes, `parse` turns them into a request and checks its framing, `chunked`
//! decodes chunked bodies, `encode` writes response heads (starting from `head_cache`'s copy
//! of the last one when it fits) and chunk framing, `swar` tests many bytes at once for both
//! directions, and `server` runs the per-connection loop that ties them to a
//! [`Core`](crate::Core).

mod body_stream;
mod chunked;
pub mod client;
mod encode;
mod head_cache;
mod parse;
mod reject;
mod server;
mod swar;
mod syntax;

pub use chunked::ChunkedDecoder;
pub use reject::Reject;
pub use server::{Http1Factory, Http1Server};

use crate::{Request, ServerConfig};

/// Parses one request head from the start of `buf` into `req`, with the same checks the
/// server applies (for benchmarks, fuzzing and tools).
///
/// Returns `Ok(None)` when `buf` holds only part of a head, `Ok(Some(len))` with the head's
/// length once `req` is filled, or the [`Reject`] the server would answer with.
pub fn parse_request_head(
    buf: &[u8],
    config: &ServerConfig,
    req: &mut Request,
) -> Result<Option<usize>, Reject> {
    req.reset();
    Ok(parse::parse_head(buf, config, req)?.map(|(len, _)| len))
}
