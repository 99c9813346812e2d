//! The response a handler builds and the protocol encodes.

use std::fmt;
use std::io;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

use crate::{HeaderMap, StatusCode};

/// A streamed response body: chunks are written as they come (chunked encoding on HTTP/1.1).
pub type BodyStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// Where the response body comes from.
#[derive(Default)]
enum Body {
    /// The reusable buffer [`Response::body_mut`] writes into.
    #[default]
    Buffer,
    /// A shared payload, written without copying.
    Bytes(Bytes),
    /// Chunks produced while the response is being written.
    Stream(BodyStream),
}

/// An HTTP response under construction.
///
/// The body buffer is kept across the requests of a connection, so rendering into it
/// ([`Response::body_mut`]) allocates only when a body outgrows every earlier one.
#[derive(Default)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    buf: BytesMut,
    close: bool,
}

impl Response {
    /// A `200 OK` response with no headers and an empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Sets the status code.
    pub fn set_status(&mut self, status: StatusCode) {
        self.status = status;
    }

    /// Header fields.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Header fields, mutable.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// Sets the `Content-Type` header.
    pub fn set_content_type(&mut self, content_type: impl Into<Bytes>) {
        self.headers.insert("Content-Type", content_type);
    }

    /// Clears the body and returns its buffer to write into.
    pub fn body_mut(&mut self) -> &mut BytesMut {
        self.body = Body::Buffer;
        self.buf.clear();
        &mut self.buf
    }

    /// Sets the body to a shared payload.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.buf.clear();
        self.body = Body::Bytes(body.into());
    }

    /// Sets a streamed body.
    pub fn set_body_stream(&mut self, stream: BodyStream) {
        self.buf.clear();
        self.body = Body::Stream(stream);
    }

    /// The body, unless it is a stream.
    pub fn body(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Buffer => Some(&self.buf),
            Body::Bytes(b) => Some(b),
            Body::Stream(_) => None,
        }
    }

    /// Whether the body is a stream.
    pub fn is_stream(&self) -> bool {
        matches!(self.body, Body::Stream(_))
    }

    /// Takes a streamed body out, leaving an empty one.
    pub fn take_body_stream(&mut self) -> Option<BodyStream> {
        match std::mem::take(&mut self.body) {
            Body::Stream(s) => Some(s),
            other => {
                self.body = other;
                None
            }
        }
    }

    /// The body as a shared payload (copies a buffered body; empty for a stream).
    pub fn body_bytes(&self) -> Bytes {
        match &self.body {
            Body::Buffer => Bytes::copy_from_slice(&self.buf),
            Body::Bytes(b) => b.clone(),
            Body::Stream(_) => Bytes::new(),
        }
    }

    /// The body as the encoder sends it: borrowed from the buffer, or a shared payload.
    pub(crate) fn body_for_write(&self) -> BodyForWrite<'_> {
        match &self.body {
            Body::Bytes(b) => BodyForWrite::Shared(b.clone()),
            _ => BodyForWrite::Buffer(&self.buf),
        }
    }

    /// Asks the protocol to close the connection after this response.
    pub fn set_connection_close(&mut self, close: bool) {
        self.close = close;
    }

    /// Whether the connection will be closed after this response.
    pub fn connection_close(&self) -> bool {
        self.close
    }

    /// Clears everything but keeps allocations for the next request.
    pub fn reset(&mut self) {
        self.status = StatusCode::OK;
        self.headers.clear();
        self.body = Body::Buffer;
        self.buf.clear();
        self.close = false;
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("stream", &self.is_stream())
            .field("body_len", &self.body().map(<[u8]>::len))
            .finish()
    }
}

/// A non-streamed body on its way to the connection.
pub(crate) enum BodyForWrite<'a> {
    /// Copied into the output buffer.
    Buffer(&'a [u8]),
    /// Queued without copying.
    Shared(Bytes),
}

impl BodyForWrite<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            BodyForWrite::Buffer(b) => b.len(),
            BodyForWrite::Shared(b) => b.len(),
        }
    }
}
