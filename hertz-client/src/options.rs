//! Per-request options that override the client's (Hertz's `config.RequestOption`s).

use std::time::Duration;

/// Options for one call ([`Client::do_with`](crate::Client::do_with)); unset fields use
/// the client's configuration.
///
/// ```
/// use std::time::Duration;
/// use hertz_client::RequestOptions;
///
/// let opts = RequestOptions::new()
///     .timeout(Duration::from_secs(2))
///     .read_timeout(Duration::from_millis(500))
///     .discovery(true)
///     .tag("cluster", "blue");
/// assert!(opts.is_discovery());
/// ```
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) discovery: bool,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) stream_response: Option<bool>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bounds the whole call: waiting for a connection, dialing, retries and the response
    /// head (and the body, unless it is streamed).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Read timeout: time to the first response byte and between reads.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Write timeout for sending the request.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = Some(timeout);
        self
    }

    /// Treats the URL's host as a service name for the client's
    /// [`Discovery`](crate::discovery::Discovery) middleware (Hertz's `WithSD`).
    pub fn discovery(mut self, on: bool) -> Self {
        self.discovery = on;
        self
    }

    /// Adds a tag; discovery only picks instances carrying every requested tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Streams this response's body (or not), overriding the client's setting.
    pub fn stream_response(mut self, on: bool) -> Self {
        self.stream_response = Some(on);
        self
    }

    /// Whether discovery is on for this request.
    pub fn is_discovery(&self) -> bool {
        self.discovery
    }

    /// The requested tags.
    pub fn tags(&self) -> &[(String, String)] {
        &self.tags
    }

    /// The whole-call timeout, if set.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }
}
