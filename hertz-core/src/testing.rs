//! Testing handlers without binding a port (Hertz's `ut` package).
//!
//! [`TestClient`] runs a real HTTP/1.1 round trip through the engine — request bytes are
//! parsed by the protocol layer, routed, handled, and the response is encoded and parsed
//! back — over an in-memory pipe instead of a socket.
//!
//! ```
//! use hertz_core::testing::TestClient;
//! use hertz_core::{Context, Engine, RequestContext, Routes};
//!
//! async fn ping(_ctx: Context, c: &mut RequestContext) {
//!     c.string(200, "pong");
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let mut h = Engine::default();
//! h.get("/ping", ping);
//! let client = TestClient::new(h);
//! let resp = client.get("/ping").send().await;
//! assert_eq!(resp.status(), 200);
//! assert_eq!(resp.text(), "pong");
//! # });
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use hertz_protocol::http1::ChunkedDecoder;
use hertz_protocol::{HeaderMap, Server};
use hertz_transport::tokio::TokioConn;
use hertz_transport::CancelToken;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine::DEFAULT_PROTOCOL;
use crate::Engine;

/// Sends requests to an engine in-process.
pub struct TestClient {
    server: Arc<dyn Server>,
    shutdown: CancelToken,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient").finish_non_exhaustive()
    }
}

impl TestClient {
    /// Freezes `engine` for testing.
    pub fn new(engine: Engine) -> Self {
        let frozen = engine.freeze();
        let server = frozen
            .servers
            .iter()
            .find(|(name, _)| *name == DEFAULT_PROTOCOL)
            .or(frozen.servers.first())
            .map(|(_, s)| s.clone())
            .expect("an engine always has the http/1.1 protocol");
        TestClient {
            server,
            shutdown: CancelToken::new(),
        }
    }

    /// Starts a request with any method.
    pub fn request(&self, method: &str, uri: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method: method.to_owned(),
            uri: uri.to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Starts a `GET`.
    pub fn get(&self, uri: &str) -> TestRequest<'_> {
        self.request("GET", uri)
    }

    /// Starts a `POST`.
    pub fn post(&self, uri: &str) -> TestRequest<'_> {
        self.request("POST", uri)
    }
}

/// A request being built by a [`TestClient`].
#[derive(Debug)]
pub struct TestRequest<'c> {
    client: &'c TestClient,
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl TestRequest<'_> {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body (sent with `Content-Length`).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request and reads the whole response.
    ///
    /// # Panics
    /// If the server's answer is not valid HTTP/1.1 — a test failure by definition.
    pub async fn send(self) -> TestResponse {
        let mut raw = format!("{} {} HTTP/1.1\r\nHost: test\r\n", self.method, self.uri);
        for (name, value) in &self.headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let (mut client, server_io) = tokio::io::duplex(64 * 1024);
        let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let conn = TokioConn::new(server_io, peer, peer, 8 * 1024);
        let serving = self
            .client
            .server
            .clone()
            .serve_conn(Box::new(conn), self.client.shutdown.clone());
        let exchange = async {
            client.write_all(raw.as_bytes()).await?;
            client.write_all(&self.body).await?;
            let mut out = Vec::new();
            client.read_to_end(&mut out).await?;
            Ok::<_, std::io::Error>(out)
        };
        let ((), out) = tokio::join!(serving, exchange);
        let out = out.expect("in-memory pipe failed");
        TestResponse::parse(&out, self.method == "HEAD")
    }
}

/// A response read by a [`TestClient`].
#[derive(Debug)]
pub struct TestResponse {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    fn parse(raw: &[u8], head_only: bool) -> TestResponse {
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut fields);
        let head_len = match parsed.parse(raw) {
            Ok(httparse::Status::Complete(len)) => len,
            other => panic!(
                "invalid response head ({other:?}): {:?}",
                String::from_utf8_lossy(raw)
            ),
        };
        let mut headers = HeaderMap::new();
        for field in parsed.headers.iter() {
            headers.append(
                Bytes::copy_from_slice(field.name.as_bytes()),
                Bytes::copy_from_slice(field.value),
            );
        }
        let rest = &raw[head_len..];
        let chunked = headers
            .get("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"chunked"));
        let body = if head_only {
            Bytes::new()
        } else if chunked {
            let mut body = BytesMut::new();
            let mut trailers = HeaderMap::new();
            let mut decoder = ChunkedDecoder::new(usize::MAX, 64 * 1024);
            decoder
                .decode(rest, &mut body, &mut trailers)
                .expect("invalid chunked response body");
            assert!(decoder.is_done(), "truncated chunked response body");
            body.freeze()
        } else {
            Bytes::copy_from_slice(rest)
        };
        TestResponse {
            status: parsed.code.unwrap_or_default(),
            headers,
            body,
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get_str(name)
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
