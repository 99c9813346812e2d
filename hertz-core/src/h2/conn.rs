//! One HTTP/2 connection: the handshake, its streams, and the three ways a connection
//! ends on the server's initiative — idle timeout, missing PONG, graceful shutdown.
//!
//! **Streams run inside the connection's task** (see `streams.rs`), not as tasks of their
//! own. One poll of the connection reads what arrived, runs the handlers of the streams it
//! opened (or woke), and flushes their responses — for a batch of requests, one read and
//! one write. On the netpoll transport this keeps a connection and its handlers on
//! the loop thread that accepted it: a spawned stream ran on tokio's threads and cost a
//! cross-thread wake-up each way per request, which made HTTP/2 three times dearer on
//! netpoll than on tokio. The price is the one every event loop pays: a handler that hogs
//! the CPU delays the other streams of its connection (move such work to
//! `tokio::task::spawn_blocking`). A panic in a stream ends only that stream.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use hertz_protocol::Server;
use hertz_transport::{clock, CancelToken, Conn};
use tokio::time::{sleep, Instant, Sleep};

use super::io::ConnIo;
use super::stream::Limits;
use super::streams::Streams;
use crate::EngineCore;

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
            let mut streams = Streams::new(peer, conn_token.clone());
            let mut phase = Phase::Serving;
            let server = &*self;
            let start = |exchange, ctx, opened| server.stream(exchange, ctx, opened);
            // Streams the connection accepted in one turn, started together after it.
            let mut accepted = Vec::new();
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
                    // Until nothing moves: accept every stream that arrived, then start
                    // them and run the woken ones, and poll the connection again, which
                    // flushes all their responses in one write. (Accepting drives the
                    // connection's I/O: a stream started between two accepts would have its
                    // response written on its own.)
                    loop {
                        let mut moved = false;
                        loop {
                            match connection.poll_accept(cx) {
                                Poll::Ready(Some(Ok(stream))) => {
                                    accepted.push(stream);
                                    moved = true;
                                }
                                Poll::Ready(Some(Err(err))) => {
                                    return Poll::Ready(Event::Failed(err));
                                }
                                Poll::Ready(None) => return Poll::Ready(Event::Closed),
                                Poll::Pending => break,
                            }
                        }
                        for stream in accepted.drain(..) {
                            streams.start(cx, server, stream, start);
                        }
                        if !streams.poll_run(cx) && !moved {
                            break;
                        }
                        if streams.is_idle() {
                            idle.restart();
                        }
                    }
                    if serving && streams.is_idle() && idle.poll_expired(cx).is_ready() {
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
            streams.finish().await;
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
