//! The `Transport` seam: bind, accept, hand connections to the protocol layer, shut down.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::{CancelToken, Conn};

/// Receives each accepted connection; implemented by the protocol layer.
pub trait ConnHandler: Send + Sync + 'static {
    /// Serves `conn` until it closes. The transport drives the returned future to completion
    /// (or drops it when the server's exit wait time runs out).
    fn on_conn(&self, conn: Box<dyn Conn>) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// A bound listener that serves connections until shut down (Hertz's `Transporter`).
pub trait Transport: Send + 'static {
    /// The address actually bound (useful with port 0).
    fn local_addr(&self) -> SocketAddr;

    /// Accepts connections and hands each to `handler` until `shutdown` is cancelled; then
    /// stops accepting, waits up to [`TransportConfig::exit_wait`] for open connections to
    /// finish, drops the rest, and returns.
    fn serve(
        self: Box<Self>,
        handler: Arc<dyn ConnHandler>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;
}

/// Which transport implementation to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// tokio's reactor and `TcpStream` (the default).
    #[default]
    Tokio,
    /// hertz-rs's own epoll event loops ("netpoll"); Linux only.
    Netpoll,
}

impl std::str::FromStr for TransportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tokio" => Ok(Self::Tokio),
            "netpoll" => Ok(Self::Netpoll),
            other => Err(format!(
                "unknown transport `{other}`: expected `tokio` or `netpoll`"
            )),
        }
    }
}

/// Settings shared by every transport.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TransportConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Listen backlog.
    pub backlog: u32,
    /// How long [`Transport::serve`] waits for open connections after shutdown begins.
    pub exit_wait: Duration,
    /// Initial (and shrink-back) size of each connection's read buffer.
    pub read_buffer_size: usize,
    /// Disable Nagle's algorithm on accepted sockets.
    pub tcp_nodelay: bool,
    /// Event loop threads of the netpoll transport (the tokio transport uses the runtime's
    /// workers instead).
    pub loops: usize,
    /// Serve TLS with this rustls configuration (its `alpn_protocols` are what is
    /// advertised); `None` serves cleartext. Both transports serve TLS.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Time allowed for a TLS connection's first byte and handshake, from the accept;
    /// expiry closes that connection (logged at debug).
    pub handshake_timeout: Duration,
}

impl TransportConfig {
    /// Defaults for `addr`: backlog 1024, 5 s exit wait, 8 KiB read buffers, `TCP_NODELAY` on,
    /// one netpoll loop per core, cleartext (10 s handshake timeout once TLS is set).
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            backlog: 1024,
            exit_wait: Duration::from_secs(5),
            read_buffer_size: 8 * 1024,
            tcp_nodelay: true,
            loops: std::thread::available_parallelism().map_or(1, |n| n.get()),
            tls: None,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// Binds a listener of the given kind. Must be called inside a tokio runtime for
/// [`TransportKind::Tokio`]; for [`TransportKind::Netpoll`], serving inside one lets
/// handlers use tokio.
pub fn bind(kind: TransportKind, config: &TransportConfig) -> io::Result<Box<dyn Transport>> {
    match kind {
        TransportKind::Tokio => Ok(Box::new(crate::tokio::TokioTransport::bind(config)?)),
        TransportKind::Netpoll => Ok(Box::new(crate::netpoll::NetpollTransport::bind(config)?)),
    }
}
