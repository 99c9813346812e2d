//! HTTP proxies: absolute-form requests for `http` URLs, a `CONNECT` tunnel for `https`
//! (RFC 9110 §9.3.6).

use bytes::BytesMut;
use hertz_protocol::http1::client::{parse_response_head, HeadLimits};
use hertz_protocol::{Response, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::url::{Scheme, Url};
use crate::{Error, ErrorKind};

/// An HTTP proxy every request of the client goes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) authorization: Option<String>,
}

impl Proxy {
    /// A proxy at `url` (`http://host:port`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidUrl`] for anything but an `http://` URL.
    pub fn http(url: &str) -> Result<Proxy, Error> {
        let parsed = Url::parse(url)?;
        if parsed.scheme != Scheme::Http {
            return Err(Error::new(ErrorKind::InvalidUrl)
                .with_detail(format!("proxy URL must be http://: {url:?}")));
        }
        Ok(Proxy {
            host: parsed.host.to_owned(),
            port: parsed.port,
            authorization: None,
        })
    }

    /// Sends `Proxy-Authorization: <value>` with `CONNECT` (e.g. `Basic dXNlcjpwYXNz`); for
    /// plain `http` requests through the proxy, set the field on the request itself.
    pub fn authorization(mut self, value: impl Into<String>) -> Self {
        self.authorization = Some(value.into());
        self
    }
}

/// Largest `CONNECT` answer head accepted.
const MAX_CONNECT_HEAD: usize = 16 * 1024;

/// Asks the proxy on `stream` for a tunnel to `host:port` and waits for its 2xx.
///
/// # Cancel safety
/// Not cancel safe: a dropped future leaves the stream mid-handshake; drop the stream too.
pub(crate) async fn connect_tunnel(
    stream: &mut TcpStream,
    proxy: &Proxy,
    authority: &str,
) -> Result<(), Error> {
    let proxy_err = |detail: String| Error::new(ErrorKind::Proxy).with_detail(detail);
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = &proxy.authorization {
        req.push_str("Proxy-Authorization: ");
        req.push_str(auth);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    stream
        .write_all(req.as_bytes())
        .await
        .map_err(|e| proxy_err("writing CONNECT".into()).with_source(e))?;
    // Read byte-wise up to the end of the head: whatever follows it belongs to the tunnel.
    let mut buf = BytesMut::with_capacity(256);
    let mut resp = Response::new();
    let limits = HeadLimits {
        max_header_bytes: MAX_CONNECT_HEAD,
        max_header_count: 64,
    };
    loop {
        let mut byte = [0u8; 1];
        let n = stream
            .read(&mut byte)
            .await
            .map_err(|e| proxy_err("reading the CONNECT answer".into()).with_source(e))?;
        if n == 0 {
            return Err(proxy_err(
                "proxy closed the connection during CONNECT".into(),
            ));
        }
        buf.extend_from_slice(&byte);
        if !buf.ends_with(b"\n\r\n") && !buf.ends_with(b"\n\n") {
            if buf.len() > MAX_CONNECT_HEAD {
                return Err(proxy_err("CONNECT answer head too large".into()));
            }
            continue;
        }
        match parse_response_head(&mut buf, &mut resp, limits) {
            Ok(Some(head)) if head.status.as_u16() / 100 == 2 => return Ok(()),
            Ok(Some(head)) if head.status == StatusCode::CONTINUE => {
                resp.headers_mut().clear();
            }
            Ok(Some(head)) => {
                return Err(proxy_err(format!(
                    "proxy answered CONNECT {authority} with {}",
                    head.status
                )))
            }
            Ok(None) => {}
            Err(e) => {
                return Err(proxy_err(format!("bad CONNECT answer: {}", e.reason())));
            }
        }
    }
}
