//! One HTTP/2 connection: the handshake, its streams, and the three ways a connection
//! ends on the server's initiative — idle timeout, missing PONG, graceful shutdown.
//!
//! **Streams run inside the connection's task**, in a `FuturesUnordered`, not as tasks of
//! their own. One poll of the connection reads what arrived, runs the handlers of the
//! streams it opened (or woke), and flushes their responses — for a batch of requests, one
//! read and one write. On the netpoll transport this keeps a connection and its handlers on
//! the loop thread that accepted it: a spawned stream ran on tokio's threads and cost a
//! cross-thread wake-up each way per request, which made HTTP/2 three times dearer on
//! netpoll than on tokio. The price is the one every event loop pays: a handler that hogs
//! the CPU delays the other streams of its connection (move such work to
//! `tokio::task::spawn_blocking`). A panic in a stream ends only that stream.

use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, StreamExt};
use hertz_protocol::{Context, Core, Exchange, Server};
use hertz_transport::{clock, CancelToken, Conn};
use tokio::time::{sleep, Instant, Sleep};

use super::io::ConnIo;
use super::stream::{Leftovers, Limits};
use crate::{EngineCore, RequestContext};

/// Finished streams' exchanges and contexts kept for the next streams, at most: enough for
/// a client's usual burst of concurrent requests without holding 250 idle buffers per
/// connection.
const POOL: usize = 32;

/// Connection-level settings, fixed when the server is built.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    pub(super) max_header_list_size: u32,
    pub(super) max_concurrent_streams: u32,
    /// Time for the client's preface and first SETTINGS.
    pub(super) preface_timeout: Duration,
    /// Time with no open stream before the connection is closed.
    pub(super) idle_timeout: Duration,
    pub(super) ping: Option<Ping>,
}

/// Keep-alive PINGs: how often, and how long to wait for the PONG.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ping {
    pub(super) interval: Duration,
    pub(super) timeout: Duration,
}

/// The HTTP/2 protocol server.
pub(super) struct H2Server {
    pub(super) core: Arc<EngineCore>,
    pub(super) settings: Settings,
    pub(super) limits: Limits,
}

/// Where the connection is.
enum Phase {
    /// Accepting streams.
    Serving,
    /// GOAWAY sent for a graceful shutdown: streams in flight finish, new ones are refused.
    Draining,
}

/// What the serve loop has to act on.
enum Event {
    /// The server is shutting down.
    Shutdown,
    /// No stream for the idle timeout.
    Idle,
    /// The keep-alive PING failed, for this reason.
    KeepAliveFailed(&'static str),
    /// The connection is done: closed by the peer, or after GOAWAY once its streams ended.
    Closed,
    /// The connection failed.
    Failed(h2::Error),
}

type H2Connection = h2::server::Connection<ConnIo, Bytes>;

impl Server for H2Server {
    fn serve_conn(
        self: Arc<Self>,
        conn: Box<dyn Conn>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let peer = conn.peer_addr();
            let Some(mut connection) = self.handshake(conn).await else {
                return;
            };
            let mut keep_alive = self.settings.ping.and_then(|ping| {
                connection
                    .ping_pong()
                    .map(|ping_pong| KeepAlive::new(ping_pong, ping))
            });
            let conn_token = shutdown.child();
            let mut shutdown = shutdown.cancelled_owned();
            let mut idle = IdleTimer::new(self.settings.idle_timeout);
            let mut pool = Pool::default();
            // Streams still running after their first poll.
            let mut streams = FuturesUnordered::new();
            // Streams accepted in this round, not yet polled.
            let mut accepted = Vec::new();
            // A finished stream's future, its allocation reused for the next stream.
            let mut spare = None;
            let mut phase = Phase::Serving;
            let server = &*self;
            loop {
                let serving = matches!(phase, Phase::Serving);
                let event = poll_fn(|cx| {
                    if serving && Pin::new(&mut shutdown).poll(cx).is_ready() {
                        return Poll::Ready(Event::Shutdown);
                    }
                    if let Some(keep_alive) = &mut keep_alive {
                        if let Poll::Ready(why) = keep_alive.poll_failed(cx) {
                            return Poll::Ready(Event::KeepAliveFailed(why));
                        }
                    }
                    // Until nothing moves: accept every stream that arrived, run each new
                    // one (most finish in their first poll, and hand their exchange to the
                    // next), run the woken ones, and poll the connection again, which
                    // flushes all their responses at once.
                    loop {
                        loop {
                            match connection.poll_accept(cx) {
                                Poll::Ready(Some(Ok(stream))) => accepted.push(stream),
                                Poll::Ready(Some(Err(err))) => {
                                    return Poll::Ready(Event::Failed(err));
                                }
                                Poll::Ready(None) => return Poll::Ready(Event::Closed),
                                Poll::Pending => break,
                            }
                        }
                        let mut moved = !accepted.is_empty();
                        for (request, respond) in accepted.drain(..) {
                            let exchange = pool.exchange(server, peer);
                            let ctx = pool.context(&conn_token);
                            let stream = server.stream(exchange, ctx, request, respond);
                            let mut slot = match spare.take() {
                                Some(mut slot) => {
                                    Pin::set(&mut slot, stream);
                                    slot
                                }
                                None => Box::pin(stream),
                            };
                            match slot.as_mut().poll(cx) {
                                Poll::Ready(finished) => {
                                    pool.put(finished);
                                    spare = Some(slot);
                                }
                                Poll::Pending => streams.push(slot),
                            }
                        }
                        while let Poll::Ready(Some(finished)) = streams.poll_next_unpin(cx) {
                            moved = true;
                            pool.put(finished);
                        }
                        if !moved {
                            break;
                        }
                        if streams.is_empty() {
                            idle.restart();
                        }
                    }
                    if serving && streams.is_empty() && idle.poll_expired(cx).is_ready() {
                        return Poll::Ready(Event::Idle);
                    }
                    Poll::Pending
                })
                .await;
                match event {
                    Event::Shutdown => {
                        // GOAWAY: in-flight streams finish, new ones are refused.
                        connection.graceful_shutdown();
                        phase = Phase::Draining;
                    }
                    Event::Idle => {
                        // Nothing in flight, so nothing to drain: GOAWAY naming the last
                        // stream served, and close (as Go's server does on idle).
                        tracing::debug!(?peer, "HTTP/2 connection idle; closing");
                        connection.abrupt_shutdown(h2::Reason::NO_ERROR);
                        phase = Phase::Draining;
                    }
                    Event::KeepAliveFailed(why) => {
                        tracing::debug!(?peer, why, "HTTP/2 keep-alive failed; closing");
                        break;
                    }
                    Event::Failed(err) => {
                        tracing::debug!(error = %err, "HTTP/2 connection ended with an error");
                        break;
                    }
                    Event::Closed => break,
                }
            }
            conn_token.cancel();
            // Dropping the connection ends the streams' pending reads and writes, so the
            // handlers still running can finish.
            drop(connection);
            while streams.next().await.is_some() {}
        })
    }
}

impl H2Server {
    /// The client's preface and SETTINGS, within the preface timeout; `None` (logged) when
    /// they do not come.
    async fn handshake(&self, conn: Box<dyn Conn>) -> Option<H2Connection> {
        let mut builder = h2::server::Builder::new();
        builder
            .max_header_list_size(self.settings.max_header_list_size)
            .max_concurrent_streams(self.settings.max_concurrent_streams);
        let handshake = builder.handshake::<_, Bytes>(ConnIo { conn });
        match tokio::time::timeout(self.settings.preface_timeout, handshake).await {
            Ok(Ok(connection)) => Some(connection),
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "HTTP/2 handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!("no HTTP/2 preface in time; closing");
                None
            }
        }
    }
}

/// Exchanges and contexts of finished streams, for the next ones on the connection.
#[derive(Default)]
struct Pool {
    // Boxed because each moves into and out of a stream's future, which then moves a
    // pointer instead of the whole exchange.
    #[allow(clippy::vec_box)]
    exchanges: Vec<Box<RequestContext>>,
    contexts: Vec<Context>,
}

impl Pool {
    fn exchange(&mut self, server: &H2Server, peer: Option<SocketAddr>) -> Box<RequestContext> {
        self.exchanges
            .pop()
            .unwrap_or_else(|| Box::new(server.core.new_exchange(peer)))
    }

    /// A context cancelled with the connection (and by its stream's `RST_STREAM`).
    fn context(&mut self, conn_token: &CancelToken) -> Context {
        self.contexts
            .pop()
            .unwrap_or_else(|| Context::with_token(conn_token.child()))
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

/// The idle timeout, restarted whenever the last stream ends. Restarting only notes the
/// time; the timer is moved when it fires early, so a busy connection does not touch
/// tokio's timer wheel once per request.
struct IdleTimer {
    timeout: Duration,
    since: Instant,
    sleep: Pin<Box<Sleep>>,
}

impl IdleTimer {
    fn new(timeout: Duration) -> Self {
        let since = Instant::from_std(clock::now());
        IdleTimer {
            timeout,
            since,
            sleep: Box::pin(tokio::time::sleep_until(since + timeout)),
        }
    }

    /// The connection has no stream from now on.
    fn restart(&mut self) {
        self.since = Instant::from_std(clock::now());
    }

    /// Ready once the connection has had no stream for the timeout (call only while it has
    /// none).
    fn poll_expired(&mut self, cx: &mut TaskContext<'_>) -> Poll<()> {
        loop {
            ready!(self.sleep.as_mut().poll(cx));
            let deadline = self.since + self.timeout;
            if self.sleep.deadline() >= deadline {
                return Poll::Ready(());
            }
            self.sleep.as_mut().reset(deadline);
        }
    }
}

/// Keep-alive PINGs, as a state machine polled next to `accept`.
struct KeepAlive {
    ping_pong: h2::PingPong,
    ping: Ping,
    state: KeepAliveState,
    timer: Pin<Box<Sleep>>,
}

enum KeepAliveState {
    /// Waiting for the interval to pass.
    Waiting,
    /// A PING is out; the timer is its deadline.
    AwaitingPong,
}

impl KeepAlive {
    fn new(ping_pong: h2::PingPong, ping: Ping) -> Self {
        KeepAlive {
            ping_pong,
            ping,
            state: KeepAliveState::Waiting,
            timer: Box::pin(sleep(ping.interval)),
        }
    }

    /// Ready with the reason once the peer failed to answer (or the PING could not be sent).
    fn poll_failed(&mut self, cx: &mut TaskContext<'_>) -> Poll<&'static str> {
        loop {
            match self.state {
                KeepAliveState::Waiting => {
                    if self.timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    if self.ping_pong.send_ping(h2::Ping::opaque()).is_err() {
                        return Poll::Ready("PING could not be sent");
                    }
                    self.timer
                        .as_mut()
                        .reset(Instant::now() + self.ping.timeout);
                    self.state = KeepAliveState::AwaitingPong;
                }
                KeepAliveState::AwaitingPong => match self.ping_pong.poll_pong(cx) {
                    Poll::Ready(Ok(_)) => {
                        self.timer
                            .as_mut()
                            .reset(Instant::now() + self.ping.interval);
                        self.state = KeepAliveState::Waiting;
                    }
                    Poll::Ready(Err(_)) => return Poll::Ready("connection failed"),
                    Poll::Pending => {
                        return match self.timer.as_mut().poll(cx) {
                            Poll::Ready(()) => Poll::Ready("no PONG in time"),
                            Poll::Pending => Poll::Pending,
                        };
                    }
                },
            }
        }
    }
}
