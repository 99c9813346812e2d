//! The tokio side of TLS: tokio-rustls on accepted `TcpStream`s, following the phases
//! `crate::tls` describes (sniff, handshake, hand over), bounded together by
//! [`TransportConfig::handshake_timeout`].
//!
//! [`TransportConfig::handshake_timeout`]: crate::TransportConfig::handshake_timeout

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

use super::TokioConn;
use crate::tls::{Opening, PLAIN_HTTP_ANSWER, PLAIN_HTTP_DRAIN};

/// A connection after TLS has been set up.
pub(crate) type TlsConn = TokioConn<TlsStream<TcpStream>>;

/// Accepts TLS on accepted TCP streams; shared by every connection of a listener.
#[derive(Clone)]
pub(crate) struct TlsAcceptor {
    acceptor: tokio_rustls::TlsAcceptor,
    timeout: Duration,
    read_buffer_size: usize,
}

/// What the sniff and handshake phases ended with.
enum Opened {
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
        let opened = match tokio::time::timeout(self.timeout, self.open(stream)).await {
            Ok(Ok(opened)) => opened,
            Ok(Err(err)) => {
                tracing::debug!(%peer, error = %err, "TLS handshake failed; closing");
                return None;
            }
            Err(_) => {
                tracing::debug!(%peer, timeout = ?self.timeout, "TLS handshake timed out; closing");
                return None;
            }
        };
        match opened {
            Opened::Tls(tls) => {
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let conn = TokioConn::new(*tls, peer, local, self.read_buffer_size)
                    .with_alpn_protocol(alpn.as_deref());
                Some(conn)
            }
            Opened::PlainHttp(stream) => {
                tracing::debug!(%peer, "plain HTTP on the TLS port; answering 400");
                // Bounded like the handshake; errors only mean the client left early.
                let _ = tokio::time::timeout(self.timeout, answer_plain_http(stream)).await;
                None
            }
            Opened::NotTls(first) => {
                tracing::debug!(%peer, first_byte = first, "not a TLS handshake; closing");
                None
            }
            Opened::Closed => None,
        }
    }

    async fn open(&self, stream: TcpStream) -> io::Result<Opened> {
        let mut first = [0u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Ok(Opened::Closed);
        }
        match Opening::sniff(first[0]) {
            Opening::Tls => {
                let tls = self.acceptor.accept(stream).await?;
                Ok(Opened::Tls(Box::new(tls)))
            }
            Opening::PlainHttp => Ok(Opened::PlainHttp(stream)),
            Opening::NotTls(byte) => Ok(Opened::NotTls(byte)),
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
