//! HTTP/2 ([RFC 9113](https://www.rfc-editor.org/rfc/rfc9113)) as a second protocol: the
//! bridge to the `h2` crate. Everything that names `h2` or `http` lives in this module.
//!
//! ```no_run
//! # fn main() -> Result<(), hertz_core::tls::TlsError> {
//! use hertz_core::{h2::H2Factory, Config, Engine};
//!
//! // Over TLS: ALPN now offers `h2`, then `http/1.1`.
//! let tls = hertz_core::tls::load_pem("cert.pem", "key.pem")?;
//! let mut h = Engine::with_defaults(Config::default().tls(tls));
//! h.add_protocol(H2Factory::default());
//!
//! // Cleartext, to clients with prior knowledge (h2c); HTTP/1.1 clients are served as before.
//! let mut h = Engine::with_defaults(Config::default().h2c(true));
//! h.add_protocol(H2Factory::default());
//! # Ok(()) }
//! ```
//!
//! Each stream becomes one exchange: its pseudo-headers and fields fill a [`Request`]
//! (`:authority` as `Host` when there is none), the same routes and middleware run, and the
//! [`Response`] is sent back with connection-specific fields dropped (RFC 9113 §8.2.2).
//! Handlers cannot tell the protocols apart.
//!
//! The engine's [`Config`](crate::Config) applies as for HTTP/1.1:
//!
//! | option | HTTP/2 behaviour |
//! |---|---|
//! | `max_request_body_size` | a larger body (announced by `content-length` or counted as it arrives) → `413`, then the stream is reset with `NO_ERROR` (RFC 9113 §8.1) while the connection serves the others |
//! | `stream_request_body` | `c.body_stream()` yields DATA frames as they arrive; flow-control credit goes back only as the handler reads, so a slow handler slows the client down |
//! | `max_header_bytes` | advertised as `SETTINGS_MAX_HEADER_LIST_SIZE`; a larger header block → `431` |
//! | `max_header_count` | more fields → `431` |
//! | `read_header_timeout` | time for the client's preface and SETTINGS |
//! | `read_body_timeout` | longest silence inside a request body → `408` |
//! | `idle_timeout` | a connection with no open stream for this long gets `GOAWAY(NO_ERROR)` and is closed |
//! | `server_name` | the `server` field, unless the handler set one |
//!
//! A stream the client resets (`RST_STREAM`) cancels its handler's `Context`, as a client
//! disconnect does over HTTP/1.1. Graceful shutdown sends `GOAWAY`: streams in flight
//! finish, new ones are refused. A connection's streams run inside its own task — on the
//! netpoll transport, on the loop thread that accepted it — so a handler that hogs the CPU
//! delays its connection's other streams; a panic ends only its stream, reset with
//! `INTERNAL_ERROR` (with the [`recovery`](crate::middleware::recovery) middleware it is a
//! `500` first).
//! [`H2Factory`] adds HTTP/2's own settings: concurrent streams and keep-alive PINGs.
//!
//! [`Request`]: hertz_protocol::Request
//! [`Response`]: hertz_protocol::Response

mod conn;
mod head;
mod io;
mod stream;
mod streams;

use std::sync::Arc;
use std::time::Duration;

use hertz_protocol::{Server, ServerFactory};

use crate::EngineCore;

/// Builds HTTP/2 servers: the `"h2"` protocol, served when ALPN negotiates it or, with
/// [`Config::h2c`](crate::Config::h2c), when a cleartext connection starts with the HTTP/2
/// preface. Limits and timeouts come from the engine's [`Config`](crate::Config); the
/// options here are HTTP/2's own.
#[derive(Clone, Debug)]
pub struct H2Factory {
    max_body_bytes: Option<usize>,
    max_concurrent_streams: u32,
    ping_interval: Option<Duration>,
    ping_timeout: Duration,
}

impl Default for H2Factory {
    /// 250 concurrent streams per connection (Go's and Hertz's default), no keep-alive
    /// PINGs, the engine's body limit.
    fn default() -> Self {
        H2Factory {
            max_body_bytes: None,
            max_concurrent_streams: 250,
            ping_interval: None,
            ping_timeout: Duration::from_secs(20),
        }
    }
}

impl H2Factory {
    /// Largest request body accepted over HTTP/2; larger → `413` (default: the engine's
    /// [`max_request_body_size`](crate::Config::max_request_body_size)).
    pub fn max_request_body_size(mut self, bytes: usize) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }

    /// Streams a client may have open at once on one connection, advertised as
    /// `SETTINGS_MAX_CONCURRENT_STREAMS`; more are refused with `REFUSED_STREAM`
    /// (default 250).
    pub fn max_concurrent_streams(mut self, streams: u32) -> Self {
        self.max_concurrent_streams = streams;
        self
    }

    /// Send a PING every `interval` (default: never) and close the connection when its
    /// PONG does not come back within [`ping_timeout`](Self::ping_timeout), so a peer that
    /// vanished without a FIN does not hold its streams forever.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = Some(interval);
        self
    }

    /// How long a keep-alive PING waits for its PONG (default 20 s).
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }
}

impl ServerFactory<EngineCore> for H2Factory {
    fn protocol(&self) -> &'static str {
        "h2"
    }

    fn new_server(&self, core: Arc<EngineCore>) -> Arc<dyn Server> {
        let engine = &core.app.server_config;
        let limits = stream::Limits {
            max_body_bytes: self.max_body_bytes.unwrap_or(engine.max_body_bytes),
            max_header_count: engine.max_header_count,
            stream_body: engine.stream_body,
            body_read_timeout: engine.body_read_timeout,
            server_name: engine.server_name,
        };
        let settings = conn::Settings {
            max_header_list_size: u32::try_from(engine.max_header_bytes).unwrap_or(u32::MAX),
            max_concurrent_streams: self.max_concurrent_streams,
            preface_timeout: engine.header_read_timeout,
            idle_timeout: engine.idle_timeout,
            ping: self.ping_interval.map(|interval| conn::Ping {
                interval,
                timeout: self.ping_timeout,
            }),
        };
        Arc::new(conn::H2Server {
            core,
            settings,
            limits,
        })
    }
}
