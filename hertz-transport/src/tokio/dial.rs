//! Dialing: the client side of the tokio transport.
//!
//! [`Dialer`] opens TCP connections with a connect timeout, trying each resolved address in
//! turn (Hertz's `network.Dialer`). It returns the bare [`TcpStream`] so a caller can run a
//! proxy `CONNECT` or a TLS handshake on it before wrapping it in a [`TokioConn`], or
//! [`Dialer::dial`] wraps it right away.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use super::TokioConn;

/// Opens outgoing TCP connections.
#[derive(Clone, Debug)]
pub struct Dialer {
    connect_timeout: Option<Duration>,
    tcp_nodelay: bool,
    read_buffer_size: usize,
}

impl Default for Dialer {
    fn default() -> Self {
        Dialer {
            connect_timeout: Some(Duration::from_secs(1)),
            tcp_nodelay: true,
            read_buffer_size: 8 * 1024,
        }
    }
}

impl Dialer {
    /// A dialer with a 1 s connect timeout, `TCP_NODELAY` on and an 8 KiB read buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bounds the whole dial (every address tried); `None` waits as long as the OS does.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets `TCP_NODELAY` on new connections (default on).
    pub fn tcp_nodelay(mut self, nodelay: bool) -> Self {
        self.tcp_nodelay = nodelay;
        self
    }

    /// Initial read buffer size of the connections [`Dialer::dial`] returns.
    pub fn read_buffer_size(mut self, size: usize) -> Self {
        self.read_buffer_size = size.max(1);
        self
    }

    /// The configured read buffer size.
    pub fn buffer_size(&self) -> usize {
        self.read_buffer_size
    }

    /// Connects to the first of `addrs` that accepts.
    ///
    /// # Errors
    /// `ErrorKind::TimedOut` when the connect timeout passes, `InvalidInput` for an empty
    /// address list, otherwise the last address's error.
    ///
    /// # Cancel safety
    /// Cancel safe: a half-open connection is dropped (closed) with the future.
    pub async fn connect_tcp(&self, addrs: &[SocketAddr]) -> io::Result<TcpStream> {
        let attempt = async {
            let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to dial");
            for addr in addrs {
                match TcpStream::connect(addr).await {
                    Ok(stream) => {
                        if self.tcp_nodelay {
                            // Best effort: a socket refusing NODELAY still works.
                            let _ = stream.set_nodelay(true);
                        }
                        return Ok(stream);
                    }
                    Err(err) => last = err,
                }
            }
            Err(last)
        };
        match self.connect_timeout {
            Some(limit) => match tokio::time::timeout(limit, attempt).await {
                Ok(res) => res,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connect timeout elapsed",
                )),
            },
            None => attempt.await,
        }
    }

    /// Connects like [`Dialer::connect_tcp`] and wraps the stream in a [`TokioConn`].
    ///
    /// # Errors
    /// As [`Dialer::connect_tcp`].
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn dial(&self, addrs: &[SocketAddr]) -> io::Result<TokioConn<TcpStream>> {
        let stream = self.connect_tcp(addrs).await?;
        let peer = stream.peer_addr()?;
        let local = stream.local_addr()?;
        Ok(TokioConn::new(stream, peer, local, self.read_buffer_size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dials_the_first_address_that_accepts() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = listener.local_addr().unwrap();
        // A port nobody listens on: bind one, note it, close it.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let conn = Dialer::new().dial(&[closed, good]).await.unwrap();
        assert_eq!(crate::Conn::peer_addr(&conn), Some(good));
    }

    #[tokio::test]
    async fn empty_address_list_is_invalid_input() {
        let err = Dialer::new().dial(&[]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
