//! `Conn` over a netpoll socket: a linked read buffer and the shared write queue, doing I/O
//! only when the loop has seen the socket ready.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::buffer::LinkedBuffer;
use super::io::{Direction, IoShared, SocketWriter};
use crate::write_queue::WriteQueue;
use crate::Conn;

/// A connection accepted by a netpoll loop. It belongs to that loop: its readiness is
/// reported there, so it should be driven by the future the loop polls.
#[derive(Debug)]
pub struct NetpollConn {
    io: Arc<IoShared>,
    input: LinkedBuffer,
    writes: WriteQueue,
    read_deadline: Option<Instant>,
    write_deadline: Option<Instant>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
}

impl NetpollConn {
    pub(crate) fn new(io: Arc<IoShared>, buffer_size: usize) -> Self {
        NetpollConn {
            peer: io.stream.peer_addr().ok(),
            local: io.stream.local_addr().ok(),
            io,
            input: LinkedBuffer::new(buffer_size),
            writes: WriteQueue::new(buffer_size),
            read_deadline: None,
            write_deadline: None,
        }
    }
}

/// Fails with `TimedOut` once `deadline` has passed.
pub(super) fn check(deadline: Option<Instant>) -> io::Result<()> {
    match deadline {
        Some(at) if crate::clock::now() >= at => {
            Err(io::Error::new(io::ErrorKind::TimedOut, "deadline exceeded"))
        }
        _ => Ok(()),
    }
}

impl Conn for NetpollConn {
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        check(self.read_deadline)?;
        let io = &*self.io;
        loop {
            if !io.is_ready(Direction::Read) {
                io.wait(Direction::Read, cx.waker(), self.read_deadline);
                return Poll::Pending;
            }
            match self.input.read_from(&io.stream) {
                Ok((n, room)) => {
                    // A short read drained the socket; epoll says when more arrives.
                    if n > 0 && n < room {
                        io.clear_ready(Direction::Read);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    io.clear_ready(Direction::Read)
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    fn len(&self) -> usize {
        self.input.len()
    }

    // Overridden so the protocol's calls through the vtable do not make a second one to
    // `len`.
    fn is_empty(&self) -> bool {
        self.input.len() == 0
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
        let io = &*self.io;
        while !self.writes.is_empty() {
            check(self.write_deadline)?;
            if !io.is_ready(Direction::Write) {
                io.wait(Direction::Write, cx.waker(), self.write_deadline);
                return Poll::Pending;
            }
            match self
                .writes
                .with_iovecs(|iovs| SocketWriter(&io.stream).write_vectored(iovs))
            {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.writes.consume(n),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    io.clear_ready(Direction::Write)
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
        self.writes.shrink();
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_flush(cx))?;
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
}

impl Drop for NetpollConn {
    fn drop(&mut self) {
        self.io.deregister();
    }
}
