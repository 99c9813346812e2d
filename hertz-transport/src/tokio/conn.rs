//! `Conn` over a tokio `TcpStream`: one contiguous, growable read buffer and a write queue.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use crate::write_queue::WriteQueue;
use crate::Conn;
#[cfg(doc)]
use crate::TransportConfig;

/// A tokio byte stream (a `TcpStream` by default; TLS streams and in-memory pipes work too)
/// with Hertz-style buffers.
#[derive(Debug)]
pub struct TokioConn<S = TcpStream> {
    stream: S,
    rbuf: BytesMut,
    read_buffer_size: usize,
    writes: WriteQueue,
    read_deadline: Deadline,
    write_deadline: Deadline,
    peer: SocketAddr,
    local: SocketAddr,
    /// The protocol negotiated with ALPN, when the stream is TLS.
    alpn: Option<Box<[u8]>>,
}

impl<S> TokioConn<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Wraps an accepted stream. `read_buffer_size` is the initial (and shrink-back) size of
    /// the read buffer; [`TransportConfig::read_buffer_size`] is the usual choice.
    pub fn new(stream: S, peer: SocketAddr, local: SocketAddr, read_buffer_size: usize) -> Self {
        Self {
            stream,
            rbuf: BytesMut::with_capacity(read_buffer_size),
            read_buffer_size,
            writes: WriteQueue::new(read_buffer_size),
            read_deadline: Deadline::default(),
            write_deadline: Deadline::default(),
            peer,
            local,
            alpn: None,
        }
    }

    /// Records the protocol negotiated with ALPN, reported by [`Conn::alpn_protocol`].
    pub fn with_alpn_protocol(mut self, protocol: Option<&[u8]>) -> Self {
        self.alpn = protocol.map(Box::from);
        self
    }
}

impl<S> Conn for TokioConn<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        self.read_deadline.check()?;
        if self.rbuf.capacity() - self.rbuf.len() < 1024 {
            // Grow geometrically so a large request head costs O(log n) reallocations.
            let grow = self.read_buffer_size.max(self.rbuf.len());
            self.rbuf.reserve(grow);
        }
        match tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.rbuf) {
            Poll::Ready(res) => Poll::Ready(res),
            Poll::Pending => {
                self.read_deadline.register(cx)?;
                Poll::Pending
            }
        }
    }

    fn len(&self) -> usize {
        self.rbuf.len()
    }

    fn peek(&mut self, n: usize) -> &[u8] {
        &self.rbuf[..n.min(self.rbuf.len())]
    }

    fn skip(&mut self, n: usize) {
        self.rbuf.advance(n.min(self.rbuf.len()));
    }

    fn read_bytes(&mut self, n: usize) -> Bytes {
        self.rbuf.split_to(n.min(self.rbuf.len())).freeze()
    }

    fn reserve(&mut self, additional: usize) {
        self.rbuf.reserve(additional);
    }

    fn release(&mut self) {
        if self.rbuf.is_empty() && self.rbuf.capacity() > 4 * self.read_buffer_size {
            self.rbuf = BytesMut::with_capacity(self.read_buffer_size);
        }
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
        while !self.writes.is_empty() {
            self.write_deadline.check()?;
            let stream = Pin::new(&mut self.stream);
            let written = match self.writes.with_iovecs(|iovs| match iovs {
                // One piece: `send` rather than `writev`, which also passes through the
                // VFS layer for a socket.
                [one] => stream.poll_write(cx, one),
                _ => stream.poll_write_vectored(cx, iovs),
            }) {
                Poll::Ready(res) => res?,
                Poll::Pending => {
                    self.write_deadline.register(cx)?;
                    return Poll::Pending;
                }
            };
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.writes.consume(written);
        }
        // A TLS stream may accept plaintext while its ciphertext still waits for the socket;
        // flushing the stream sends it (a no-op for a bare `TcpStream`).
        if Pin::new(&mut self.stream).poll_flush(cx)?.is_pending() {
            self.write_deadline.register(cx)?;
            return Poll::Pending;
        }
        self.writes.shrink();
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(cx))?;
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn set_read_deadline(&mut self, deadline: Option<Instant>) {
        self.read_deadline.set(deadline);
    }

    fn set_write_deadline(&mut self, deadline: Option<Instant>) {
        self.write_deadline.set(deadline);
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        Some(self.peer)
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        Some(self.local)
    }

    fn alpn_protocol(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }
}

/// An optional deadline backed by a lazily created, reusable tokio timer.
///
/// Deadlines usually move forward (each request sets `now + timeout`), and re-arming a
/// timer costs a trip through tokio's timer wheel. So the timer is only moved *earlier*:
/// when it fires before the current deadline, [`Deadline::register`] notices the deadline
/// has not passed and re-arms it then — once per timeout period instead of once per request.
#[derive(Debug, Default)]
struct Deadline {
    at: Option<Instant>,
    /// Allocated on the first wait that needs it, then reset in place.
    timer: Option<Pin<Box<Sleep>>>,
    armed_for: Option<Instant>,
}

impl Deadline {
    fn set(&mut self, at: Option<Instant>) {
        self.at = at;
    }

    /// Fails at once when the deadline has already passed, so a peer that trickles bytes
    /// cannot keep a read going forever.
    fn check(&self) -> io::Result<()> {
        match self.at {
            Some(at) if Instant::now() >= at => Err(timed_out()),
            _ => Ok(()),
        }
    }

    /// Called when the socket is not ready: arranges a wake-up no later than the deadline,
    /// or fails if it has passed.
    fn register(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Some(at) = self.at else {
            return Ok(());
        };
        loop {
            let timer = self.timer.get_or_insert_with(|| {
                Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(at)))
            });
            if self.armed_for.is_none_or(|armed| armed > at) {
                timer.as_mut().reset(tokio::time::Instant::from_std(at));
                self.armed_for = Some(at);
            }
            match timer.as_mut().poll(cx) {
                Poll::Pending => return Ok(()),
                Poll::Ready(()) if Instant::now() >= at => return Err(timed_out()),
                // Fired for an earlier deadline: re-arm for the current one.
                Poll::Ready(()) => self.armed_for = None,
            }
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline exceeded")
}
