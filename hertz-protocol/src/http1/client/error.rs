//! The client side's one error type.

use std::fmt;

/// What went wrong while encoding a request or decoding a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request cannot be sent as given (a header value with CR/LF, say).
    InvalidRequest,
    /// The response breaks HTTP/1.1's grammar: bad status line, bad field, bad chunk, a
    /// `Content-Length` that is not a number, conflicting framing.
    Malformed,
    /// The response head is larger than allowed (bytes or field count).
    HeadTooLarge,
    /// The response body is larger than allowed.
    BodyTooLarge,
    /// The connection closed before the response was complete.
    UnexpectedEof,
}

/// An error from the client side of HTTP/1.1: a kind and a short reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    reason: &'static str,
}

impl Error {
    pub(crate) const fn new(kind: ErrorKind, reason: &'static str) -> Self {
        Error { kind, reason }
    }

    pub(crate) const fn malformed(reason: &'static str) -> Self {
        Error::new(ErrorKind::Malformed, reason)
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// A short description of what was wrong.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// Whether the response violated the protocol (or exceeded a limit).
    pub fn is_parse(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Malformed | ErrorKind::HeadTooLarge | ErrorKind::BodyTooLarge
        )
    }

    /// Whether the connection closed before the response was complete.
    pub fn is_incomplete(&self) -> bool {
        self.kind == ErrorKind::UnexpectedEof
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl std::error::Error for Error {}
