//! Shared helpers for the integration tests: a real server on 127.0.0.1, raw TCP and curl
//! clients, and a small response parser. No test sleeps to wait for a server: `start`
//! returns once the listener is bound.
#![allow(dead_code)] // each test binary uses a different subset

pub mod certs;

use std::process::Command;
use std::time::Duration;

use hertz_core::{Config, Engine, ServerHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bound on any single wait in a test, so a broken server fails the test instead of
/// hanging it. Not a timing assertion.
pub const WAIT: Duration = Duration::from_secs(10);

pub use hertz_core::TransportKind;
pub use hertz_core::TransportKind::{Netpoll, Tokio};

/// Test defaults: an ephemeral port on loopback, served by `transport`.
pub fn config(transport: TransportKind) -> Config {
    Config::default()
        .host_ports("127.0.0.1:0")
        .transport(transport)
}

/// An engine with [`config`] and Hertz's default middleware.
pub fn engine(transport: TransportKind) -> Engine {
    Engine::with_defaults(config(transport))
}

/// Starts `engine`; it accepts connections once this returns.
pub async fn start(engine: Engine) -> ServerHandle {
    engine.start().await.expect("server failed to start")
}

/// One parsed response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw TCP connection to the server.
pub struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub async fn connect(server: &ServerHandle) -> Raw {
        let stream = TcpStream::connect(server.local_addr())
            .await
            .expect("connect");
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Reads exactly one response (framed by Content-Length or chunked; a HEAD-style
    /// answer has to be read with [`Raw::response_head_only`]).
    pub async fn response(&mut self) -> Reply {
        self.read_response(false).await
    }

    /// Reads one response whose body is not sent (answer to HEAD).
    pub async fn response_head_only(&mut self) -> Reply {
        self.read_response(true).await
    }

    async fn read_response(&mut self, head_only: bool) -> Reply {
        loop {
            if let Some((reply, used)) = parse_one(&self.buf, head_only) {
                self.buf.drain(..used);
                return reply;
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = tokio::time::timeout(WAIT, self.stream.read(&mut chunk))
                .await
                .expect("timed out waiting for a response")
                .expect("read");
            assert!(
                n > 0,
                "connection closed before a complete response; got {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Whether the server closes the connection (EOF) with nothing more to read.
    pub async fn closed(&mut self) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut chunk = [0u8; 1024];
        match tokio::time::timeout(WAIT, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => true,
            Ok(Ok(_)) => false,
            Err(_) => false,
        }
    }

    /// Everything until the server closes the connection.
    pub async fn read_to_close(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        let _ = tokio::time::timeout(WAIT, self.stream.read_to_end(&mut out)).await;
        out
    }
}

/// Sends `bytes` on a fresh connection and reads one response.
pub async fn roundtrip(server: &ServerHandle, bytes: &[u8]) -> (Reply, Raw) {
    let mut raw = Raw::connect(server).await;
    raw.send(bytes).await;
    let reply = raw.response().await;
    (reply, raw)
}

/// Sends a request expected to be refused: returns the answer and whether the server then
/// closed the connection.
pub async fn refused(server: &ServerHandle, bytes: &[u8]) -> (Reply, bool) {
    let (reply, mut raw) = roundtrip(server, bytes).await;
    let closed = raw.closed().await;
    (reply, closed)
}

/// `GET path` on a fresh connection.
pub async fn get(server: &ServerHandle, path: &str) -> Reply {
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    roundtrip(server, req.as_bytes()).await.0
}

/// Any method on a fresh connection.
pub async fn request(server: &ServerHandle, method: &str, path: &str) -> Reply {
    let req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
    let mut raw = Raw::connect(server).await;
    raw.send(req.as_bytes()).await;
    if method == "HEAD" {
        raw.response_head_only().await
    } else {
        raw.response().await
    }
}

fn parse_one(buf: &[u8], head_only: bool) -> Option<(Reply, usize)> {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut fields);
    let head_len = match resp.parse(buf).expect("malformed response") {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return None,
    };
    let status = resp.code.unwrap_or(0);
    let headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let find = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let rest = &buf[head_len..];
    if head_only || status == 100 || status == 204 || status == 304 {
        return Some((
            Reply {
                status,
                headers,
                body: Vec::new(),
            },
            head_len,
        ));
    }
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        let mut at = 0;
        loop {
            let line_end = rest[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[at..line_end]).ok()?, 16).ok()?;
            at = line_end + 2;
            if size == 0 {
                let end = rest[at..].windows(2).position(|w| w == b"\r\n")? + at;
                at = end + 2;
                return Some((
                    Reply {
                        status,
                        headers,
                        body,
                    },
                    head_len + at,
                ));
            }
            if rest.len() < at + size + 2 {
                return None;
            }
            body.extend_from_slice(&rest[at..at + size]);
            at += size + 2;
        }
    }
    let len: usize = find("content-length")
        .map(|v| v.parse().expect("bad Content-Length"))
        .unwrap_or(0);
    if rest.len() < len {
        return None;
    }
    Some((
        Reply {
            status,
            headers,
            body: rest[..len].to_vec(),
        },
        head_len + len,
    ))
}

/// Runs curl with `args` off the runtime's threads; fails the test (never skips) when curl
/// is missing.
pub async fn curl(args: &[&str]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args(["-sS", "--max-time", "10"])
            .args(&args)
            .output()
            .expect("curl must be installed to run these tests (.ci/run installs it)")
    })
    .await
    .expect("curl task")
}

/// `curl ARGS` and its stdout; fails the test if curl fails.
pub async fn curl_text(args: &[&str]) -> String {
    let out = curl(args).await;
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
