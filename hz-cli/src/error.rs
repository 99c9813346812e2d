//! hz's one error type: what went wrong (`kind`) and a message that already names the file,
//! line, column, method or field involved — the user reads it as is.

use std::fmt;
use std::path::Path;

/// What kind of failure stopped hz; [`Error::exit_code`] tells them apart to scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum ErrorKind {
    /// The IDL does not parse.
    Syntax,
    /// The IDL parses but uses something hz cannot generate (two arguments, a bad type…).
    Unsupported,
    /// The output directory already holds a project (and `--force` was not given), or holds
    /// none where one is needed.
    Project,
    /// Reading or writing a file failed.
    Io,
}

/// An error with the location already in its message.
#[derive(Debug)]
pub(crate) struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported, message)
    }

    pub(crate) fn io(what: &str, path: &Path, err: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, format!("{what} {}: {err}", path.display()))
    }

    #[cfg(test)]
    pub(crate) fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The process exit status: 1 for a problem in the IDL, 3 for one with the project
    /// directory, 4 for I/O (clap uses 2 for bad command lines).
    pub(crate) fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Syntax | ErrorKind::Unsupported => 1,
            ErrorKind::Project => 3,
            ErrorKind::Io => 4,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
