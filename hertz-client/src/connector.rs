//! Making a new connection to a host: resolve, connect (or go through the proxy), TLS.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hertz_transport::tokio::{Dialer, TokioConn};
use hertz_transport::Conn;

use crate::proxy::{self, Proxy};
use crate::url::Scheme;
use crate::{Error, ErrorKind, TlsConfig};

/// Dials connections for every host of a client.
pub(crate) struct Connector {
    dialer: Dialer,
    dial_timeout: Duration,
    tls: Option<TlsConfig>,
    /// Built on the first `https` dial when no [`TlsConfig`] was given.
    default_tls: OnceLock<TlsConfig>,
    proxy: Option<Proxy>,
}

impl Connector {
    pub fn new(
        dial_timeout: Duration,
        read_buffer_size: usize,
        tls: Option<TlsConfig>,
        proxy: Option<Proxy>,
    ) -> Self {
        Connector {
            dialer: Dialer::new()
                .connect_timeout(None)
                .read_buffer_size(read_buffer_size),
            dial_timeout,
            tls,
            default_tls: OnceLock::new(),
            proxy,
        }
    }

    /// Whether plain `http` requests go to a proxy (in absolute-form).
    pub fn proxies_http(&self) -> bool {
        self.proxy.is_some()
    }

    /// A new connection to `host:port`, all within the dial timeout.
    ///
    /// # Cancel safety
    /// Cancel safe: a half-made connection is closed with the future.
    pub async fn connect(
        self: &Arc<Self>,
        scheme: Scheme,
        host: &str,
        port: u16,
        authority: &str,
    ) -> Result<Box<dyn Conn>, Error> {
        match tokio::time::timeout(
            self.dial_timeout,
            self.connect_inner(scheme, host, port, authority),
        )
        .await
        {
            Ok(res) => res,
            Err(_) => Err(Error::new(ErrorKind::DialTimeout).with_detail(format!(
                "{authority} not connected within {:?}",
                self.dial_timeout
            ))),
        }
    }

    async fn connect_inner(
        &self,
        scheme: Scheme,
        host: &str,
        port: u16,
        authority: &str,
    ) -> Result<Box<dyn Conn>, Error> {
        let (dial_host, dial_port) = match &self.proxy {
            Some(p) => (p.host.as_str(), p.port),
            None => (host, port),
        };
        let addrs = resolve(dial_host, dial_port).await?;
        let mut stream = self.dialer.connect_tcp(&addrs).await.map_err(|e| {
            Error::new(ErrorKind::Dial)
                .with_detail(format!("{dial_host}:{dial_port}"))
                .with_source(e)
        })?;
        let peer = stream.peer_addr().map_err(dial_io)?;
        let local = stream.local_addr().map_err(dial_io)?;
        let size = self.dialer.buffer_size();
        match scheme {
            Scheme::Http => Ok(Box::new(TokioConn::new(stream, peer, local, size))),
            Scheme::Https => {
                if let Some(p) = &self.proxy {
                    proxy::connect_tunnel(&mut stream, p, authority).await?;
                }
                let tls = match &self.tls {
                    Some(tls) => tls,
                    None => self.default_tls.get_or_init(TlsConfig::system_roots),
                };
                let stream = tls.connect(host, stream).await?;
                Ok(Box::new(TokioConn::new(stream, peer, local, size)))
            }
        }
    }
}

fn dial_io(err: std::io::Error) -> Error {
    Error::new(ErrorKind::Dial).with_source(err)
}

/// The addresses of `host` (an IP literal is used as it is; names go through the system
/// resolver on every dial, so a retired connection's replacement sees DNS changes).
pub(crate) async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| {
            Error::new(ErrorKind::Dial)
                .with_detail(format!("resolving {host}"))
                .with_source(e)
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::new(ErrorKind::Dial).with_detail(format!("{host} has no address")));
    }
    Ok(addrs)
}
