//! One HTTP/2 connection: the handshake, accepting streams, and the three ways a connection
//! ends on the server's initiative — idle timeout, missing PONG, graceful shutdown.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use hertz_protocol::Server;
use hertz_transport::{CancelToken, Conn};
use tokio::task::JoinSet;
use tokio::time::{sleep, Instant, Sleep};

use super::io::ConnIo;
use super::stream::Limits;
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

/// Where the accept loop is.
enum Phase {
    /// Accepting streams.
    Serving,
    /// GOAWAY sent for a graceful shutdown: streams in flight finish, new ones are refused.
    Draining,
}

impl Server for H2Server {
    fn serve_conn(
        self: Arc<Self>,
        conn: Box<dyn Conn>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let peer = conn.peer_addr();
            let mut builder = h2::server::Builder::new();
            builder
                .max_header_list_size(self.settings.max_header_list_size)
                .max_concurrent_streams(self.settings.max_concurrent_streams);
            let handshake = builder.handshake::<_, Bytes>(ConnIo { conn });
            let mut connection =
                match tokio::time::timeout(self.settings.preface_timeout, handshake).await {
                    Ok(Ok(connection)) => connection,
                    Ok(Err(err)) => {
                        tracing::debug!(error = %err, "HTTP/2 handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!("no HTTP/2 preface in time; closing");
                        return;
                    }
                };
            let mut keep_alive = self.settings.ping.and_then(|ping| {
                connection
                    .ping_pong()
                    .map(|ping_pong| KeepAlive::new(ping_pong, ping))
            });
            let conn_token = shutdown.child();
            let mut streams = JoinSet::new();
            let mut phase = Phase::Serving;
            let idle_timeout = self.settings.idle_timeout;
            let mut idle = pin!(sleep(idle_timeout));
            loop {
                let serving = matches!(phase, Phase::Serving);
                let no_streams = streams.is_empty();
                tokio::select! {
                    _ = shutdown.cancelled(), if serving => {
                        // GOAWAY: in-flight streams finish, new ones are refused.
                        connection.graceful_shutdown();
                        phase = Phase::Draining;
                    }
                    _ = idle.as_mut(), if serving && no_streams => {
                        // Nothing in flight, so nothing to drain: GOAWAY naming the last
                        // stream served, and close (as Go's server does on idle).
                        tracing::debug!(?peer, "HTTP/2 connection idle; closing");
                        connection.abrupt_shutdown(h2::Reason::NO_ERROR);
                        phase = Phase::Draining;
                    }
                    Some(_) = streams.join_next(), if !no_streams => {
                        if streams.is_empty() {
                            idle.as_mut().reset(Instant::now() + idle_timeout);
                        }
                    }
                    failed = poll_keep_alive(&mut keep_alive) => {
                        tracing::debug!(?peer, why = failed, "HTTP/2 keep-alive failed; closing");
                        break;
                    }
                    next = connection.accept() => match next {
                        Some(Ok((request, respond))) => {
                            let server = self.clone();
                            let token = conn_token.child();
                            streams.spawn(async move {
                                server.serve_stream(request, respond, token, peer).await;
                            });
                        }
                        Some(Err(err)) => {
                            tracing::debug!(error = %err, "HTTP/2 connection ended with an error");
                            break;
                        }
                        None => break,
                    },
                }
            }
            conn_token.cancel();
            // Dropping the connection ends the streams' pending reads and writes, so the
            // handlers still running can finish.
            drop(connection);
            while streams.join_next().await.is_some() {}
        })
    }
}

/// Ends when the keep-alive PING fails (never when keep-alive is off).
async fn poll_keep_alive(keep_alive: &mut Option<KeepAlive>) -> &'static str {
    match keep_alive {
        Some(keep_alive) => std::future::poll_fn(|cx| keep_alive.poll_failed(cx)).await,
        None => std::future::pending().await,
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
