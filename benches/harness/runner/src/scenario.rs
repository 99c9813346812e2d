//! The scenarios: what is requested, and what must come back.

use std::path::Path;

use crate::job::Exchange;

/// What kind of request a scenario sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /plaintext` → `Hello, World!`.
    Plaintext,
    /// `GET /json` → `{"message":"Hello, World!"}`.
    Json,
    /// `POST /echo` with a body of `echo_size` bytes → the same body.
    Echo,
    /// `GET` each sample path of the GitHub route file, round-robin → the route's pattern.
    Github,
}

/// One benchmark scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name used in files and tables: `plaintext`, `pipelined`, `json`, `echo-1k`, …
    pub id: String,
    /// Human title.
    pub title: String,
    /// The request kind.
    pub kind: Kind,
    /// Pipelining depth (1: one request in flight per connection).
    pub depth: usize,
    /// Echo body size in bytes (0 for the others).
    pub echo_size: usize,
}

/// The JSON scenario's body.
pub const JSON_BODY: &str = r#"{"message":"Hello, World!"}"#;
/// The plaintext scenario's body.
pub const PLAINTEXT_BODY: &str = "Hello, World!";
/// Echo body sizes of the full run (hertz-benchmark's), in KiB.
pub const ECHO_SIZES_KIB: [usize; 4] = [1, 4, 16, 64];
/// Echo body sizes of `--quick`, in KiB.
pub const QUICK_ECHO_SIZES_KIB: [usize; 2] = [1, 64];

impl Scenario {
    fn new(id: &str, title: &str, kind: Kind, depth: usize, echo_size: usize) -> Scenario {
        Scenario {
            id: id.to_owned(),
            title: title.to_owned(),
            kind,
            depth,
            echo_size,
        }
    }

    /// The chart a scenario belongs to: the echo sizes share `echo`.
    pub fn chart(&self) -> &str {
        match self.kind {
            Kind::Echo => "echo",
            _ => &self.id,
        }
    }

    /// Whether hertz-rs serves this scenario with `examples/github` (else `examples/hello`).
    pub fn needs_github_example(&self) -> bool {
        self.kind == Kind::Github
    }

    /// The arguments after `--` for `lua/bench.lua`.
    pub fn wrk_args(&self, routes: &Path) -> Vec<String> {
        let kind = match self.kind {
            Kind::Plaintext => "plaintext",
            Kind::Json => "json",
            Kind::Echo => "echo",
            Kind::Github => "github",
        };
        let mut args = vec![kind.to_owned(), self.depth.to_string()];
        match self.kind {
            Kind::Echo => args.push(self.echo_size.to_string()),
            Kind::Github => args.push(routes.display().to_string()),
            _ => {}
        }
        args
    }

    /// The requests and exact answers, for the load generator.
    pub fn exchanges(&self, routes: &[(String, String)]) -> Vec<Exchange> {
        let get = |path: &str, body: &str| Exchange {
            request: format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            status: 200,
            body: body.to_owned(),
        };
        match self.kind {
            Kind::Plaintext => vec![get("/plaintext", PLAINTEXT_BODY)],
            Kind::Json => vec![get("/json", JSON_BODY)],
            Kind::Echo => {
                let body = echo_body(self.echo_size);
                vec![Exchange {
                    request: format!(
                        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    ),
                    status: 200,
                    body,
                }]
            }
            Kind::Github => routes
                .iter()
                .map(|(pattern, path)| get(path, pattern))
                .collect(),
        }
    }
}

/// The scenarios of a full run, or of `--quick` (echo at 1 and 64 KiB only).
pub fn all(quick: bool) -> Vec<Scenario> {
    let mut list = vec![
        Scenario::new(
            "plaintext",
            "plaintext: GET /plaintext",
            Kind::Plaintext,
            1,
            0,
        ),
        Scenario::new(
            "pipelined",
            "plaintext pipelined, depth 16",
            Kind::Plaintext,
            16,
            0,
        ),
        Scenario::new("json", "JSON: GET /json", Kind::Json, 1, 0),
    ];
    let sizes: &[usize] = if quick {
        &QUICK_ECHO_SIZES_KIB
    } else {
        &ECHO_SIZES_KIB
    };
    for kib in sizes {
        list.push(Scenario::new(
            &format!("echo-{kib}k"),
            &format!("echo: POST /echo, {kib} KiB body"),
            Kind::Echo,
            1,
            kib * 1024,
        ));
    }
    list.push(Scenario::new(
        "github",
        "routed: GET over the GitHub API routes",
        Kind::Github,
        1,
        0,
    ));
    list
}

/// The echo body: `size` bytes of a repeating 36-character alphabet (as `lua/bench.lua`).
pub fn echo_body(size: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..size)
        .map(|i| ALPHABET[i % ALPHABET.len()] as char)
        .collect()
}

/// Reads the GitHub route file: `(pattern, sample path)`.
pub fn read_routes(file: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.split_once('\t')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .ok_or_else(|| format!("{}: no tab in {line:?}", file.display()))
        })
        .collect()
}
