//! What every peer server shares: the command line, the scenarios' bodies and headers, the
//! GitHub route file, and a cached `Date` header.
//!
//! Every peer serves the same answers as `examples/hello` and `examples/github`:
//!
//! | request | status | `Content-Type` | body |
//! |---|---|---|---|
//! | `GET /plaintext` | 200 | `text/plain` | `Hello, World!` |
//! | `GET /json` | 200 | `application/json; charset=utf-8` | `{"message":"Hello, World!"}`, serialized per request |
//! | `POST /echo` | 200 | `application/octet-stream` | the request body |
//! | `GET <GitHub route>` | 200 | `text/plain` | the route's pattern in Hertz syntax, e.g. `/repos/:p1/:p2/events` |
//!
//! with `Server`, `Date` and `Content-Length` headers (TechEmpower's rules).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// The plaintext scenario's body.
pub const PLAINTEXT: &str = "Hello, World!";
/// `Content-Type` of plaintext and GitHub answers.
pub const TEXT_PLAIN: &str = "text/plain";
/// `Content-Type` of the JSON answer (the same string hertz-rs sends).
pub const APPLICATION_JSON: &str = "application/json; charset=utf-8";
/// `Content-Type` of the echo answer.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The JSON scenario's value; each peer serializes it per request with serde_json.
#[derive(serde::Serialize)]
pub struct Message {
    /// Always `Hello, World!`.
    pub message: &'static str,
}

/// The JSON scenario's value.
pub const MESSAGE: Message = Message {
    message: "Hello, World!",
};

/// Command-line options shared by the peers: `--addr`, `--workers`, `--routes`.
#[derive(Debug, Clone)]
pub struct Args {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Worker threads (the harness passes the number of server cores, 1 by default).
    pub workers: usize,
    /// The GitHub route file; `None` serves no GitHub routes.
    pub routes: Option<PathBuf>,
    /// `--tls-cert` and `--tls-key` (PEM), for the peers that serve TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

impl Args {
    /// Parses `std::env::args`, exiting with a message on a bad flag.
    pub fn parse() -> Args {
        let mut args = Args {
            addr: "127.0.0.1:8080".parse().expect("address"),
            workers: 1,
            routes: None,
            tls: None,
        };
        let (mut cert, mut key) = (None, None);
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let value = it
                .next()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")));
            match flag.as_str() {
                "--addr" => {
                    args.addr = value
                        .parse()
                        .unwrap_or_else(|_| fail(&format!("bad --addr {value}")))
                }
                "--workers" => {
                    args.workers = value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .unwrap_or_else(|| fail(&format!("bad --workers {value}")))
                }
                "--routes" => args.routes = Some(PathBuf::from(value)),
                "--tls-cert" => cert = Some(PathBuf::from(value)),
                "--tls-key" => key = Some(PathBuf::from(value)),
                _ => fail(&format!("unknown flag {flag}")),
            }
        }
        args.tls = match (cert, key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => fail("--tls-cert and --tls-key go together"),
        };
        args
    }

    /// The GitHub routes to serve: `(pattern in Hertz syntax, sample path)`.
    pub fn github_routes(&self) -> Vec<(String, String)> {
        match &self.routes {
            Some(file) => read_routes(file).unwrap_or_else(|err| fail(&err)),
            None => Vec::new(),
        }
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("peer: {msg}");
    std::process::exit(2)
}

/// Reads a route file: `pattern<TAB>sample path` lines, `#` comments.
pub fn read_routes(file: &PathBuf) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.split_once('\t')
                .map(|(pattern, path)| (pattern.to_owned(), path.to_owned()))
                .ok_or_else(|| format!("{}: no tab in {line:?}", file.display()))
        })
        .collect()
}

/// `/users/:id/*rest` → `/users/{id}/{*rest}` (matchit, axum); `{tail:.*}` for actix is
/// [`to_actix`].
pub fn to_braces(pattern: &str) -> String {
    convert(pattern, |name| format!("{{*{name}}}"))
}

/// `/users/:id/*rest` → `/users/{id}/{rest:.*}` (actix-web).
pub fn to_actix(pattern: &str) -> String {
    convert(pattern, |name| format!("{{{name}:.*}}"))
}

/// Rewrites Hertz's `:param` as `{param}` and its catch-all `*name` with `catch_all(name)`.
fn convert(pattern: &str, catch_all: impl Fn(&str) -> String) -> String {
    pattern
        .split('/')
        .map(|segment| {
            if let Some(name) = segment.strip_prefix(':') {
                format!("{{{name}}}")
            } else if let Some(name) = segment.strip_prefix('*') {
                catch_all(name)
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Sort key giving Hertz's priority (static before parameter before catch-all, segment by
/// segment) to routers that try routes in registration order, such as actix-web's.
pub fn specificity(pattern: &str) -> Vec<u8> {
    pattern
        .split('/')
        .map(|segment| match segment.as_bytes().first() {
            Some(b':') => 1,
            Some(b'*') => 2,
            _ => 0,
        })
        .collect()
}

/// Leaks a string for the life of the server (route bodies, registered once).
pub fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

thread_local! {
    static DATE: RefCell<(u64, [u8; 29])> = const { RefCell::new((u64::MAX, [0; 29])) };
}

/// The current `Date` value (IMF-fixdate, 29 bytes), formatted at most once per second per
/// thread.
pub fn http_date() -> [u8; 29] {
    let now = SystemTime::now();
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    DATE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != secs {
            let text = httpdate::fmt_http_date(now);
            cached.1.copy_from_slice(&text.as_bytes()[..29]);
            cached.0 = secs;
        }
        cached.1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_translate() {
        assert_eq!(to_braces("/a/:b/c/*d"), "/a/{b}/c/{*d}");
        assert_eq!(to_actix("/a/:b/c/*d"), "/a/{b}/c/{d:.*}");
        assert!(specificity("/a/b/:c") < specificity("/a/:b/c"));
    }

    #[test]
    fn date_is_imf_fixdate() {
        let date = http_date();
        assert!(std::str::from_utf8(&date).unwrap().ends_with(" GMT"));
    }
}

/// What a request path names: one of the scenarios' endpoints or a GitHub route.
#[derive(Debug, Clone, Copy)]
pub enum Route {
    /// `GET /plaintext`.
    Plaintext,
    /// `GET /json`.
    Json,
    /// `POST /echo`.
    Echo,
    /// A GitHub route; the body is its pattern.
    Github(&'static str),
}

/// A matchit router over every endpoint, for the peers without a router of their own
/// (hyper, may-minihttp).
pub fn matchit_router(args: &Args) -> matchit::Router<Route> {
    let mut router = matchit::Router::new();
    router
        .insert("/plaintext", Route::Plaintext)
        .expect("route");
    router.insert("/json", Route::Json).expect("route");
    router.insert("/echo", Route::Echo).expect("route");
    for (pattern, _) in args.github_routes() {
        let path = to_braces(&pattern);
        router
            .insert(path, Route::Github(leak(pattern)))
            .unwrap_or_else(|err| fail(&format!("route: {err}")));
    }
    router
}

/// The `tls` and `h2` scenarios' hyper handler: `GET /plaintext` answered as hertz-rs answers
/// it (`Server`, `Content-Type`; hyper adds `Date` and `Content-Length`), anything else 404.
pub async fn hyper_plaintext_only(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, hyper::Error> {
    use hyper::header::{HeaderValue, CONTENT_TYPE, SERVER};
    let body = bytes::Bytes::from_static(PLAINTEXT.as_bytes());
    let mut resp = hyper::Response::new(http_body_util::Full::new(body));
    if req.uri().path() != "/plaintext" {
        *resp.status_mut() = hyper::StatusCode::NOT_FOUND;
    }
    let headers = resp.headers_mut();
    headers.insert(SERVER, HeaderValue::from_static("hyper"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN));
    Ok(resp)
}
