//! The server-side view of a request: its head's fields and a body.

use bytes::Bytes;

use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::{BodyStream, HeaderMap, Method};

/// The protocol version of a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    #[default]
    Http11,
}

impl Version {
    /// `"HTTP/1.0"` or `"HTTP/1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// An HTTP request. The protocol layer fills it; handlers read it through `RequestContext`.
///
/// `path` and `query` are parts of the request target as received (still percent-encoded),
/// kept in a `String` the connection reuses; header names and values are ranges of the
/// request's copy of the head (see [`HeaderMap`]). A connection reuses one `Request` for all
/// its requests ([`Request::reset`]), so steady-state parsing allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct Request {
    method: Method,
    /// Origin-form target; its buffer is reused from request to request.
    target: String,
    path_len: usize,
    version: Version,
    headers: HeaderMap,
    trailers: HeaderMap,
    body: Bytes,
    keep_alive: bool,
    /// A streamed body, for requests a client sends; the server never sets it.
    body_stream: StreamSlot,
}

/// Holds a client request's streamed body. A stream cannot be duplicated, so a cloned
/// request has none. The mutex makes `Request` `Sync` (a stream is only `Send`); it is
/// only locked by `is_body_stream`, everything else goes through `&mut`.
#[derive(Default)]
struct StreamSlot(Mutex<Option<BodyStream>>);

impl StreamSlot {
    fn get_mut(&mut self) -> &mut Option<BodyStream> {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clone for StreamSlot {
    fn clone(&self) -> Self {
        StreamSlot::default()
    }
}

impl fmt::Debug for StreamSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamSlot")
    }
}

impl Request {
    /// An empty `GET /` request (fill it with the setters; useful for tests and clients).
    pub fn new() -> Self {
        Request {
            target: String::from("/"),
            path_len: 1,
            keep_alive: true,
            ..Default::default()
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Sets the method.
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
    }

    /// The request target as received, e.g. `/users/1?full=true`.
    pub fn uri(&self) -> &str {
        &self.target
    }

    /// The path part of the target, still percent-encoded.
    pub fn path(&self) -> &str {
        &self.target[..self.path_len]
    }

    /// The query string after `?` (empty if none), still percent-encoded.
    pub fn query(&self) -> &[u8] {
        self.target
            .as_bytes()
            .get(self.path_len + 1..)
            .unwrap_or_default()
    }

    /// Sets the request target: `/path?query` (or `*`) on a server, a full URL on a client.
    pub fn set_uri(&mut self, target: impl AsRef<str>) {
        self.target.clear();
        self.target.push_str(target.as_ref());
        self.split_target();
    }

    fn split_target(&mut self) {
        // A plain byte scan: request paths are short, and `str::find`'s general searcher
        // costs more than the scan itself.
        let target = self.target.as_bytes();
        self.path_len = target
            .iter()
            .position(|&b| b == b'?')
            .unwrap_or(target.len());
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Sets the protocol version.
    pub fn set_version(&mut self, version: Version) {
        self.version = version;
    }

    /// Header fields.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Header fields, mutable.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// Trailer fields of a chunked body.
    pub fn trailers(&self) -> &HeaderMap {
        &self.trailers
    }

    /// Trailer fields, mutable.
    pub fn trailers_mut(&mut self) -> &mut HeaderMap {
        &mut self.trailers
    }

    /// The whole body (the server reads it before calling the handler).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = body.into();
    }

    /// Sets a streamed body, sent with chunked encoding (client side). The stream is taken by
    /// the client when the request is sent, so it is sent at most once and never retried.
    /// A clone of the request has no stream.
    pub fn set_body_stream(&mut self, stream: BodyStream) {
        self.body = Bytes::new();
        *self.body_stream.get_mut() = Some(stream);
    }

    /// Whether the body is a stream (client side).
    pub fn is_body_stream(&self) -> bool {
        self.body_stream
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Takes a streamed body out, leaving none.
    pub fn take_body_stream(&mut self) -> Option<BodyStream> {
        self.body_stream.get_mut().take()
    }

    /// Whether the client asked to keep the connection open after this exchange.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Sets whether the connection may be kept open after this exchange.
    pub fn set_keep_alive(&mut self, keep_alive: bool) {
        self.keep_alive = keep_alive;
    }

    /// Clears everything but keeps allocations for the next request on the connection.
    pub fn reset(&mut self) {
        self.method = Method::Get;
        self.target.clear();
        self.path_len = 0;
        self.version = Version::Http11;
        self.headers.clear();
        self.trailers.clear();
        self.body = Bytes::new();
        *self.body_stream.get_mut() = None;
        self.keep_alive = true;
    }
}
