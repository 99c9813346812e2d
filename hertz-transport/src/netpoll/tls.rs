//! TLS on the netpoll transport: rustls's connection state machine, driven from the loop.
//!
//! No tokio and no extra thread: the connection's task (polled by its loop) sniffs the first
//! byte, answers plain HTTP, and runs the handshake by calling `rustls::ServerConnection`'s
//! `read_tls` / `process_new_packets` / `write_tls` whenever the loop has seen the socket
//! ready — the same readiness flags, epoll interest and timer heap as cleartext connections,
//! so a stalled handshake costs one timer and no thread. The phases follow `crate::tls`.
//!
//! Once the handshake is done the task serves a [`NetpollTlsConn`]: reads pull ciphertext
//! with `read_tls`, decrypt it with `process_new_packets` and copy the plaintext into the
//! same linked buffer as cleartext; flushes hand the write queue's pieces to rustls's
//! `writer()` (one vectored call, encrypted into records) and send the records with
//! `write_tls` (one `sendmsg`). Which `Conn` a connection gets is chosen once, at accept, so
//! the cleartext path has no TLS branch at all.

use std::future::{poll_fn, Future};
use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rustls::ServerConnection;

use super::buffer::LinkedBuffer;
use super::conn::check;
use super::io::{Direction, IoShared, SocketWriter};
use crate::tls::{Opening, PLAIN_HTTP_ANSWER, PLAIN_HTTP_DRAIN};
use crate::write_queue::WriteQueue;
use crate::{CancelToken, Conn, ConnHandler};

/// Sets up TLS on each connection a loop accepts; shared by all loops of a transport.
pub(crate) struct TlsAcceptor {
    config: Arc<rustls::ServerConfig>,
    timeout: Duration,
    buffer_size: usize,
    /// Connections still in the handshake close when shutdown begins: no request of theirs
    /// is in flight.
    shutdown: CancelToken,
}

/// How opening a connection ended, when it did not end with TLS up.
enum Refused {
    PlainHttp,
    NotTls(u8),
    Closed,
    Shutdown,
}

impl TlsAcceptor {
    /// `timeout` bounds sniffing plus the handshake; `buffer_size` is each connection's
    /// read buffer node size.
    pub(crate) fn new(
        config: Arc<rustls::ServerConfig>,
        timeout: Duration,
        buffer_size: usize,
        shutdown: CancelToken,
    ) -> Self {
        TlsAcceptor {
            config,
            timeout,
            buffer_size,
            shutdown,
        }
    }

    /// The connection's task: TLS set-up, then `handler` serving the TLS connection.
    pub(crate) fn serve(
        self: &Arc<Self>,
        io: Arc<IoShared>,
        handler: Arc<dyn ConnHandler>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let acceptor = self.clone();
        Box::pin(async move {
            if let Some(conn) = acceptor.accept(io).await {
                handler.on_conn(Box::new(conn)).await;
            }
        })
    }

    /// Sets up TLS on `io`; `None` when the connection is to be closed instead (the reason
    /// is logged at debug).
    async fn accept(&self, io: Arc<IoShared>) -> Option<NetpollTlsConn> {
        let peer = io.stream.peer_addr().ok();
        let deadline = crate::clock::now() + self.timeout;
        let opened = {
            let mut cancelled = pin!(self.shutdown.cancelled());
            let mut opening = pin!(self.open(&io, deadline));
            poll_fn(|cx| {
                if cancelled.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(Err(Refused::Shutdown)));
                }
                opening.as_mut().poll(cx)
            })
            .await
        };
        match opened {
            Ok(Ok(tls)) => Some(NetpollTlsConn::new(io, tls, self.buffer_size)),
            Ok(Err(Refused::PlainHttp)) => {
                tracing::debug!(?peer, "plain HTTP on the TLS port; answered 400");
                None
            }
            Ok(Err(Refused::NotTls(first))) => {
                tracing::debug!(?peer, first_byte = first, "not a TLS handshake; closing");
                None
            }
            Ok(Err(Refused::Closed | Refused::Shutdown)) => None,
            Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                tracing::debug!(?peer, timeout = ?self.timeout, "TLS handshake timed out; closing");
                None
            }
            Err(err) => {
                tracing::debug!(?peer, error = %err, "TLS handshake failed; closing");
                None
            }
        }
    }

    async fn open(
        &self,
        io: &IoShared,
        deadline: Instant,
    ) -> io::Result<Result<ServerConnection, Refused>> {
        let deadline = Some(deadline);
        let first = poll_fn(|cx| {
            poll_io(io, Direction::Read, cx, deadline, || {
                let mut first = [0u8; 1];
                Ok((io.stream.peek(&mut first)? > 0).then_some(first[0]))
            })
        })
        .await?;
        let Some(first) = first else {
            return Ok(Err(Refused::Closed));
        };
        match Opening::sniff(first) {
            Opening::Tls => handshake(io, &self.config, deadline).await.map(Ok),
            Opening::PlainHttp => {
                answer_plain_http(io, deadline).await?;
                Ok(Err(Refused::PlainHttp))
            }
            Opening::NotTls(byte) => Ok(Err(Refused::NotTls(byte))),
        }
    }
}

/// Runs the rustls handshake to completion, then sends what it left queued (TLS 1.3 session
/// tickets) so the client is not kept waiting for them.
async fn handshake(
    io: &IoShared,
    config: &Arc<rustls::ServerConfig>,
    deadline: Option<Instant>,
) -> io::Result<ServerConnection> {
    let mut tls = ServerConnection::new(config.clone()).map_err(invalid_data)?;
    while tls.is_handshaking() {
        if tls.wants_write() {
            poll_fn(|cx| poll_send(io, &mut tls, cx, deadline)).await?;
            continue;
        }
        if poll_fn(|cx| poll_recv(io, &mut tls, cx, deadline)).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed during the handshake",
            ));
        }
        process(io, &mut tls)?;
    }
    while tls.wants_write() {
        poll_fn(|cx| poll_send(io, &mut tls, cx, deadline)).await?;
    }
    Ok(tls)
}

/// Writes [`PLAIN_HTTP_ANSWER`], ends the write side, and reads (discarding) what the client
/// sent until it closes or [`PLAIN_HTTP_DRAIN`] bytes went by.
async fn answer_plain_http(io: &IoShared, deadline: Option<Instant>) -> io::Result<()> {
    let mut rest = PLAIN_HTTP_ANSWER;
    while !rest.is_empty() {
        let n = poll_fn(|cx| {
            poll_io(io, Direction::Write, cx, deadline, || {
                (&io.stream).write(rest)
            })
        })
        .await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        rest = &rest[n..];
    }
    io.stream.shutdown(Shutdown::Write)?;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < PLAIN_HTTP_DRAIN {
        let n = poll_fn(|cx| {
            poll_io(io, Direction::Read, cx, deadline, || {
                (&io.stream).read(&mut sink)
            })
        })
        .await?;
        if n == 0 {
            break;
        }
        drained += n;
    }
    Ok(())
}

/// Runs `op` once the loop has seen the socket ready for `direction`; `WouldBlock` clears
/// that readiness and waits for epoll (until `deadline`) like the cleartext path does.
fn poll_io<T>(
    io: &IoShared,
    direction: Direction,
    cx: &mut Context<'_>,
    deadline: Option<Instant>,
    mut op: impl FnMut() -> io::Result<T>,
) -> Poll<io::Result<T>> {
    check(deadline)?;
    loop {
        if !io.is_ready(direction) {
            io.wait(direction, cx.waker(), deadline);
            return Poll::Pending;
        }
        match op() {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => io.clear_ready(direction),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            done => return Poll::Ready(done),
        }
    }
}

/// Reads ciphertext into rustls (one `read`); `Ok(0)` at end of stream.
fn poll_recv(
    io: &IoShared,
    tls: &mut ServerConnection,
    cx: &mut Context<'_>,
    deadline: Option<Instant>,
) -> Poll<io::Result<usize>> {
    poll_io(io, Direction::Read, cx, deadline, || {
        let mut socket = Recv {
            stream: &io.stream,
            drained: false,
        };
        let n = tls.read_tls(&mut socket)?;
        if socket.drained {
            // As on the cleartext path: a short read emptied the socket, so wait for epoll
            // instead of probing for `EAGAIN`.
            io.clear_ready(Direction::Read);
        }
        Ok(n)
    })
}

/// Sends queued records (one `sendmsg`).
fn poll_send(
    io: &IoShared,
    tls: &mut ServerConnection,
    cx: &mut Context<'_>,
    deadline: Option<Instant>,
) -> Poll<io::Result<()>> {
    let n = ready!(poll_io(io, Direction::Write, cx, deadline, || {
        tls.write_tls(&mut SocketWriter(&io.stream))
    }))?;
    if n == 0 {
        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
    }
    Poll::Ready(Ok(()))
}

/// Decrypts what [`poll_recv`] read. On a protocol error rustls has queued an alert: it is
/// sent if the socket takes it right away, since the connection closes next.
fn process(io: &IoShared, tls: &mut ServerConnection) -> io::Result<()> {
    match tls.process_new_packets() {
        Ok(_) => Ok(()),
        Err(err) => {
            let _ = tls.write_tls(&mut SocketWriter(&io.stream));
            Err(invalid_data(err))
        }
    }
}

fn invalid_data(err: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, err)
}

/// The socket as rustls reads it, noting a short read (the socket is drained).
struct Recv<'a> {
    stream: &'a TcpStream,
    drained: bool,
}

impl Read for Recv<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (&*self.stream).read(buf)?;
        self.drained = n > 0 && n < buf.len();
        Ok(n)
    }
}

/// A TLS connection accepted by a netpoll loop: [`NetpollConn`](super::NetpollConn)'s
/// buffers and readiness, with rustls between them and the socket.
pub struct NetpollTlsConn {
    io: Arc<IoShared>,
    tls: ServerConnection,
    input: LinkedBuffer,
    writes: WriteQueue,
    read_deadline: Option<Instant>,
    write_deadline: Option<Instant>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
}

impl std::fmt::Debug for NetpollTlsConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetpollTlsConn")
            .field("peer", &self.peer)
            .field("alpn", &self.tls.alpn_protocol())
            .field("buffered", &self.input.len())
            .field("pending_write", &self.writes.pending())
            .finish_non_exhaustive()
    }
}

impl NetpollTlsConn {
    fn new(io: Arc<IoShared>, tls: ServerConnection, buffer_size: usize) -> Self {
        NetpollTlsConn {
            peer: io.stream.peer_addr().ok(),
            local: io.stream.local_addr().ok(),
            io,
            tls,
            input: LinkedBuffer::new(buffer_size),
            writes: WriteQueue::new(buffer_size),
            read_deadline: None,
            write_deadline: None,
        }
    }
}

impl Conn for NetpollTlsConn {
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // The deadline is checked where the socket is read (`poll_io`): plaintext already
        // decrypted came from a read that was in time, and one clock read per fill is enough.
        loop {
            // Plaintext rustls already decrypted comes first: the client's first request
            // often arrives with its last handshake message.
            let mut plaintext = self.tls.reader();
            match plaintext.fill_buf() {
                // An empty chunk: the client sent close_notify.
                Ok(chunk) => {
                    let n = chunk.len();
                    self.input.append(chunk);
                    plaintext.consume(n);
                    return Poll::Ready(Ok(n));
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                // The client closed without close_notify. The protocol layer already treats
                // a cut-short request as one, so this is an ordinary end of stream.
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    return Poll::Ready(Ok(0))
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
            ready!(poll_recv(&self.io, &mut self.tls, cx, self.read_deadline))?;
            process(&self.io, &mut self.tls)?;
        }
    }

    fn len(&self) -> usize {
        self.input.len()
    }

    fn peek(&mut self, n: usize) -> &[u8] {
        self.input.peek(n)
    }

    fn skip(&mut self, n: usize) {
        self.input.skip(n);
    }

    fn read_bytes(&mut self, n: usize) -> Bytes {
        self.input.read_bytes(n)
    }

    fn reserve(&mut self, additional: usize) {
        // Decrypted plaintext is appended into this room, so an announced body still ends
        // up contiguous and leaves without a further copy.
        self.input.reserve(additional);
    }

    fn release(&mut self) {
        self.input.release();
    }

    fn write_buf(&mut self) -> &mut BytesMut {
        self.writes.buf()
    }

    fn write_bytes(&mut self, data: Bytes) {
        self.writes.push(data);
    }

    fn pending_write(&self) -> usize {
        self.writes.pending()
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            // rustls encrypts what it is given, up to its buffer limit (64 KiB by default),
            // so a large response goes out in bounded steps.
            while !self.writes.is_empty() {
                let tls = &mut self.tls;
                let taken = self
                    .writes
                    .with_iovecs(|iovs| tls.writer().write_vectored(iovs))?;
                if taken == 0 {
                    break;
                }
                self.writes.consume(taken);
            }
            if !self.tls.wants_write() {
                if self.writes.is_empty() {
                    break;
                }
                // rustls refused plaintext with nothing of its own to send: it is closed.
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            ready!(poll_send(&self.io, &mut self.tls, cx, self.write_deadline))?;
        }
        self.writes.shrink();
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(cx))?;
        // Repeated calls are no-ops: rustls sends one close_notify.
        self.tls.send_close_notify();
        while self.tls.wants_write() {
            ready!(poll_send(&self.io, &mut self.tls, cx, self.write_deadline))?;
        }
        match self.io.stream.shutdown(Shutdown::Write) {
            Err(err) if err.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(err)),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn set_read_deadline(&mut self, deadline: Option<Instant>) {
        self.read_deadline = deadline;
    }

    fn set_write_deadline(&mut self, deadline: Option<Instant>) {
        self.write_deadline = deadline;
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    fn alpn_protocol(&self) -> Option<&[u8]> {
        self.tls.alpn_protocol()
    }
}

impl Drop for NetpollTlsConn {
    fn drop(&mut self) {
        self.io.deregister();
    }
}
