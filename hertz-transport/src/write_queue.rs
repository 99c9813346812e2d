//! The batching writer shared by every `Conn`: an output buffer for small pieces and a queue
//! of shared payloads, sent in order with vectored writes.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Payloads up to this size are copied into the output buffer rather than queued: one
/// contiguous write beats an extra iovec for small bodies.
const COPY_THRESHOLD: usize = 4 * 1024;
/// At most this many iovecs per `writev`.
const MAX_IOVECS: usize = 64;

/// Pending output, in order: `queue` first, then `buf`.
#[derive(Debug)]
pub(crate) struct WriteQueue {
    queue: VecDeque<Bytes>,
    buf: BytesMut,
    initial: usize,
}

impl WriteQueue {
    pub(crate) fn new(initial: usize) -> Self {
        WriteQueue {
            queue: VecDeque::new(),
            buf: BytesMut::with_capacity(initial),
            initial,
        }
    }

    pub(crate) fn buf(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    pub(crate) fn push(&mut self, data: Bytes) {
        if data.len() <= COPY_THRESHOLD {
            self.buf.extend_from_slice(&data);
            return;
        }
        if !self.buf.is_empty() {
            let head = self.buf.split().freeze();
            self.queue.push_back(head);
        }
        self.queue.push_back(data);
    }

    pub(crate) fn pending(&self) -> usize {
        // Asked about several times a request; usually nothing is queued.
        if self.queue.is_empty() {
            return self.buf.len();
        }
        self.queue.iter().map(Bytes::len).sum::<usize>() + self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty() && self.buf.is_empty()
    }

    /// Calls `write` with the next pieces to send, in order.
    pub(crate) fn with_iovecs<R>(&self, write: impl FnOnce(&[IoSlice<'_>]) -> R) -> R {
        if self.queue.is_empty() {
            // The common case, small responses: one piece, no iovec array to set up.
            return write(&[IoSlice::new(&self.buf)]);
        }
        let mut iovs = [IoSlice::new(&[]); MAX_IOVECS];
        let count = self.iovecs(&mut iovs);
        write(&iovs[..count])
    }

    /// Fills `iovs` with the next pieces to send; returns how many were set.
    fn iovecs<'a>(&'a self, iovs: &mut [IoSlice<'a>; MAX_IOVECS]) -> usize {
        let mut count = 0;
        for chunk in self.queue.iter().take(MAX_IOVECS - 1) {
            iovs[count] = IoSlice::new(chunk);
            count += 1;
        }
        // The output buffer follows the queue, so it goes out only behind all of it.
        if count == self.queue.len() && !self.buf.is_empty() {
            iovs[count] = IoSlice::new(&self.buf);
            count += 1;
        }
        count
    }

    /// Drops `n` written bytes from the front.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        if self.queue.is_empty() && n == self.buf.len() {
            // The common case, a small response sent whole: emptying the buffer keeps its
            // room from the start (`advance` would move the start and give up room that a
            // later `reserve` has to win back).
            self.buf.clear();
        } else {
            self.consume_partly(n);
        }
    }

    /// [`consume`](Self::consume) of queued payloads or part of the buffer: out of line, so
    /// the common case stays small.
    #[inline(never)]
    fn consume_partly(&mut self, mut n: usize) {
        while n > 0 {
            match self.queue.front_mut() {
                Some(front) if front.len() <= n => {
                    n -= front.len();
                    self.queue.pop_front();
                }
                Some(front) => {
                    front.advance(n);
                    return;
                }
                None => {
                    self.buf.advance(n);
                    return;
                }
            }
        }
    }

    /// After a flush: a buffer that grew for one large response shrinks back.
    #[inline]
    pub(crate) fn shrink(&mut self) {
        if self.buf.capacity() > 4 * self.initial {
            self.buf = BytesMut::with_capacity(self.initial);
        }
    }
}
