//! What the hz tests share: running `hz`, building generated projects in one shared target
//! directory, serving them on a free loopback port, and asking them with curl.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The hz binary under test.
pub fn hz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hz"))
}

/// Runs `hz args…` in `dir`.
pub fn run_hz(dir: &Path, args: &[&str]) -> Output {
    hz().args(args).current_dir(dir).output().expect("run hz")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The hertz-rs workspace directory (the `--hertz-path` of generated projects).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A temp directory holding a copy of `tests/idl/<kind>` as `idl/`.
pub fn fixture(kind: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/idl")
            .join(kind),
        &dir.path().join("idl"),
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Every generated project builds into this one directory, so hertz-core and its
/// dependencies compile once for all tests (and stay cached between runs).
pub fn shared_target() -> PathBuf {
    workspace().join("target").join("hz-e2e")
}

/// Runs `cargo <args>` in a generated project with the shared target directory; panics
/// with cargo's output on failure.
pub fn cargo(project: &Path, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "cargo {args:?} failed in {}:\n{}",
        project.display(),
        text(&out.stderr)
    );
}

/// A generated server, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts the built binary `name` on a free port (`--addr 127.0.0.1:0`), reads the
    /// address it prints, and polls until it accepts connections.
    pub fn start(name: &str) -> Server {
        let bin = shared_target().join("debug").join(name);
        let mut child = Command::new(&bin)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr: SocketAddr = line
            .trim()
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            assert!(
                child.try_wait().expect("poll server").is_none(),
                "server exited"
            );
            assert!(Instant::now() < deadline, "server never accepted on {addr}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A curl answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// `curl -sS <args>`; the status comes from `-w`.
pub fn curl(args: &[&str]) -> Answer {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl must be installed");
    assert!(out.status.success(), "curl {args:?}: {}", text(&out.stderr));
    let all = text(&out.stdout);
    let (body, status) = all.rsplit_once('\n').expect("status line");
    Answer {
        status: status.parse().expect("status"),
        body: body.to_owned(),
    }
}

/// Replaces `from` by `to` inside function `name` of the file (panics if absent), the
/// way a user edits a handler; returns the edited function's text.
pub fn edit_fn(path: &Path, name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find(&format!("pub async fn {name}("))
        .unwrap_or_else(|| panic!("fn {name} in {}", path.display()));
    let end = start + text[start..].find("\n}\n").expect("fn end") + 3;
    let body = &text[start..end];
    assert!(body.contains(from), "{from:?} not in {body}");
    let edited = body.replace(from, to);
    std::fs::write(path, format!("{}{edited}{}", &text[..start], &text[end..])).unwrap();
    edited
}

/// Whether the lines of `old` appear in `new` in the same order (nothing removed or
/// changed, only lines added).
pub fn only_added(old: &str, new: &str) -> bool {
    let mut new_lines = new.lines();
    old.lines().all(|l| new_lines.any(|n| n == l))
}
