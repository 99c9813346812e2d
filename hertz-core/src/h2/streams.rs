//! The streams of one connection, run inside the connection's task: the ones still running,
//! and what finished ones leave for the next.
//!
//! A stream is started as soon as the connection accepts it, and polled once right away.
//! Most finish there (a handler that does not wait on anything), and hand their exchange,
//! context and future allocation straight to the next stream of the batch, so a connection
//! keeps reusing one warm set instead of cycling through one per concurrent stream. Streams
//! that wait go to a `FuturesUnordered`, which polls each when it is woken.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use hertz_protocol::{Context, Core, Exchange};
use hertz_transport::CancelToken;

use super::conn::H2Server;
use super::head::HeadBuffer;
use super::stream::{Leftovers, Opened};
use crate::RequestContext;

/// Exchanges and contexts kept for the next streams, at most: enough for a client's usual
/// burst of concurrent requests without holding 250 idle buffers per connection.
const POOL: usize = 32;

/// The streams of one connection; `F` is a stream's future ([`H2Server::stream`]).
pub(super) struct Streams<F> {
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
            running: FuturesUnordered::new(),
            spare: None,
            pool: Pool {
                exchanges: Vec::new(),
                contexts: Vec::new(),
                heads: HeadBuffer::new(),
                peer,
                conn_token,
            },
        }
    }

    /// Whether no stream is running.
    pub(super) fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts a stream the connection accepted and polls it once. Its head goes into an
    /// exchange first ([`H2Server::open`]), so that `start` (which makes the stream's
    /// future from its exchange, its context and what is left of the stream) puts only a
    /// few words into the future: building it into the spare allocation then copies those,
    /// not the whole future (about 1 KiB), as the head by value did.
    pub(super) fn start(
        &mut self,
        cx: &mut TaskContext<'_>,
        server: &H2Server,
        (request, respond): (
            http::Request<h2::RecvStream>,
            h2::server::SendResponse<Bytes>,
        ),
        start: impl Fn(Box<RequestContext>, Context, Opened) -> F,
    ) {
        let mut exchange = self.pool.exchange(server);
        let opened = server.open(&mut exchange, request, respond, &mut self.pool.heads);
        let ctx = self.pool.context();
        let mut slot = match self.spare.take() {
            Some(mut slot) => {
                slot.set(start(exchange, ctx, opened));
                slot
            }
            None => Box::pin(start(exchange, ctx, opened)),
        };
        match slot.as_mut().poll(cx) {
            Poll::Ready(finished) => {
                self.pool.put(finished);
                self.spare = Some(slot);
            }
            Poll::Pending => self.running.push(slot),
        }
    }

    /// Runs the streams that were woken; `true` when any finished, so their frames wait to
    /// be flushed.
    pub(super) fn poll_run(&mut self, cx: &mut TaskContext<'_>) -> bool {
        let mut finished_any = false;
        while let Poll::Ready(Some(finished)) = self.running.poll_next_unpin(cx) {
            finished_any = true;
            self.pool.put(finished);
        }
        finished_any
    }

    /// Runs the streams still running to their end (the connection is gone, so they end
    /// soon: their reads and writes fail).
    pub(super) async fn finish(&mut self) {
        while self.running.next().await.is_some() {}
    }
}

/// Exchanges and contexts of finished streams, and the buffer new streams' fields go into.
struct Pool {
    // Boxed because each moves into and out of a stream's future, which then moves a
    // pointer instead of the whole exchange.
    #[allow(clippy::vec_box)]
    exchanges: Vec<Box<RequestContext>>,
    contexts: Vec<Context>,
    /// Where the streams' request fields are copied.
    heads: HeadBuffer,
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
