//! HTTP/1.1 (RFC 9112), client side: the half of the protocol a client needs, without I/O.
//!
//! The client crate owns sockets, pools and timeouts; this module only turns a request into
//! bytes and buffered bytes into a response, so every rule here is tested from byte slices:
//!
//! * [`encode`](RequestHead) writes a request head (`Host`, framing, `Connection`) and chunk
//!   framing for streamed request bodies;
//! * [`head`](parse_response_head) parses a status line and header fields with `httparse`,
//!   storing names and values as slices of the read buffer in a [`Response`](crate::Response);
//! * [`framing`](ResponseFraming) decides how the body is delimited — none (HEAD, 1xx, 204,
//!   304), `Content-Length`, `chunked`, or until the server closes (RFC 9112 §6.3) — and
//!   whether the connection may be reused;
//! * [`body`](BodyDecoder) decodes the body incrementally from any [`Source`] of buffered
//!   bytes (a transport [`Conn`](hertz_transport::Conn) or, in tests, a `BytesMut`).

mod body;
mod encode;
mod error;
mod framing;
mod head;

pub use body::{BodyDecoder, Decoded, Source};
pub use encode::{write_chunk, RequestBody, RequestHead, LAST_CHUNK};
pub use error::{Error, ErrorKind};
pub use framing::ResponseFraming;
pub use head::{parse_response_head, HeadLimits, ParsedHead};
