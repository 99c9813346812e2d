//! Shared helpers for the client's integration tests: our own server with test routes, raw
//! TCP fault servers, an nginx child process, TLS material, and an fd counter. Every peer
//! listens on 127.0.0.1 and is ready when its constructor returns; nothing sleeps to wait.
#![allow(dead_code)] // each test binary uses a different subset

pub mod nginx;
pub mod raw;
pub mod tls;

use std::collections::HashSet;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use hertz_client::{BodyStream, Client, ClientBuilder, Context, Request, Response};
use hertz_core::{Config, Engine, RequestContext, Routes, ServerHandle};

/// Bound on any single wait, so a broken peer fails a test instead of hanging it. Never a
/// timing assertion.
pub const WAIT: Duration = Duration::from_secs(10);

/// A client builder with test defaults: pool waits allowed, a generous dial timeout.
pub fn builder() -> ClientBuilder {
    Client::builder()
        .dial_timeout(WAIT)
        .max_conn_wait_timeout(WAIT)
}

pub fn ctx() -> Context {
    Context::background()
}

/// `GET url` with caller-owned buffers.
pub fn get(url: &str) -> Request {
    let mut req = Request::new();
    req.set_uri(url);
    req
}

/// Collects a streamed body.
pub async fn collect(stream: &mut BodyStream) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// Next chunk of a streamed body.
pub async fn next_chunk(stream: &mut BodyStream) -> Option<io::Result<Bytes>> {
    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
}

/// The body text of a buffered response.
pub fn text(resp: &Response) -> String {
    String::from_utf8_lossy(resp.body().unwrap_or_default()).into_owned()
}

/// Our own server, with routes the tests use; records the peer port of every request so
/// tests can count connections.
pub struct Ours {
    pub server: ServerHandle,
    pub peers: Arc<Mutex<HashSet<u16>>>,
    pub requests: Arc<AtomicUsize>,
}

impl Ours {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.local_addr())
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Distinct client connections seen so far.
    pub fn connections(&self) -> usize {
        self.peers.lock().unwrap().len()
    }

    pub async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }
}

/// A stream of `n` chunks of `size` bytes each.
struct Chunks {
    left: usize,
    size: usize,
}

impl Stream for Chunks {
    type Item = io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(Bytes::from(vec![b'c'; self.size]))))
    }
}

fn query_usize(c: &RequestContext, key: &str, default: usize) -> usize {
    c.query(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Starts our server: `/hello`, `POST /echo`, `/chunked?n=&size=`, `/big?n=`, `/close`,
/// `/status?code=`, `/redirect?to=`, `/loop` (redirects to itself), `/header?name=` (echoes a request header), and a
/// catch-all that answers the method and path.
pub async fn ours() -> Ours {
    let peers: Arc<Mutex<HashSet<u16>>> = Arc::default();
    let mut h = Engine::with_defaults(Config::default().host_ports("127.0.0.1:0"));
    let requests: Arc<AtomicUsize> = Arc::default();
    let seen = peers.clone();
    let counter = requests.clone();
    h.use_(hertz_core::handler(move |ctx, c| {
        let seen = seen.clone();
        counter.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if let Some(peer) = c.remote_addr() {
                seen.lock().unwrap().insert(peer.port());
            }
            c.next(ctx).await;
        })
    }));
    h.get("/hello", async |_ctx: Context, c: &mut RequestContext| {
        c.string(200, "hello");
    });
    h.post("/echo", async |_ctx: Context, c: &mut RequestContext| {
        let body = c.body().clone();
        c.bytes(200, "application/octet-stream", body);
    });
    h.get("/chunked", async |_ctx: Context, c: &mut RequestContext| {
        let n = query_usize(c, "n", 3);
        let size = query_usize(c, "size", 5);
        c.set_body_stream(Box::pin(Chunks { left: n, size }));
    });
    h.get("/big", async |_ctx: Context, c: &mut RequestContext| {
        let n = query_usize(c, "n", 1 << 20);
        c.bytes(200, "application/octet-stream", vec![b'b'; n]);
    });
    h.get("/close", async |_ctx: Context, c: &mut RequestContext| {
        c.response_mut().set_connection_close(true);
        c.string(200, "bye");
    });
    h.get("/status", async |_ctx: Context, c: &mut RequestContext| {
        let code = query_usize(c, "code", 200) as u16;
        c.string(code, format!("status {code}"));
    });
    h.get(
        "/redirect",
        async |_ctx: Context, c: &mut RequestContext| {
            let to = c
                .query("to")
                .map(|t| t.into_owned())
                .unwrap_or_else(|| "/hello".into());
            c.redirect(302, to);
        },
    );
    h.get("/loop", async |_ctx: Context, c: &mut RequestContext| {
        c.redirect(307, "/loop");
    });
    h.get("/header", async |_ctx: Context, c: &mut RequestContext| {
        let name = c.query("name").map(|t| t.into_owned()).unwrap_or_default();
        let value = c.get_header(&name).unwrap_or("<none>").to_owned();
        c.string(200, value);
    });
    h.post("/header", async |_ctx: Context, c: &mut RequestContext| {
        let name = c.query("name").map(|t| t.into_owned()).unwrap_or_default();
        let value = c.get_header(&name).unwrap_or("<none>").to_owned();
        c.string(200, value);
    });
    let server = h.start().await.expect("server starts");
    Ours {
        server,
        peers,
        requests,
    }
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}
