//! The streams of one connection, run inside the connection's task: the ones accepted and
//! not yet started, the ones still running, and what finished ones leave for the next.
//!
//! A new stream is polled once right away. Most finish there (a handler that does not wait
//! on anything), and hand their exchange, context and future allocation straight to the
//! next stream of the batch, so a connection keeps reusing one warm set instead of cycling
//! through one per concurrent stream. Streams that wait go to a `FuturesUnordered`, which
//! polls each when it is woken.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use hertz_protocol::{Context, Core, Exchange};
use hertz_transport::CancelToken;

use super::conn::H2Server;
use super::stream::Leftovers;
use crate::RequestContext;

/// Exchanges and contexts kept for the next streams, at most: enough for a client's usual
/// burst of concurrent requests without holding 250 idle buffers per connection.
const POOL: usize = 32;

/// A stream as the connection hands it over.
pub(super) type Accepted = (
    http::Request<h2::RecvStream>,
    h2::server::SendResponse<Bytes>,
);

/// The streams of one connection; `F` is a stream's future ([`H2Server::stream`]).
pub(super) struct Streams<F> {
    /// Accepted, not yet started.
    accepted: Vec<Accepted>,
    /// Started and still running.
    running: FuturesUnordered<Pin<Box<F>>>,
    /// A finished stream's future, its allocation reused for the next stream.
    spare: Option<Pin<Box<F>>>,
    pool: Pool,
}

impl<F: Future<Output = Leftovers>> Streams<F> {
    /// No streams yet, for a connection from `peer` whose streams' contexts are children of
    /// `conn_token`.
    pub(super) fn new(peer: Option<SocketAddr>, conn_token: CancelToken) -> Self {
        Streams {
            accepted: Vec::new(),
            running: FuturesUnordered::new(),
            spare: None,
            pool: Pool {
                exchanges: Vec::new(),
                contexts: Vec::new(),
                peer,
                conn_token,
            },
        }
    }

    /// Queues a stream the connection accepted, to be started by the next
    /// [`poll_run`](Self::poll_run).
    pub(super) fn accept(&mut self, stream: Accepted) {
        self.accepted.push(stream);
    }

    /// Whether no stream is running.
    pub(super) fn is_idle(&self) -> bool {
        self.accepted.is_empty() && self.running.is_empty()
    }

    /// Starts the accepted streams (`start` makes a stream's future from its exchange, its
    /// context and the stream) and runs the woken ones; `true` when any stream started or
    /// finished, so their frames wait to be flushed.
    pub(super) fn poll_run(
        &mut self,
        cx: &mut TaskContext<'_>,
        server: &H2Server,
        start: impl Fn(Box<RequestContext>, Context, Accepted) -> F,
    ) -> bool {
        let mut moved = !self.accepted.is_empty();
        for stream in self.accepted.drain(..) {
            let exchange = self.pool.exchange(server);
            let ctx = self.pool.context();
            let future = start(exchange, ctx, stream);
            let mut slot = match self.spare.take() {
                Some(mut slot) => {
                    slot.set(future);
                    slot
                }
                None => Box::pin(future),
            };
            match slot.as_mut().poll(cx) {
                Poll::Ready(finished) => {
                    self.pool.put(finished);
                    self.spare = Some(slot);
                }
                Poll::Pending => self.running.push(slot),
            }
        }
        while let Poll::Ready(Some(finished)) = self.running.poll_next_unpin(cx) {
            moved = true;
            self.pool.put(finished);
        }
        moved
    }

    /// Runs the streams still running to their end (the connection is gone, so they end
    /// soon: their reads and writes fail).
    pub(super) async fn finish(&mut self) {
        self.accepted.clear();
        while self.running.next().await.is_some() {}
    }
}

/// Exchanges and contexts of finished streams.
struct Pool {
    // Boxed because each moves into and out of a stream's future, which then moves a
    // pointer instead of the whole exchange.
    #[allow(clippy::vec_box)]
    exchanges: Vec<Box<RequestContext>>,
    contexts: Vec<Context>,
    peer: Option<SocketAddr>,
    conn_token: CancelToken,
}

impl Pool {
    fn exchange(&mut self, server: &H2Server) -> Box<RequestContext> {
        self.exchanges
            .pop()
            .unwrap_or_else(|| Box::new(server.core.new_exchange(self.peer)))
    }

    /// A context cancelled with the connection (and by its stream's `RST_STREAM`).
    fn context(&mut self) -> Context {
        self.contexts
            .pop()
            .unwrap_or_else(|| Context::with_token(self.conn_token.child()))
    }

    fn put(&mut self, finished: Leftovers) {
        if let Some(mut exchange) = finished.exchange {
            if self.exchanges.len() < POOL {
                exchange.reset();
                self.exchanges.push(exchange);
            }
        }
        if let Some(ctx) = finished.ctx {
            if self.contexts.len() < POOL {
                self.contexts.push(ctx);
            }
        }
    }
}
