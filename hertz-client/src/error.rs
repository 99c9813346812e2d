//! The client's one error type: a kind callers can test, a message, and the cause.

use std::borrow::Cow;
use std::fmt;
use std::io;

/// What went wrong. New kinds may be added, so match with a wildcard arm; the `is_*`
/// methods on [`Error`] group them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The URL is not an absolute `http://` or `https://` URL.
    InvalidUrl,
    /// The request cannot be sent as given (a header value with CR/LF, say).
    InvalidRequest,
    /// Resolving the host or connecting failed.
    Dial,
    /// The dial timeout passed (connect, proxy `CONNECT` and TLS handshake together).
    DialTimeout,
    /// The TLS handshake failed (certificate not trusted, name mismatch, …).
    Tls,
    /// The HTTP proxy refused or broke the `CONNECT` tunnel.
    Proxy,
    /// No connection became free within the pool wait timeout (max connections reached).
    PoolTimeout,
    /// Writing the request did not finish within the write timeout.
    WriteTimeout,
    /// No response byte arrived within the read timeout (first byte, or between reads).
    ReadTimeout,
    /// The whole request (pool wait, dial, retries, response head) exceeded its timeout.
    RequestTimeout,
    /// The server closed the connection before a complete response.
    ConnectionClosed,
    /// Another I/O error on the connection.
    Io,
    /// The response breaks HTTP/1.1: bad status line or field, bad chunk, bad framing.
    Malformed,
    /// The response head exceeded the size or field-count limit.
    HeadTooLarge,
    /// The response body exceeded the size limit.
    BodyTooLarge,
    /// Service discovery found no instance for the host.
    NoInstance,
    /// More redirects than the policy allows.
    TooManyRedirects,
    /// The caller's [`Context`](hertz_protocol::Context) was cancelled.
    Canceled,
    /// Raised by a middleware.
    Middleware,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidUrl => "invalid URL",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Dial => "dial failed",
            ErrorKind::DialTimeout => "dial timeout",
            ErrorKind::Tls => "TLS handshake failed",
            ErrorKind::Proxy => "proxy error",
            ErrorKind::PoolTimeout => "no free connection",
            ErrorKind::WriteTimeout => "write timeout",
            ErrorKind::ReadTimeout => "read timeout",
            ErrorKind::RequestTimeout => "request timeout",
            ErrorKind::ConnectionClosed => "connection closed before a complete response",
            ErrorKind::Io => "connection error",
            ErrorKind::Malformed => "malformed response",
            ErrorKind::HeadTooLarge => "response head too large",
            ErrorKind::BodyTooLarge => "response body too large",
            ErrorKind::NoInstance => "no instance",
            ErrorKind::TooManyRedirects => "too many redirects",
            ErrorKind::Canceled => "request canceled",
            ErrorKind::Middleware => "middleware error",
        }
    }
}

type Source = Box<dyn std::error::Error + Send + Sync>;

/// A client error: [`ErrorKind`], a message with the details (which timeout and how long,
/// which host), and the underlying cause as [`std::error::Error::source`].
pub struct Error {
    kind: ErrorKind,
    detail: Option<Cow<'static, str>>,
    source: Option<Source>,
}

impl Error {
    /// An error of `kind` with no details.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            detail: None,
            source: None,
        }
    }

    /// A [`ErrorKind::Middleware`] error carrying `source` (for middleware authors).
    pub fn middleware(source: impl Into<Source>) -> Self {
        Error::new(ErrorKind::Middleware).with_source(source)
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether any timeout fired (dial, pool wait, write, read or whole request);
    /// [`Error::kind`] says which.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::DialTimeout
                | ErrorKind::PoolTimeout
                | ErrorKind::WriteTimeout
                | ErrorKind::ReadTimeout
                | ErrorKind::RequestTimeout
        )
    }

    /// Whether no connection could be made (resolve, connect, dial timeout, TLS, proxy).
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Dial | ErrorKind::DialTimeout | ErrorKind::Tls | ErrorKind::Proxy
        )
    }

    /// Whether the TLS handshake failed.
    pub fn is_tls(&self) -> bool {
        self.kind == ErrorKind::Tls
    }

    /// Whether the response broke the protocol or a size limit.
    pub fn is_parse(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Malformed | ErrorKind::HeadTooLarge | ErrorKind::BodyTooLarge
        )
    }

    /// Whether the caller's context was cancelled.
    pub fn is_canceled(&self) -> bool {
        self.kind == ErrorKind::Canceled
    }

    /// Whether the server closed the connection early.
    pub fn is_connection_closed(&self) -> bool {
        self.kind == ErrorKind::ConnectionClosed
    }

    /// Whether the request itself was unusable (bad URL or header): retrying cannot help.
    pub fn is_invalid_request(&self) -> bool {
        matches!(self.kind, ErrorKind::InvalidUrl | ErrorKind::InvalidRequest)
    }

    /// Errors no retry can fix, whatever the retry predicate says.
    pub(crate) fn is_final(&self) -> bool {
        self.is_invalid_request()
            || matches!(
                self.kind,
                ErrorKind::Canceled | ErrorKind::RequestTimeout | ErrorKind::TooManyRedirects
            )
    }

    /// An I/O error while reading a response.
    pub(crate) fn read(err: io::Error, timeout: Option<std::time::Duration>) -> Self {
        match err.kind() {
            io::ErrorKind::TimedOut => {
                Error::new(ErrorKind::ReadTimeout).with_detail(match timeout {
                    Some(t) => format!("nothing received for {t:?}"),
                    None => "deadline exceeded".to_owned(),
                })
            }
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Error::new(ErrorKind::ConnectionClosed).with_source(err),
            _ => Error::new(ErrorKind::Io).with_source(err),
        }
    }

    /// An I/O error while writing a request.
    pub(crate) fn write(err: io::Error, timeout: Option<std::time::Duration>) -> Self {
        match err.kind() {
            io::ErrorKind::TimedOut => {
                Error::new(ErrorKind::WriteTimeout).with_detail(match timeout {
                    Some(t) => format!("request not written within {t:?}"),
                    None => "deadline exceeded".to_owned(),
                })
            }
            _ => Error::read(err, None),
        }
    }

    /// A protocol error from the HTTP/1.1 decoder.
    pub(crate) fn protocol(err: hertz_protocol::http1::client::Error) -> Self {
        use hertz_protocol::http1::client::ErrorKind as P;
        let kind = match err.kind() {
            P::InvalidRequest => ErrorKind::InvalidRequest,
            P::HeadTooLarge => ErrorKind::HeadTooLarge,
            P::BodyTooLarge => ErrorKind::BodyTooLarge,
            P::UnexpectedEof => ErrorKind::ConnectionClosed,
            _ => ErrorKind::Malformed,
        };
        Error::new(kind).with_detail(err.reason())
    }

    /// Wraps the error as an `io::Error` for a body stream; [`Error::from_io`] unwraps it.
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// The client error inside an `io::Error` from a streamed response body, if it is one.
    pub fn from_io(err: &io::Error) -> Option<&Error> {
        err.get_ref().and_then(|e| e.downcast_ref::<Error>())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(detail) = &self.detail {
            d.field("detail", detail);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
