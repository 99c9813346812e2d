//! The netpoll transport: hertz-rs's own epoll event loops, after CloudWeGo Netpoll.
//!
//! ```text
//!   loop thread 0                         loop thread N-1
//!   ┌────────────────────────────┐        ┌──────────────┐
//!   │ listener (SO_REUSEPORT)    │  ...   │ listener     │   the kernel spreads accepts
//!   │ epoll (level-triggered)    │        │ epoll        │
//!   │ connection tasks ──poll──▶ │        │ tasks        │
//!   │ timers (deadlines)         │        │ timers       │
//!   └────────────────────────────┘        └──────────────┘
//! ```
//!
//! **How futures run.** Each loop thread is its own small executor. A connection's future
//! (the protocol server serving it, handlers included) lives on the loop that accepted it and
//! is polled there, right after epoll reports its socket ready — no hand-off to another
//! thread, no scheduler queue between readiness and the read. Reads and writes happen only
//! when the loop has seen the socket ready, so a keep-alive request costs one `recv` and one
//! `send` (no `EAGAIN` probing), and responses to pipelined requests leave in one `send`.
//!
//! **tokio inside handlers.** The loop threads enter the tokio runtime that was current when
//! the server started, so handler code may use `tokio::time`, `tokio::spawn`, tokio channels
//! and the hertz client. Wake-ups from the runtime's threads reach the loop through an
//! eventfd. A handler that blocks the thread blocks its loop's other connections, as in any
//! event loop: move blocking work to `tokio::task::spawn_blocking`.
//!
//! **Buffers.** Input goes into a linked buffer of nodes (see `buffer.rs`): a large request
//! links more nodes instead of moving what arrived, and `read_bytes` hands out `Bytes` that
//! share a node. The socket is read straight into a node's uninitialised room; a read that
//! fills its room doubles the next node (up to 128 KiB), a read between requests gets a fresh
//! node when the room left is under half that size (so large requests are not split at
//! whatever room the last one left), and a body whose length the head announced gets its
//! room up front (`Conn::reserve`): a 16 or 64 KiB upload takes one `recv` and reaches the
//! handler without a copy. Output uses the same batching write queue as the
//! tokio transport.
//!
//! **Time.** A loop reads the clock once per iteration, after `epoll_wait`, and the code it
//! runs in that iteration sees that reading through [`crate::clock::now`] — deadlines, the
//! `Date` header — instead of reading the clock a handful of times per request (nginx's
//! cached time).
//!
//! **Back-pressure.** Epoll interest follows demand: when input arrives that nobody reads,
//! the loop stops listening for it; unread bytes stay in the kernel, the TCP window closes and
//! the sender slows down. Memory per connection is bounded by what the protocol asks to read.
//!
//! **Timeouts.** Read and write deadlines are kept by each loop in a timer heap (one entry per
//! connection, moved only earlier; see `io.rs`), and `epoll_wait` sleeps no longer than the
//! next one.
//!
//! **TLS** (see `tls.rs`). With [`TransportConfig::tls`] set, the loop gives each accepted
//! connection a task that first sets TLS up and then serves a [`NetpollTlsConn`] — chosen
//! once per connection, so cleartext connections run exactly the code they always did.
//! rustls's `ServerConnection` is driven by hand, with no tokio in between: the task sniffs
//! the first byte (plain HTTP gets `400` and a close), then alternates `read_tls` +
//! `process_new_packets` and `write_tls` until the handshake is done, each only when the
//! loop has seen the socket ready — the same readiness flags, epoll interest and timer heap
//! as cleartext I/O, so a client stalling mid-handshake costs one timer entry, and the
//! handshake deadline ([`TransportConfig::handshake_timeout`]) is an ordinary deadline.
//! Shutdown closes connections still in the handshake. Afterwards reads decrypt into the
//! same linked buffer; flushes hand the write queue to rustls's `writer()` in one vectored
//! call and send its records with `write_tls` (one `sendmsg`), waiting on `EPOLLOUT` when the
//! socket is full; `poll_shutdown` sends `close_notify`.
//!
//! Linux only (epoll).

mod buffer;
mod conn;
mod event_loop;
mod io;
mod local;
mod poller;
mod task;
mod tls;

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub use conn::NetpollConn;
pub use tls::NetpollTlsConn;

use event_loop::{EventLoop, LoopSetup};
use local::LoopShared;
use poller::Poller;
use tls::TlsAcceptor;

use crate::{CancelToken, ConnHandler, Transport, TransportConfig};

/// Bound listeners, one per loop, waiting to [`serve`](Transport::serve).
#[derive(Debug)]
pub struct NetpollTransport {
    listeners: Vec<TcpListener>,
    config: TransportConfig,
    local_addr: SocketAddr,
}

impl NetpollTransport {
    /// Binds `config.loops` listeners on `config.addr` with `SO_REUSEPORT`, so each loop
    /// accepts its own share of connections.
    pub fn bind(config: &TransportConfig) -> std::io::Result<Self> {
        let loops = config.loops.max(1);
        let first = reuseport_listener(config.addr, config.backlog)?;
        let local_addr = first.local_addr()?;
        let mut listeners = vec![first];
        for _ in 1..loops {
            listeners.push(reuseport_listener(local_addr, config.backlog)?);
        }
        Ok(NetpollTransport {
            listeners,
            config: config.clone(),
            local_addr,
        })
    }
}

fn reuseport_listener(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog.min(i32::MAX as u32) as i32)?;
    Ok(socket.into())
}

impl Transport for NetpollTransport {
    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn serve(
        self: Box<Self>,
        handler: Arc<dyn ConnHandler>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>> {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let expected = self.listeners.len();
        let running = Arc::new(AtomicUsize::new(expected));
        let done = CancelToken::new();
        let mut loops = Vec::new();
        let mut started = Ok(());
        let tls = self.config.tls.clone().map(|config| {
            Arc::new(TlsAcceptor::new(
                config,
                self.config.handshake_timeout,
                self.config.read_buffer_size,
                shutdown.clone(),
            ))
        });
        for (id, listener) in self.listeners.into_iter().enumerate() {
            let setup = Poller::new().map(|poller| LoopSetup {
                shared: Arc::new(LoopShared::new(id, poller)),
                handler: handler.clone(),
                buffer_size: self.config.read_buffer_size,
                nodelay: self.config.tcp_nodelay,
                tls: tls.clone(),
                runtime: runtime.clone(),
                running: running.clone(),
                done: done.clone(),
            });
            let spawned = setup.and_then(|setup| {
                let shared = setup.shared.clone();
                let event_loop = EventLoop::new(setup, listener)?;
                std::thread::Builder::new()
                    .name(format!("hertz-netpoll-{id}"))
                    .spawn(move || event_loop.run())?;
                Ok(shared)
            });
            match spawned {
                Ok(shared) => loops.push(shared),
                Err(err) => {
                    started = Err(err);
                    break;
                }
            }
        }
        // Loops that started count themselves down as they stop; the rest never will.
        let never_started = expected - loops.len();
        if never_started > 0 && running.fetch_sub(never_started, Ordering::AcqRel) == never_started
        {
            done.cancel();
        }
        let exit_wait = self.config.exit_wait;
        Box::pin(async move {
            if started.is_ok() {
                shutdown.cancelled().await;
            }
            let stop_at = Instant::now() + exit_wait;
            for shared in &loops {
                shared.remote(|r| r.stop_at = Some(stop_at));
            }
            done.cancelled().await;
            started
        })
    }
}
