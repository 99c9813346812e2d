//! Accept loop and graceful shutdown for the tokio transport.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::tls::TlsAcceptor;
use super::TokioConn;
use crate::{CancelToken, ConnHandler, Transport, TransportConfig};

/// A bound tokio `TcpListener`.
#[derive(Debug)]
pub struct TokioTransport {
    listener: TcpListener,
    config: TransportConfig,
    local_addr: SocketAddr,
}

impl TokioTransport {
    /// Binds `config.addr` (with `SO_REUSEADDR`). Must be called inside a tokio runtime.
    pub fn bind(config: &TransportConfig) -> io::Result<Self> {
        let domain = socket2::Domain::for_address(config.addr);
        let socket = socket2::Socket::new(domain, socket2::Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&config.addr.into())?;
        socket.listen(config.backlog.min(i32::MAX as u32) as i32)?;
        let listener = TcpListener::from_std(socket.into())?;
        let local_addr = listener.local_addr()?;
        Ok(Self {
            listener,
            config: config.clone(),
            local_addr,
        })
    }

    async fn run(self, handler: Arc<dyn ConnHandler>, shutdown: CancelToken) -> io::Result<()> {
        let tls = self.config.tls.clone().map(|config| {
            TlsAcceptor::new(
                config,
                self.config.handshake_timeout,
                self.config.read_buffer_size,
            )
        });
        let mut conns = JoinSet::new();
        loop {
            // Reap finished connection tasks so the set does not grow with every accept.
            while conns.try_join_next().is_some() {}
            let accepted = tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                accepted = self.listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, peer)) => {
                    if self.config.tcp_nodelay {
                        // Best effort: a socket that refuses NODELAY still works.
                        let _ = stream.set_nodelay(true);
                    }
                    match &tls {
                        None => {
                            let conn = TokioConn::new(
                                stream,
                                peer,
                                self.local_addr,
                                self.config.read_buffer_size,
                            );
                            conns.spawn(handler.on_conn(Box::new(conn)));
                        }
                        Some(tls) => {
                            // The handshake runs in the connection's task, so a slow client
                            // never holds up the accept loop; shutdown drops connections
                            // still in it (no request of theirs is in flight).
                            let (tls, handler, local, shutdown) = (
                                tls.clone(),
                                handler.clone(),
                                self.local_addr,
                                shutdown.clone(),
                            );
                            conns.spawn(async move {
                                let conn = tokio::select! {
                                    _ = shutdown.cancelled() => return,
                                    conn = tls.accept(stream, peer, local) => conn,
                                };
                                if let Some(conn) = conn {
                                    handler.on_conn(Box::new(conn)).await;
                                }
                            });
                        }
                    }
                }
                Err(err) => {
                    // EMFILE/ENFILE and friends: back off instead of spinning on accept.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        drop(self.listener);
        let drain = async { while conns.join_next().await.is_some() {} };
        if tokio::time::timeout(self.config.exit_wait, drain)
            .await
            .is_err()
        {
            tracing::info!(
                remaining = conns.len(),
                "exit wait time elapsed; closing remaining connections"
            );
            conns.shutdown().await;
        }
        Ok(())
    }
}

impl Transport for TokioTransport {
    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn serve(
        self: Box<Self>,
        handler: Arc<dyn ConnHandler>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = io::Result<()>> + Send>> {
        Box::pin(self.run(handler, shutdown))
    }
}
