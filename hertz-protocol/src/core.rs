//! The seams between the protocol layer and what sits above and beside it.
//!
//! Hertz's split, typed: a protocol server is built by a [`ServerFactory`] from a [`Core`] —
//! the small interface the application layer offers (serve one exchange, trace it) — so the
//! HTTP/1.1 code never names the engine, and further protocols (h2, behind ALPN) plug in by
//! registering another factory under their protocol name.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use hertz_transport::{CancelToken, Conn};

use crate::{Context, Request, Response};

/// Per-connection request state owned by the application (its `RequestContext`).
///
/// The protocol server creates one per connection with [`Core::new_exchange`], fills its
/// request, lets the core serve it, writes its response and [`reset`](Exchange::reset)s it —
/// so buffers are reused across a connection's requests.
pub trait Exchange: Send + 'static {
    /// The request being served.
    fn request(&self) -> &Request;
    /// The request, for the protocol to fill.
    fn request_mut(&mut self) -> &mut Request;
    /// The response being built.
    fn response(&self) -> &Response;
    /// The response, for the application to build and the protocol to take apart.
    fn response_mut(&mut self) -> &mut Response;
    /// Timing and size statistics, filled only when [`Core::trace_enabled`].
    fn stats_mut(&mut self) -> &mut Stats;
    /// Clears per-request state, keeping allocations.
    fn reset(&mut self);
}

/// What a protocol server needs from the application (Hertz's `Core`).
pub trait Core: Send + Sync + 'static {
    /// The per-connection exchange type.
    type Exchange: Exchange;

    /// A fresh exchange for a new connection from `peer`.
    fn new_exchange(&self, peer: Option<SocketAddr>) -> Self::Exchange;

    /// Runs the application on the filled request, building the response.
    fn serve<'a>(
        &'a self,
        ctx: &'a Context,
        exchange: &'a mut Self::Exchange,
    ) -> impl Future<Output = ()> + Send + 'a;

    /// Whether the protocol should record [`Stats`] (a tracer is registered).
    fn trace_enabled(&self) -> bool {
        false
    }

    /// Called after the response was written (or writing failed), e.g. to finish a trace.
    fn finish(&self, _ctx: &Context, _exchange: &mut Self::Exchange) {}
}

/// A protocol server: serves every request on one connection.
pub trait Server: Send + Sync + 'static {
    /// Serves `conn` until it closes or `shutdown` is cancelled (then the current request is
    /// finished and answered with `Connection: close`).
    fn serve_conn(
        self: Arc<Self>,
        conn: Box<dyn Conn>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Builds a protocol server around a [`Core`] (Hertz's `suite.ServerFactory`).
pub trait ServerFactory<C: Core>: Send + Sync {
    /// The protocol's name as negotiated by ALPN, e.g. `"http/1.1"` or `"h2"`.
    fn protocol(&self) -> &'static str;
    /// A server for this protocol that hands exchanges to `core`.
    fn new_server(&self, core: Arc<C>) -> Arc<dyn Server>;
}

/// A measured interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// When it began.
    pub start: Instant,
    /// When it ended.
    pub end: Instant,
}

/// Per-request statistics for tracers (Hertz's `stats` events and sizes).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Reading the request head.
    pub read_header: Option<Interval>,
    /// Reading the request body.
    pub read_body: Option<Interval>,
    /// Running the application.
    pub handle: Option<Interval>,
    /// Writing the response.
    pub write: Option<Interval>,
    /// Bytes of request received (head and body).
    pub recv_size: usize,
    /// Bytes of response sent (head and body).
    pub send_size: usize,
}
