//! Limits and timeouts the HTTP/1.1 server enforces.

use std::time::Duration;

/// Protocol settings. The defaults are safe for a server facing the internet: every phase of
/// a request has a timeout, so no client can hold a connection by going silent.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Largest request head (request line + header fields) accepted; larger → `431`.
    /// Default 1 MiB.
    pub max_header_bytes: usize,
    /// Largest request line (method, target, version) accepted; longer → `414`.
    /// Default 16 KiB.
    pub max_request_line: usize,
    /// Most header fields accepted; more → `431`. Default 128.
    pub max_header_count: usize,
    /// Largest request body accepted; larger → `413`. Default 4 MiB.
    pub max_body_bytes: usize,
    /// Serve several requests per connection. Default on.
    pub keep_alive: bool,
    /// Time allowed for a whole request head, counted from the connection's (or the request's)
    /// first byte; a brand-new connection that sends nothing is closed after it too.
    /// Default 10 s; expiry → `408` and close.
    pub header_read_timeout: Duration,
    /// Longest silence allowed between two reads of a request body. Default 30 s; → `408`.
    pub body_read_timeout: Duration,
    /// Time allowed to write one response. Default 30 s; the connection is closed on expiry.
    pub write_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request. Default 60 s.
    pub idle_timeout: Duration,
    /// Value of the `Server` header (empty: none). Default `hertz`.
    pub server_name: &'static str,
    /// Hand request bodies to the handler as a stream read on demand instead of reading
    /// them first (Hertz's `WithStreamBody`). `max_body_bytes` does not apply to streamed
    /// bodies. Default off.
    pub stream_body: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_header_bytes: 1024 * 1024,
            max_request_line: 16 * 1024,
            max_header_count: 128,
            max_body_bytes: 4 * 1024 * 1024,
            keep_alive: true,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            server_name: "hertz",
            stream_body: false,
        }
    }
}
