//! The linked read buffer: a chain of nodes that grows with traffic and shrinks back.
//!
//! Reads land in the spare room of the last node; a new node is linked when it fills up, so
//! a large request never moves what is already buffered. Contiguity is produced only when a
//! caller needs it ([`LinkedBuffer::peek`] over more than the first node), by merging the
//! chain into one node with room to grow — geometric, so a request head that arrives in many
//! pieces is copied O(n) times in total, not O(n²). [`LinkedBuffer::read_bytes`] hands out
//! `Bytes` that share a node's memory.
//!
//! Nodes are not zero-filled: the socket reads straight into a node's uninitialised room
//! ([`LinkedBuffer::read_from`]), the one place that needs `unsafe` here. A body whose length
//! is announced gets a node of its size up front ([`LinkedBuffer::reserve`]), so it arrives
//! in one read where the kernel has it all, and leaves as one `Bytes` without a copy.

use std::collections::VecDeque;
use std::io;
use std::os::fd::AsFd;

use bytes::{Buf, Bytes, BytesMut};
use rustix::net::RecvFlags;

/// A read is not attempted into less room than this; a fresh node is linked instead.
const MIN_SPARE: usize = 1024;
/// Nodes grow up to this size for connections whose reads keep filling them.
const MAX_NODE: usize = 128 * 1024;

#[derive(Debug)]
struct Node {
    /// Buffered input; the room for more is the spare capacity, uninitialised.
    data: BytesMut,
}

impl Node {
    fn new(size: usize) -> Node {
        Node {
            data: BytesMut::with_capacity(size),
        }
    }

    /// No node: no memory, no room (so the next read links a real one).
    fn none() -> Node {
        Node {
            data: BytesMut::new(),
        }
    }

    fn filled(&self) -> usize {
        self.data.len()
    }

    fn spare(&self) -> usize {
        self.data.capacity() - self.data.len()
    }
}

/// Buffered, not yet consumed input of one connection.
///
/// The chain is `head` followed by `rest`. The first node is kept out of the deque: it is
/// where every request is parsed and consumed from and, while it is the only node (nearly
/// always), where reads land, so the hot paths touch a field instead of doing a deque's
/// index arithmetic. An empty chain is a `head` without memory ([`Node::none`]). `head`
/// holds nothing unread only when `rest` is empty.
#[derive(Debug)]
pub(crate) struct LinkedBuffer {
    head: Node,
    rest: VecDeque<Node>,
    len: usize,
    /// The configured node size: the floor for `next_size`.
    node_size: usize,
    /// The size of the next node: doubled (up to [`MAX_NODE`]) each time a read fills all
    /// the room it was given, as Netpoll sizes its reads, so a connection that streams large
    /// bodies needs few reads and one that sends small requests keeps small nodes.
    next_size: usize,
}

impl LinkedBuffer {
    pub(crate) fn new(node_size: usize) -> Self {
        let node_size = node_size.max(2 * MIN_SPARE);
        LinkedBuffer {
            head: Node::none(),
            rest: VecDeque::new(),
            len: 0,
            node_size,
            next_size: node_size,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The node to read into: the last one, or a fresh one when it is nearly full — or when
    /// it holds nothing unread and its room is well short of what reads have been taking
    /// (`next_size`), so that a connection of large requests reads each request in one
    /// `recv` instead of splitting it at whatever room an earlier one left.
    #[inline]
    fn tail(&mut self) -> &mut Node {
        let next_size = self.next_size;
        let tail = self.rest.back().unwrap_or(&self.head);
        let keep = if tail.filled() == 0 {
            tail.spare() >= next_size / 2
        } else {
            tail.spare() >= MIN_SPARE
        };
        if !keep {
            self.link_fresh_tail();
        }
        // A read between requests usually keeps the tail: linking stays out of line.
        match self.rest.back_mut() {
            Some(tail) => tail,
            None => &mut self.head,
        }
    }

    /// Links a fresh node of `next_size` at the end, in place of an empty tail.
    #[inline(never)]
    fn link_fresh_tail(&mut self) {
        let fresh = Node::new(self.next_size);
        match self.rest.back() {
            None if self.head.filled() == 0 => self.head = fresh,
            None => self.rest.push_back(fresh),
            Some(tail) => {
                if tail.filled() == 0 {
                    self.rest.pop_back();
                }
                self.rest.push_back(fresh);
            }
        }
    }

    /// One `recv(2)` from the socket `fd` into the room at the end of the chain (`recv`, not
    /// `read`: it skips the VFS layer a `read` of a socket goes through). Returns what it
    /// returned (`Ok(0)`: end of stream) and how much room it was given, so a caller can tell
    /// a read that drained the socket from one that filled the room.
    pub(crate) fn read_from(&mut self, fd: impl AsFd) -> io::Result<(usize, usize)> {
        let tail = &mut self.tail().data;
        let room = tail.capacity() - tail.len();
        let ((read, _), _) = rustix::net::recv(fd, tail.spare_capacity_mut(), RecvFlags::empty())?;
        let n = read.len();
        // SAFETY: `rustix::net::recv` returned `read`, the first `n` bytes of the spare
        // capacity, as initialised by the kernel; `set_len` exposes exactly those, and
        // `n <= room` because the slice it returns lies within the one it was given.
        unsafe { tail.set_len(tail.len() + n) };
        self.len += n;
        if n == room {
            self.next_size = (2 * self.next_size).min(MAX_NODE.max(self.node_size));
        }
        Ok((n, room))
    }

    /// Appends `bytes` that did not come straight from a socket (plaintext decrypted by TLS).
    pub(crate) fn append(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let tail = &mut self.tail().data;
            let n = (tail.capacity() - tail.len()).min(bytes.len());
            tail.extend_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
    }

    /// Makes the last node able to take `wanted` more bytes after what is buffered,
    /// moving the unread remainder along so that everything from the first unread byte on
    /// stays in one node (a body split across nodes would be copied whole when read).
    pub(crate) fn reserve(&mut self, wanted: usize) {
        let tail = self.rest.back().unwrap_or(&self.head);
        // A chain without memory has no tail to reserve in, however little is wanted.
        if tail.data.capacity() > 0 && tail.spare() >= wanted {
            return;
        }
        self.gather(self.len + wanted.max(self.node_size));
    }

    /// The first `min(n, len)` bytes, contiguous.
    pub(crate) fn peek(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.len);
        if n == 0 {
            return &[];
        }
        self.make_contiguous(n);
        &self.head.data[..n]
    }

    /// Consumes `min(n, len)` bytes.
    pub(crate) fn skip(&mut self, n: usize) {
        let mut n = n.min(self.len);
        while n > 0 {
            let k = n.min(self.head.filled());
            self.head.data.advance(k);
            n -= k;
            self.len -= k;
            self.unlink_empty_head();
        }
    }

    /// Takes the first `min(n, len)` bytes out, sharing the node's memory.
    pub(crate) fn read_bytes(&mut self, n: usize) -> Bytes {
        let n = n.min(self.len);
        if n == 0 {
            return Bytes::new();
        }
        self.make_contiguous(n);
        let out = self.head.data.split_to(n).freeze();
        self.len -= n;
        self.unlink_empty_head();
        out
    }

    /// Between requests: when nothing is buffered, drop nodes beyond the first and a first
    /// node that grew for one large request, so idle connections hold little memory.
    #[inline]
    pub(crate) fn release(&mut self) {
        if self.len == 0
            && (!self.rest.is_empty() || self.head.data.capacity() > 4 * self.node_size)
        {
            self.drop_nodes();
        }
    }

    /// Out of line: most calls keep the node, and dropping nodes is a loop.
    #[inline(never)]
    fn drop_nodes(&mut self) {
        self.head = Node::none();
        self.rest.clear();
    }

    /// Makes the first node hold at least `n` bytes by merging the whole chain into one node
    /// with room to double.
    #[inline]
    fn make_contiguous(&mut self, n: usize) {
        // Inlined check, out-of-line merge: nearly every call finds the bytes in one node.
        if self.head.filled() < n {
            self.merge();
        }
    }

    /// Merges the whole chain into one node with room to double.
    #[cold]
    fn merge(&mut self) {
        self.gather((2 * self.len).max(self.len + self.node_size));
    }

    /// Moves everything buffered into one new node of `size` bytes, which becomes the head.
    fn gather(&mut self, size: usize) {
        let mut merged = Node::new(size);
        merged.data.extend_from_slice(&self.head.data);
        for node in self.rest.drain(..) {
            merged.data.extend_from_slice(&node.data);
        }
        self.head = merged;
    }

    /// A fully consumed first node goes unless it is the only one and still has room.
    #[inline]
    fn unlink_empty_head(&mut self) {
        if self.head.filled() == 0 && (!self.rest.is_empty() || self.head.spare() < MIN_SPARE) {
            self.unlink_head();
        }
    }

    /// Out of line: a read between requests usually leaves room in its node.
    #[inline(never)]
    fn unlink_head(&mut self) {
        self.head = self.rest.pop_front().unwrap_or_else(Node::none);
    }

    /// How many nodes hold memory.
    #[cfg(test)]
    fn nodes(&self) -> usize {
        usize::from(self.head.data.capacity() > 0) + self.rest.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(buf: &mut LinkedBuffer, bytes: &[u8]) {
        buf.append(bytes);
    }

    #[test]
    fn reads_from_a_socket_into_uninitialised_room() {
        use std::io::Write;
        use std::os::unix::net::UnixStream;

        let (mut tx, rx) = UnixStream::pair().expect("socket pair");
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 253) as u8).collect();
        let mut buf = LinkedBuffer::new(4096);
        fill(&mut buf, b"head:");
        let mut sent = 0;
        while sent < data.len() {
            let n = (data.len() - sent).min(3000);
            tx.write_all(&data[sent..sent + n]).expect("write");
            sent += n;
            let mut got = 0;
            while got < n {
                let (read, room) = buf.read_from(&rx).expect("read");
                assert!(read > 0 && read <= room, "read {read} into {room}");
                got += read;
            }
        }
        assert_eq!(buf.len(), 5 + data.len());
        assert_eq!(&buf.read_bytes(5)[..], b"head:");
        assert_eq!(&buf.read_bytes(data.len())[..], &data[..]);
        drop(tx);
        assert_eq!(buf.read_from(&rx).expect("eof").0, 0, "end of stream");
    }

    #[test]
    fn reads_that_fill_their_room_grow_the_next_node() {
        use std::io::Write;
        use std::os::unix::net::UnixStream;

        let (mut tx, rx) = UnixStream::pair().expect("socket pair");
        tx.write_all(&[1u8; 100_000]).expect("write");
        let mut buf = LinkedBuffer::new(4096);
        let mut rooms = Vec::new();
        while buf.len() < 100_000 {
            let (_, room) = buf.read_from(&rx).expect("read");
            rooms.push(room);
        }
        assert_eq!(
            rooms[..3],
            [4096, 8192, 16384],
            "room doubles after full reads"
        );
        assert!(rooms.iter().all(|&r| r <= MAX_NODE));
    }

    #[test]
    fn a_connection_of_large_requests_reads_each_in_one_recv() {
        use std::io::Write;
        use std::os::unix::net::UnixStream;

        // A head, then a body whose length the head announces, as a server reads them.
        let (mut tx, rx) = UnixStream::pair().expect("socket pair");
        let (head, body) = (109, 16_384);
        let mut buf = LinkedBuffer::new(8192);
        let mut reads_per_request = Vec::new();
        for round in 0..24u8 {
            tx.write_all(&vec![round; head + body]).expect("write");
            let mut reads = 1;
            buf.read_from(&rx).expect("read");
            buf.skip(head);
            if buf.len() < body {
                buf.reserve(body - buf.len());
            }
            while buf.len() < body {
                buf.read_from(&rx).expect("read");
                reads += 1;
            }
            let got = buf.read_bytes(body);
            assert!(
                got.iter().all(|&b| b == round),
                "round {round}: wrong bytes"
            );
            reads_per_request.push(reads);
        }
        // The first requests teach the buffer their size; from then on one read each,
        // including once the room a big node had left runs short.
        assert!(
            reads_per_request[4..].iter().all(|&reads| reads == 1),
            "reads per request: {reads_per_request:?}"
        );
    }

    #[test]
    fn reserve_keeps_an_announced_body_in_one_node() {
        let mut buf = LinkedBuffer::new(4096);
        fill(&mut buf, b"HEAD\r\n\r\nfirst part of the body");
        buf.skip(8);
        let body: Vec<u8> = (0..50_000u32).map(|i| i as u8).collect();
        buf.reserve(body.len() - 22 + 1);
        assert_eq!(buf.nodes(), 1, "the unread remainder moved along");
        fill(&mut buf, &body[22..]);
        assert_eq!(buf.nodes(), 1, "the body fit the reserved node");
        let first_ptr = buf.peek(1).as_ptr();
        let out = buf.read_bytes(buf.len());
        assert_eq!(out.as_ptr(), first_ptr, "read_bytes copied");
        assert_eq!(&out[..22], b"first part of the body");
        assert_eq!(&out[22..], &body[22..]);
    }

    #[test]
    fn grows_across_nodes_and_peeks_contiguously() {
        let mut buf = LinkedBuffer::new(2048);
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        for chunk in data.chunks(1500) {
            fill(&mut buf, chunk);
        }
        assert_eq!(buf.len(), data.len());
        assert!(buf.nodes() > 1, "data should span several nodes");
        assert_eq!(buf.peek(data.len()), &data[..]);
        assert_eq!(buf.nodes(), 1, "peek merged the chain");
    }

    #[test]
    fn read_bytes_shares_memory_within_a_node() {
        let mut buf = LinkedBuffer::new(4096);
        fill(&mut buf, b"GET / HTTP/1.1\r\n\r\nrest");
        let first_ptr = buf.peek(1).as_ptr();
        let head = buf.read_bytes(18);
        assert_eq!(&head[..], b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(head.as_ptr(), first_ptr, "read_bytes copied");
        assert_eq!(buf.peek(10), b"rest");
        buf.skip(2);
        assert_eq!(buf.read_bytes(100), Bytes::from_static(b"st"));
        assert_eq!(buf.len(), 0);
    }

    #[test]
    fn skip_and_read_across_node_boundaries() {
        let mut buf = LinkedBuffer::new(2048);
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        for chunk in data.chunks(700) {
            fill(&mut buf, chunk);
        }
        buf.skip(1999);
        assert_eq!(&buf.read_bytes(3000)[..], &data[1999..4999]);
        buf.skip(5000);
        assert_eq!(buf.peek(usize::MAX), &data[9999..]);
        buf.skip(1);
        assert_eq!(buf.len(), 0);
        buf.release();
        assert!(buf.nodes() <= 1);
    }

    #[test]
    fn release_keeps_unconsumed_data_and_drops_grown_nodes() {
        let mut buf = LinkedBuffer::new(2048);
        fill(&mut buf, &vec![7u8; 40_000]);
        buf.peek(40_000);
        buf.release();
        assert_eq!(buf.len(), 40_000, "release dropped data");
        buf.skip(40_000);
        buf.release();
        assert_eq!(buf.nodes(), 0);
        fill(&mut buf, b"again");
        assert_eq!(buf.peek(5), b"again");
    }
}
