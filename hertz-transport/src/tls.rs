//! The rustls bridge: TLS on accepted tokio streams.
//!
//! Everything in the transport that names rustls lives here. Each accepted connection goes
//! through three phases, all bounded together by [`TransportConfig::handshake_timeout`]:
//!
//! 1. **sniff** — peek at the first byte without consuming it. A TLS connection starts
//!    with a handshake record (content type `0x16`,
//!    [RFC 8446 §5.1](https://www.rfc-editor.org/rfc/rfc8446#section-5.1)). A request
//!    line (an ASCII letter) is plain HTTP sent to the TLS port: it is answered `400` with
//!    "Client sent an HTTP request to an HTTPS server" and closed, as Go's `net/http` (and so
//!    Hertz) does. Anything else is closed;
//! 2. **handshake** — rustls, via `tokio_rustls::TlsAcceptor`;
//! 3. **hand over** — the TLS stream becomes a [`TokioConn`] that reports the ALPN protocol
//!    rustls negotiated, so the protocol layer can pick HTTP/1.1 or another protocol.
//!
//! Failures and timeouts close only that connection and are logged at debug: a port scanner
//! or a client that distrusts the certificate is not a server problem.
//!
//! [`TransportConfig::handshake_timeout`]: crate::TransportConfig::handshake_timeout

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

use crate::tokio::TokioConn;

/// First byte of a TLS handshake record (`ContentType.handshake`).
const HANDSHAKE_RECORD: u8 = 0x16;

/// The answer to plain HTTP on a TLS port (Go's `net/http` wording).
const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 46\r\n\
Connection: close\r\n\
\r\n\
Client sent an HTTP request to an HTTPS server";

/// Most bytes of an unwanted plain-HTTP request read and discarded after answering it, so
/// closing does not reset the connection before the client has read the answer.
const PLAIN_HTTP_DRAIN: usize = 64 * 1024;

/// A connection after TLS has been set up.
pub(crate) type TlsConn = TokioConn<TlsStream<TcpStream>>;

/// Accepts TLS on accepted TCP streams; shared by every connection of a listener.
#[derive(Clone)]
pub(crate) struct TlsAcceptor {
    acceptor: tokio_rustls::TlsAcceptor,
    timeout: Duration,
    read_buffer_size: usize,
}

/// What the first phase found on a new connection.
enum Opening {
    /// A TLS handshake completed.
    Tls(Box<TlsStream<TcpStream>>),
    /// A plain HTTP request arrived; it still has to be answered.
    PlainHttp(TcpStream),
    /// Neither TLS nor HTTP.
    NotTls(u8),
    /// The peer closed before sending anything.
    Closed,
}

impl TlsAcceptor {
    /// `timeout` bounds sniffing plus the handshake; `read_buffer_size` is passed on to
    /// each [`TokioConn`].
    pub(crate) fn new(
        config: Arc<rustls::ServerConfig>,
        timeout: Duration,
        read_buffer_size: usize,
    ) -> Self {
        TlsAcceptor {
            acceptor: tokio_rustls::TlsAcceptor::from(config),
            timeout,
            read_buffer_size,
        }
    }

    /// Sets up TLS on `stream`. `None` when the connection was closed instead (plain
    /// HTTP, not TLS, handshake failure or timeout); the reason is logged at debug.
    ///
    /// # Cancel safety
    /// Not cancel safe: dropping the future drops (closes) the connection.
    pub(crate) async fn accept(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        local: SocketAddr,
    ) -> Option<TlsConn> {
        let opening = match tokio::time::timeout(self.timeout, self.open(stream)).await {
            Ok(Ok(opening)) => opening,
            Ok(Err(err)) => {
                tracing::debug!(%peer, error = %err, "TLS handshake failed; closing");
                return None;
            }
            Err(_) => {
                tracing::debug!(%peer, timeout = ?self.timeout, "TLS handshake timed out; closing");
                return None;
            }
        };
        match opening {
            Opening::Tls(tls) => {
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let conn = TokioConn::new(*tls, peer, local, self.read_buffer_size)
                    .with_alpn_protocol(alpn.as_deref());
                Some(conn)
            }
            Opening::PlainHttp(stream) => {
                tracing::debug!(%peer, "plain HTTP on the TLS port; answering 400");
                // Bounded like the handshake; errors only mean the client left early.
                let _ = tokio::time::timeout(self.timeout, answer_plain_http(stream)).await;
                None
            }
            Opening::NotTls(first) => {
                tracing::debug!(%peer, first_byte = first, "not a TLS handshake; closing");
                None
            }
            Opening::Closed => None,
        }
    }

    async fn open(&self, stream: TcpStream) -> io::Result<Opening> {
        let mut first = [0u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Ok(Opening::Closed);
        }
        match first[0] {
            HANDSHAKE_RECORD => {
                let tls = self.acceptor.accept(stream).await?;
                Ok(Opening::Tls(Box::new(tls)))
            }
            byte if byte.is_ascii_alphabetic() => Ok(Opening::PlainHttp(stream)),
            byte => Ok(Opening::NotTls(byte)),
        }
    }
}

/// Writes the `400`, ends the write side, and reads (discarding) what the client sent until
/// it closes, so the close that follows is a clean FIN rather than a reset that could
/// destroy the answer in flight.
async fn answer_plain_http(mut stream: TcpStream) -> io::Result<()> {
    stream.write_all(PLAIN_HTTP_ANSWER).await?;
    stream.shutdown().await?;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < PLAIN_HTTP_DRAIN {
        match stream.read(&mut sink).await? {
            0 => break,
            n => drained += n,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_answer_frames_its_body() {
        let text = std::str::from_utf8(PLAIN_HTTP_ANSWER).expect("ascii");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(body, "Client sent an HTTP request to an HTTPS server");
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }
}
