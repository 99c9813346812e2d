//! [`RequestView`]: the read-only window onto a request that binding needs.

use bytes::Bytes;

/// What binding reads from a request.
///
/// The application layer (`hertz-core`'s `RequestContext`) implements this;
/// binding never sees sockets, routers or the protocol's request type. Every
/// method is a cheap accessor: binding may call them many times per request.
///
/// # Requirements on implementors
/// - [`path_param`](Self::path_param) returns route parameters already
///   percent-decoded (as the router matched them).
/// - [`query_string`](Self::query_string) returns the raw bytes after `?`
///   (without `?` and without a `#fragment`), still percent-encoded; empty
///   when the URI has no query.
/// - [`header`](Self::header) matches names case-insensitively and returns
///   the first value; [`header_all`](Self::header_all) returns every value of
///   a repeated header in order (the default gives only the first).
/// - [`body`](Self::body) and [`body_bytes`](Self::body_bytes) return the
///   whole, already de-chunked body; `body_bytes` should be a cheap clone
///   of the same buffer so multipart file parts can be zero-copy slices.
pub trait RequestView {
    /// A route parameter by name, percent-decoded. `None` if the route has no
    /// such parameter.
    fn path_param(&self, name: &str) -> Option<&str>;

    /// The raw query string (bytes after `?`), empty if there is none.
    fn query_string(&self) -> &[u8];

    /// The first value of a header, looked up case-insensitively.
    fn header(&self, name: &str) -> Option<&[u8]>;

    /// Every value of a header, in order. Used for `Vec<T>` header fields
    /// and to read cookies from several `Cookie` lines (HTTP/2 splits them).
    fn header_all(&self, name: &str) -> Vec<&[u8]> {
        self.header(name).into_iter().collect()
    }

    /// The whole request body.
    fn body(&self) -> &[u8];

    /// The whole request body as a shared handle (cheap to clone).
    fn body_bytes(&self) -> Bytes;
}

impl<T: RequestView + ?Sized> RequestView for &T {
    fn path_param(&self, name: &str) -> Option<&str> {
        (**self).path_param(name)
    }
    fn query_string(&self) -> &[u8] {
        (**self).query_string()
    }
    fn header(&self, name: &str) -> Option<&[u8]> {
        (**self).header(name)
    }
    fn header_all(&self, name: &str) -> Vec<&[u8]> {
        (**self).header_all(name)
    }
    fn body(&self) -> &[u8] {
        (**self).body()
    }
    fn body_bytes(&self) -> Bytes {
        (**self).body_bytes()
    }
}
