//! Server options (Hertz's `server.WithXxx` options), as a builder.

use std::sync::Arc;
use std::time::Duration;

use hertz_protocol::ServerConfig;
use hertz_transport::TransportKind;

/// Everything configurable about a server. Every timeout is on by default, so a server
/// built with `Config::default()` needs no slowloris guard of its own.
///
/// ```
/// use std::time::Duration;
/// use hertz_core::Config;
///
/// let config = Config::default()
///     .host_ports("127.0.0.1:8080")
///     .max_request_body_size(8 << 20)
///     .handler_timeout(Duration::from_secs(3));
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) addr: String,
    pub(crate) transport: TransportKind,
    pub(crate) workers: usize,
    pub(crate) exit_wait_time: Duration,
    pub(crate) handler_timeout: Option<Duration>,
    pub(crate) redirect_trailing_slash: bool,
    pub(crate) redirect_fixed_path: bool,
    pub(crate) handle_method_not_allowed: bool,
    pub(crate) read_buffer_size: usize,
    pub(crate) protocol: ServerConfig,
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    pub(crate) h2c: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: "0.0.0.0:8888".to_owned(),
            transport: TransportKind::Tokio,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            exit_wait_time: Duration::from_secs(5),
            handler_timeout: None,
            redirect_trailing_slash: true,
            redirect_fixed_path: false,
            handle_method_not_allowed: false,
            read_buffer_size: 8 * 1024,
            protocol: ServerConfig::default(),
            tls: None,
            h2c: false,
        }
    }
}

impl Config {
    /// Listen address, `host:port` (default `0.0.0.0:8888`; port `0` picks a free one).
    pub fn host_ports(mut self, addr: impl Into<String>) -> Self {
        self.addr = addr.into();
        self
    }

    /// Which transport accepts and drives connections (default tokio).
    pub fn transport(mut self, kind: TransportKind) -> Self {
        self.transport = kind;
        self
    }

    /// Worker threads: the tokio runtime's threads for the tokio transport, the event loops
    /// for netpoll (default: the number of cores).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How long a graceful shutdown waits for in-flight requests (default 5 s).
    pub fn exit_wait_time(mut self, wait: Duration) -> Self {
        self.exit_wait_time = wait;
        self
    }

    /// Largest request body accepted; larger → `413` (default 4 MiB).
    pub fn max_request_body_size(mut self, bytes: usize) -> Self {
        self.protocol.max_body_bytes = bytes;
        self
    }

    /// Largest request head accepted; larger → `431` (default 1 MiB).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.protocol.max_header_bytes = bytes;
        self
    }

    /// Most header fields accepted; more → `431` (default 128).
    pub fn max_header_count(mut self, count: usize) -> Self {
        self.protocol.max_header_count = count;
        self
    }

    /// Longest request line accepted; longer → `414` (default 16 KiB).
    pub fn max_request_line(mut self, bytes: usize) -> Self {
        self.protocol.max_request_line = bytes;
        self
    }

    /// Keep connections open between requests (default on).
    pub fn keep_alive(mut self, on: bool) -> Self {
        self.protocol.keep_alive = on;
        self
    }

    /// Time allowed for a request head from its first byte (a new connection: from the
    /// accept); expiry → `408` and close (default 10 s).
    pub fn read_header_timeout(mut self, timeout: Duration) -> Self {
        self.protocol.header_read_timeout = timeout;
        self
    }

    /// Longest silence between reads of a request body; expiry → `408` (default 30 s).
    pub fn read_body_timeout(mut self, timeout: Duration) -> Self {
        self.protocol.body_read_timeout = timeout;
        self
    }

    /// Time allowed to write a response (default 30 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.protocol.write_timeout = timeout;
        self
    }

    /// How long an idle keep-alive connection is kept (default 60 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.protocol.idle_timeout = timeout;
        self
    }

    /// Time allowed for the handler chain; expiry → `503` (default: none).
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = Some(timeout);
        self
    }

    /// Redirect `/foo/` ↔ `/foo` when only the other exists: 301 for GET, 307 otherwise
    /// (default on).
    pub fn redirect_trailing_slash(mut self, on: bool) -> Self {
        self.redirect_trailing_slash = on;
        self
    }

    /// Redirect to the cleaned (`..`, `//`), case-corrected path when it matches a route
    /// (default off).
    pub fn redirect_fixed_path(mut self, on: bool) -> Self {
        self.redirect_fixed_path = on;
        self
    }

    /// Answer `405` with `Allow` when the path exists for other methods (default off: `404`).
    pub fn handle_method_not_allowed(mut self, on: bool) -> Self {
        self.handle_method_not_allowed = on;
        self
    }

    /// The `Server` header value (empty: none; default `hertz`).
    pub fn server_name(mut self, name: &'static str) -> Self {
        self.protocol.server_name = name;
        self
    }

    /// Hand request bodies to handlers as a stream (`RequestContext::body_stream`) read from
    /// the socket only as the handler consumes it, so uploads of any size pass through
    /// bounded memory (Hertz's `WithStreamBody`). The body size limit does not apply then.
    /// Default off: bodies are read whole, up to `max_request_body_size`, before the handler.
    pub fn stream_request_body(mut self, on: bool) -> Self {
        self.protocol.stream_body = on;
        self
    }

    /// Initial size of each connection's read buffer (default 8 KiB; grows on demand).
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer_size = bytes.max(512);
        self
    }

    /// Serve HTTPS with this rustls configuration (default: cleartext). Build one from PEM
    /// files with [`tls::load_pem`](crate::tls::load_pem).
    ///
    /// The engine replaces the configuration's `alpn_protocols` with the names of its
    /// registered protocols (`http/1.1` last) and sends each connection to the protocol
    /// negotiated, `http/1.1` when none was. Plain HTTP sent to the port is answered `400`
    /// ("Client sent an HTTP request to an HTTPS server") and closed; the handshake must
    /// finish within [`read_header_timeout`](Self::read_header_timeout), and failed
    /// handshakes close only their connection (logged at debug). Both transports serve TLS.
    pub fn tls(mut self, config: rustls::ServerConfig) -> Self {
        self.tls = Some(Arc::new(config));
        self
    }

    /// Serve HTTP/2 over cleartext TCP to clients with prior knowledge (h2c,
    /// [RFC 9113 §3.3](https://www.rfc-editor.org/rfc/rfc9113#section-3.3); Hertz's
    /// `WithH2C`). Default off.
    ///
    /// A connection whose first 24 bytes are the HTTP/2 connection preface
    /// (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`) goes to the `h2` protocol; one whose bytes
    /// stop matching the preface goes to HTTP/1.1 as soon as they do (a short HTTP/1.1
    /// request is not held back waiting for 24 bytes). A connection that closes or falls
    /// silent within [`read_header_timeout`](Self::read_header_timeout) in the middle of the
    /// preface is closed without an answer. The HTTP/1.1 `Upgrade: h2c` dance is not
    /// offered (RFC 9113 deprecates it).
    ///
    /// Needs the `h2` protocol registered (`h.add_protocol(hertz_core::h2::H2Factory::default())`);
    /// [`Engine::start`](crate::Engine::start) fails otherwise. Works on both transports.
    pub fn h2c(mut self, on: bool) -> Self {
        self.h2c = on;
        self
    }
}
