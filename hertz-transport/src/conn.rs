//! The connection abstraction every transport implements.

use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::{Bytes, BytesMut};

/// One accepted connection: a buffered, zero-copy reader and a batching writer.
///
/// Reading is two-phase, as in Hertz's `network.Reader`: [`poll_fill`](Conn::poll_fill) moves
/// bytes from the socket into the connection's buffer, and the other read methods look at or
/// consume what is buffered without touching the socket. Writing is also two-phase: append with
/// [`write_buf`](Conn::write_buf) / [`write_bytes`](Conn::write_bytes), then
/// [`poll_flush`](Conn::poll_flush).
///
/// The trait is object safe; protocols receive a `Box<dyn Conn>`.
pub trait Conn: Send + 'static {
    /// Reads at least one more byte from the socket into the buffer, growing it when full.
    ///
    /// Returns the number of bytes added; `Ok(0)` means the peer closed its side. Fails with
    /// `ErrorKind::TimedOut` once the read deadline has passed.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>>;

    /// Number of buffered bytes not yet consumed.
    fn len(&self) -> usize;

    /// Whether no unconsumed bytes are buffered.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A contiguous view of the first `min(n, len())` buffered bytes, without consuming them.
    fn peek(&mut self, n: usize) -> &[u8];

    /// Consumes `min(n, len())` buffered bytes.
    fn skip(&mut self, n: usize);

    /// Takes the first `min(n, len())` buffered bytes out as a [`Bytes`] that shares the buffer
    /// instead of copying it.
    fn read_bytes(&mut self, n: usize) -> Bytes;

    /// Makes room for `additional` more bytes the caller knows are coming (a body whose
    /// length the head announced), so they arrive in as few reads as possible and end up
    /// contiguous: a following [`read_bytes`](Self::read_bytes) of all of them copies nothing.
    /// The memory is taken at once, so callers bound `additional` (a peer can announce any
    /// length).
    fn reserve(&mut self, additional: usize);

    /// Gives memory held for already-consumed bytes back (call between requests). A buffer that
    /// grew for one large request shrinks back to its initial size here once it is empty.
    fn release(&mut self);

    /// The output buffer: bytes appended here are sent by the next flush (Hertz's `Malloc`).
    fn write_buf(&mut self) -> &mut BytesMut;

    /// Queues `data` after everything appended so far, without copying large payloads.
    fn write_bytes(&mut self, data: Bytes);

    /// Number of bytes appended or queued but not yet written to the socket.
    fn pending_write(&self) -> usize;

    /// Writes everything pending, with as few vectored writes as the socket allows. Fails with
    /// `ErrorKind::TimedOut` once the write deadline has passed.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes, then shuts down the write side so the peer sees end-of-stream.
    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Sets (or clears) the instant after which reads fail with `TimedOut`.
    fn set_read_deadline(&mut self, deadline: Option<Instant>);

    /// Sets (or clears) the instant after which writes fail with `TimedOut`.
    fn set_write_deadline(&mut self, deadline: Option<Instant>);

    /// The peer's address.
    fn peer_addr(&self) -> Option<SocketAddr>;

    /// The local address the connection was accepted on.
    fn local_addr(&self) -> Option<SocketAddr>;

    /// The application protocol negotiated with ALPN during the TLS handshake
    /// ([RFC 7301](https://www.rfc-editor.org/rfc/rfc7301)), e.g. `b"h2"`; `None` for
    /// cleartext connections and when the client offered no ALPN.
    fn alpn_protocol(&self) -> Option<&[u8]> {
        None
    }
}

/// `async` forms of [`Conn`]'s poll methods.
pub trait ConnExt: Conn {
    /// Reads more bytes into the buffer; see [`Conn::poll_fill`].
    ///
    /// # Cancel safety
    /// Cancel safe: bytes already read stay in the buffer.
    fn fill(&mut self) -> impl Future<Output = io::Result<usize>> + Send {
        poll_fn(move |cx| self.poll_fill(cx))
    }

    /// Writes everything pending; see [`Conn::poll_flush`].
    ///
    /// # Cancel safety
    /// Cancel safe: unwritten bytes stay pending.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + Send {
        poll_fn(move |cx| self.poll_flush(cx))
    }
}

impl<C: Conn + ?Sized> ConnExt for C {}
