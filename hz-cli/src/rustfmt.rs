//! Formatting generated Rust with the user's `rustfmt`, so generated code passes
//! `cargo fmt --check` exactly (hand-written templates cannot track rustfmt's line
//! breaking). Without rustfmt, hz writes its templates as they are and says so once.

use std::io::Write;
use std::process::{Command, Stdio};

/// A `rustfmt` found on `PATH`, or none.
pub(crate) struct Rustfmt {
    available: bool,
    failures: std::cell::RefCell<Vec<String>>,
}

impl Rustfmt {
    pub(crate) fn detect() -> Self {
        let available = Command::new("rustfmt")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        Rustfmt {
            available,
            failures: Default::default(),
        }
    }

    /// A formatter that leaves code as it is.
    #[cfg(test)]
    pub(crate) fn disabled() -> Self {
        Rustfmt {
            available: false,
            failures: Default::default(),
        }
    }

    pub(crate) fn is_available(&self) -> bool {
        self.available
    }

    /// `code` formatted, or unchanged if rustfmt is missing or rejects it (noted for
    /// [`failures`](Self::failures)).
    pub(crate) fn format(&self, what: &str, code: &str) -> String {
        if !self.available {
            return code.to_owned();
        }
        match run(code) {
            Ok(out) => out,
            Err(err) => {
                self.failures
                    .borrow_mut()
                    .push(format!("rustfmt could not format {what}: {err}"));
                code.to_owned()
            }
        }
    }

    /// What could not be formatted (a bug in hz's templates if not empty).
    pub(crate) fn failures(&self) -> Vec<String> {
        self.failures.borrow().clone()
    }
}

fn run(code: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Writing all input before reading is safe: rustfmt reads stdin to the end first.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(code.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}
