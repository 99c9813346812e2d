//! Requests the server refuses before any handler runs.

use crate::StatusCode;

/// Why a request was refused: the status to answer with and a short reason for the body and
/// the debug log. Every rejection closes the connection afterwards, because after a framing
/// error the server can no longer tell where the next request would start (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject {
    /// The status answered.
    pub status: StatusCode,
    /// What was wrong, for the response body and the log.
    pub reason: &'static str,
}

impl Reject {
    pub(crate) const fn new(status: StatusCode, reason: &'static str) -> Self {
        Reject { status, reason }
    }

    pub(crate) const fn bad(reason: &'static str) -> Self {
        Reject::new(StatusCode::BAD_REQUEST, reason)
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.reason)
    }
}

impl std::error::Error for Reject {}
