//! `ClientBuilder`: every option of a [`Client`], with Hertz's defaults.

use std::sync::Arc;
use std::time::Duration;

use hertz_protocol::http1::client::HeadLimits;

use crate::client::{ClientConfig, DEFAULT_USER_AGENT};
use crate::{Client, Error, Middleware, Proxy, RedirectPolicy, RetryConfig, TlsConfig};

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// | option | default |
/// |---|---|
/// | [`dial_timeout`](Self::dial_timeout) (connect + proxy + TLS handshake) | 1 s |
/// | [`max_conns_per_host`](Self::max_conns_per_host) | 512 |
/// | [`max_conns_total`](Self::max_conns_total) | unlimited |
/// | [`max_idle_conn_duration`](Self::max_idle_conn_duration) | 10 s |
/// | [`max_conn_duration`](Self::max_conn_duration) (lifetime, then retire and re-resolve) | unlimited |
/// | [`max_conn_wait_timeout`](Self::max_conn_wait_timeout) | 0: fail at once when the host is full |
/// | [`read_timeout`](Self::read_timeout), [`write_timeout`](Self::write_timeout), [`request_timeout`](Self::request_timeout) | none |
/// | [`keep_alive`](Self::keep_alive) | on |
/// | [`retry`](Self::retry) | one attempt |
/// | [`redirect_policy`](Self::redirect_policy) | 16 for `get`/`post`; `do_` never follows |
/// | [`response_body_stream`](Self::response_body_stream) | off |
/// | [`max_response_body_size`](Self::max_response_body_size) | 64 MiB (not applied to streamed bodies) |
/// | [`max_response_header_bytes`](Self::max_response_header_bytes) | 1 MiB |
/// | [`name`](Self::name) (`User-Agent`) | `hertz-rs` |
#[must_use]
pub struct ClientBuilder {
    pub(crate) config: ClientConfig,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            config: ClientConfig {
                dial_timeout: Duration::from_secs(1),
                max_conns_per_host: 512,
                max_conns_total: None,
                max_idle_conn_duration: Duration::from_secs(10),
                max_conn_duration: None,
                max_conn_wait_timeout: Duration::ZERO,
                read_timeout: None,
                write_timeout: None,
                request_timeout: None,
                keep_alive: true,
                retry: RetryConfig::default(),
                tls: None,
                proxy: None,
                redirect: RedirectPolicy::default(),
                user_agent: DEFAULT_USER_AGENT.to_owned(),
                stream_response: false,
                max_body: 64 * 1024 * 1024,
                limits: HeadLimits::default(),
                read_buffer_size: 8 * 1024,
            },
            middleware: Vec::new(),
        }
    }
}

impl ClientBuilder {
    /// Bounds making a connection: resolving, connecting, the proxy tunnel and the TLS
    /// handshake together.
    pub fn dial_timeout(mut self, timeout: Duration) -> Self {
        self.config.dial_timeout = timeout;
        self
    }

    /// Most connections open to one host at a time (at least 1).
    pub fn max_conns_per_host(mut self, n: usize) -> Self {
        self.config.max_conns_per_host = n.max(1);
        self
    }

    /// Most connections open across all hosts. When reached, an idle connection of another
    /// host is closed to make room, or the call waits like for a full host.
    pub fn max_conns_total(mut self, n: usize) -> Self {
        self.config.max_conns_total = Some(n.max(1));
        self
    }

    /// How long an idle keep-alive connection is kept before it is closed.
    pub fn max_idle_conn_duration(mut self, d: Duration) -> Self {
        self.config.max_idle_conn_duration = d;
        self
    }

    /// A connection's maximum age: after it, the connection is retired once its current
    /// exchange ends, and the next dial resolves the host again (so new instances behind
    /// DNS get traffic).
    pub fn max_conn_duration(mut self, d: Duration) -> Self {
        self.config.max_conn_duration = Some(d);
        self
    }

    /// How long a call waits for a free connection when its host is at
    /// [`max_conns_per_host`](Self::max_conns_per_host); zero fails at once with
    /// [`ErrorKind::PoolTimeout`](crate::ErrorKind::PoolTimeout).
    pub fn max_conn_wait_timeout(mut self, d: Duration) -> Self {
        self.config.max_conn_wait_timeout = d;
        self
    }

    /// Time allowed until the first response byte, and between reads after it.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.config.read_timeout = Some(d);
        self
    }

    /// Time allowed for writing the request (each flush).
    pub fn write_timeout(mut self, d: Duration) -> Self {
        self.config.write_timeout = Some(d);
        self
    }

    /// Time allowed for a whole call, retries included (a streamed body is read after).
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.config.request_timeout = Some(d);
        self
    }

    /// Keep connections open between requests (default on); off sends `Connection: close`.
    pub fn keep_alive(mut self, on: bool) -> Self {
        self.config.keep_alive = on;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.config.retry = retry;
        self
    }

    /// TLS settings for `https` (default: the system's roots, loaded on first use).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// Sends every request through an HTTP proxy (`CONNECT` tunnels for `https`).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.config.proxy = Some(proxy);
        self
    }

    /// Redirects followed by the convenience calls.
    pub fn redirect_policy(mut self, policy: RedirectPolicy) -> Self {
        self.config.redirect = policy;
        self
    }

    /// The `User-Agent` sent when a request has none (Hertz's client name); empty sends
    /// none.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.user_agent = name.into();
        self
    }

    /// Streams response bodies: [`Response::take_body_stream`](hertz_protocol::Response::take_body_stream)
    /// yields the body as it arrives.
    pub fn response_body_stream(mut self, on: bool) -> Self {
        self.config.stream_response = on;
        self
    }

    /// Largest response body read into memory.
    pub fn max_response_body_size(mut self, bytes: usize) -> Self {
        self.config.max_body = bytes;
        self
    }

    /// Largest response head.
    pub fn max_response_header_bytes(mut self, bytes: usize) -> Self {
        self.config.limits.max_header_bytes = bytes;
        self
    }

    /// Initial read buffer size of each connection.
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.config.read_buffer_size = bytes.max(512);
        self
    }

    /// Adds a middleware; earlier ones are outer.
    pub fn use_(mut self, middleware: impl Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// The client.
    ///
    /// # Errors
    /// None today; kept fallible so that options needing validation can be added.
    pub fn build(self) -> Result<Client, Error> {
        Ok(Client::from_builder(self))
    }
}
