//! HTTP/2 ([RFC 9113](https://www.rfc-editor.org/rfc/rfc9113)) as a second protocol: the
//! bridge to the `h2` crate. Everything that names `h2` or `http` lives here.
//!
//! ```no_run
//! # fn main() -> Result<(), hertz_core::tls::TlsError> {
//! use hertz_core::{h2::H2Factory, Config, Engine};
//!
//! let tls = hertz_core::tls::load_pem("cert.pem", "key.pem")?;
//! let mut h = Engine::with_defaults(Config::default().tls(tls));
//! h.add_protocol(H2Factory::default()); // ALPN now offers `h2`, then `http/1.1`
//! # Ok(()) }
//! ```
//!
//! Each stream becomes one exchange: its pseudo-headers and fields fill a [`Request`]
//! (`:authority` as `Host` when there is none), the body is read whole (up to
//! [`H2Factory::max_request_body_size`], else `413`), the same routes and middleware run,
//! and the [`Response`] is sent back with connection-specific fields dropped
//! (RFC 9113 §8.2.2). Handlers cannot tell the protocols apart.
//!
//! Not yet: cleartext h2c, streamed request bodies, idle timeouts and pings.
//!
//! [`Request`]: hertz_protocol::Request
//! [`Response`]: hertz_protocol::Response

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context as TaskContext, Poll};

use bytes::{Bytes, BytesMut};
use hertz_protocol::{Context, Core, Method, Server, ServerFactory, StatusCode};
use hertz_transport::{CancelToken, Conn};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::task::JoinSet;

use crate::EngineCore;

/// Output bytes buffered before a write waits for the connection to drain.
const MAX_PENDING_WRITE: usize = 64 * 1024;

/// Time allowed for the client's connection preface and SETTINGS after ALPN chose `h2`.
const PREFACE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The `Server` field sent when the handler set none (HTTP/1.1's default).
const SERVER_NAME: &str = "hertz";

/// Header fields HTTP/2 forbids (RFC 9113 §8.2.2); dropped from responses.
const CONNECTION_SPECIFIC: [&[u8]; 6] = [
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
    b"content-length",
];

/// Builds HTTP/2 servers: the `"h2"` protocol, served when ALPN negotiates it.
#[derive(Clone, Debug)]
pub struct H2Factory {
    max_body_bytes: usize,
}

impl Default for H2Factory {
    /// A 4 MiB request body limit, as for HTTP/1.1.
    fn default() -> Self {
        H2Factory {
            max_body_bytes: 4 << 20,
        }
    }
}

impl H2Factory {
    /// Largest request body accepted; larger → `413` (default 4 MiB).
    pub fn max_request_body_size(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}

impl ServerFactory<EngineCore> for H2Factory {
    fn protocol(&self) -> &'static str {
        "h2"
    }

    fn new_server(&self, core: Arc<EngineCore>) -> Arc<dyn Server> {
        Arc::new(H2Server {
            core,
            max_body_bytes: self.max_body_bytes,
        })
    }
}

/// The HTTP/2 protocol server.
struct H2Server {
    core: Arc<EngineCore>,
    max_body_bytes: usize,
}

impl Server for H2Server {
    fn serve_conn(
        self: Arc<Self>,
        conn: Box<dyn Conn>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            let peer = conn.peer_addr();
            let handshake = h2::server::handshake(ConnIo { conn });
            let mut connection = match tokio::time::timeout(PREFACE_TIMEOUT, handshake).await {
                Ok(Ok(connection)) => connection,
                Ok(Err(err)) => {
                    tracing::debug!(error = %err, "HTTP/2 handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!("no HTTP/2 preface in time; closing");
                    return;
                }
            };
            let conn_token = shutdown.child();
            let mut streams = JoinSet::new();
            let mut draining = false;
            loop {
                while streams.try_join_next().is_some() {}
                let next = if draining {
                    connection.accept().await
                } else {
                    tokio::select! {
                        _ = shutdown.cancelled() => {
                            // GOAWAY: in-flight streams finish, new ones are refused.
                            connection.graceful_shutdown();
                            draining = true;
                            continue;
                        }
                        next = connection.accept() => next,
                    }
                };
                match next {
                    Some(Ok((request, respond))) => {
                        let server = self.clone();
                        let ctx = Context::with_token(conn_token.child());
                        streams.spawn(async move {
                            if let Err(err) = server.serve_stream(request, respond, ctx, peer).await
                            {
                                tracing::debug!(error = %err, "HTTP/2 stream ended with an error");
                            }
                        });
                    }
                    Some(Err(err)) => {
                        tracing::debug!(error = %err, "HTTP/2 connection ended with an error");
                        break;
                    }
                    None => break,
                }
            }
            conn_token.cancel();
            while streams.join_next().await.is_some() {}
        })
    }
}

impl H2Server {
    async fn serve_stream(
        &self,
        request: http::Request<h2::RecvStream>,
        mut respond: h2::server::SendResponse<Bytes>,
        ctx: Context,
        peer: Option<SocketAddr>,
    ) -> Result<(), h2::Error> {
        let mut exchange = self.core.new_exchange(peer);
        let (parts, mut body) = request.into_parts();
        let is_head = parts.method == http::Method::HEAD;
        {
            let req = exchange.request_mut();
            req.set_method(Method::from_token(parts.method.as_str()));
            let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            req.set_uri(target);
            let headers = req.headers_mut();
            for (name, value) in &parts.headers {
                headers.append(
                    Bytes::copy_from_slice(name.as_str().as_bytes()),
                    Bytes::copy_from_slice(value.as_bytes()),
                );
            }
            if let Some(authority) = parts.uri.authority() {
                if !headers.contains("host") {
                    headers.insert(
                        "Host",
                        Bytes::copy_from_slice(authority.as_str().as_bytes()),
                    );
                }
            }
        }
        let mut received = BytesMut::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk?;
            let _ = body.flow_control().release_capacity(chunk.len());
            if received.len() + chunk.len() > self.max_body_bytes {
                let response = http::Response::builder()
                    .status(StatusCode::PAYLOAD_TOO_LARGE.as_u16())
                    .body(())
                    .unwrap_or_default();
                respond.send_response(response, true)?;
                return Ok(());
            }
            received.extend_from_slice(&chunk);
        }
        exchange.request_mut().set_body(received.freeze());

        self.core.serve(&ctx, &mut exchange).await;

        let resp = exchange.response_mut();
        let mut head = http::Response::new(());
        *head.status_mut() =
            http::StatusCode::from_u16(resp.status().as_u16()).unwrap_or(http::StatusCode::OK);
        for (name, value) in resp.headers().iter() {
            if CONNECTION_SPECIFIC
                .iter()
                .any(|banned| name.eq_ignore_ascii_case(banned))
            {
                continue;
            }
            // A field h2 cannot carry is dropped rather than failing the stream.
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name),
                http::HeaderValue::from_bytes(value),
            ) {
                head.headers_mut().append(name, value);
            }
        }
        // Like HTTP/1.1's encoder: `Server: hertz` and `Date` unless the handler set them.
        if !head.headers().contains_key(http::header::SERVER) {
            head.headers_mut().insert(
                http::header::SERVER,
                http::HeaderValue::from_static(SERVER_NAME),
            );
        }
        if !head.headers().contains_key(http::header::DATE) {
            let date = httpdate::fmt_http_date(std::time::SystemTime::now());
            if let Ok(date) = http::HeaderValue::from_str(&date) {
                head.headers_mut().insert(http::header::DATE, date);
            }
        }
        let stream = resp.take_body_stream();
        let payload = resp.body_bytes();
        if stream.is_none() {
            head.headers_mut()
                .insert(http::header::CONTENT_LENGTH, payload.len().into());
        }
        let end_now = is_head || (stream.is_none() && payload.is_empty());
        let mut send = respond.send_response(head, end_now)?;
        if !end_now {
            match stream {
                None => send.send_data(payload, true)?,
                Some(mut stream) => {
                    while let Some(chunk) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                        match chunk {
                            Ok(chunk) if chunk.is_empty() => {}
                            Ok(chunk) => send.send_data(chunk, false)?,
                            Err(err) => {
                                tracing::debug!(error = %err, "response body stream failed");
                                send.send_reset(h2::Reason::INTERNAL_ERROR);
                                self.core.finish(&ctx, &mut exchange);
                                return Ok(());
                            }
                        }
                    }
                    send.send_data(Bytes::new(), true)?;
                }
            }
        }
        self.core.finish(&ctx, &mut exchange);
        Ok(())
    }
}

/// A [`Conn`] as the tokio byte stream `h2` reads and writes.
struct ConnIo {
    conn: Box<dyn Conn>,
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let conn = &mut self.get_mut().conn;
        if conn.is_empty() {
            conn.release();
            if ready!(conn.poll_fill(cx))? == 0 {
                return Poll::Ready(Ok(()));
            }
        }
        let n = buf.remaining().min(conn.len());
        buf.put_slice(conn.peek(n));
        conn.skip(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let conn = &mut self.get_mut().conn;
        if conn.pending_write() >= MAX_PENDING_WRITE {
            ready!(conn.poll_flush(cx))?;
        }
        conn.write_buf().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        self.get_mut().conn.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        self.get_mut().conn.poll_shutdown(cx)
    }
}
