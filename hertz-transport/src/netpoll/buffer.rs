//! The linked read buffer: a chain of nodes that grows with traffic and shrinks back.
//!
//! Reads land in the spare room of the last node; a new node is linked when it fills up, so
//! a large request never moves what is already buffered. Contiguity is produced only when a
//! caller needs it ([`LinkedBuffer::peek`] over more than the first node), by merging the
//! chain into one node with room to grow — geometric, so a request head that arrives in many
//! pieces is copied O(n) times in total, not O(n²). [`LinkedBuffer::read_bytes`] hands out
//! `Bytes` that share a node's memory.
//!
//! Nodes are zero-filled when created, which keeps the socket reads free of `unsafe`
//! (`read` wants initialised memory); with 8 KiB nodes that is one `calloc` per 8 KiB of input.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

/// A read is not attempted into less room than this; a fresh node is linked instead.
const MIN_SPARE: usize = 1024;

#[derive(Debug)]
struct Node {
    /// `data[..filled]` is buffered input; `data[filled..]` is zeroed room for more.
    data: BytesMut,
    filled: usize,
}

impl Node {
    fn new(size: usize) -> Node {
        Node {
            data: BytesMut::zeroed(size),
            filled: 0,
        }
    }

    fn spare(&self) -> usize {
        self.data.len() - self.filled
    }
}

/// Buffered, not yet consumed input of one connection.
#[derive(Debug)]
pub(crate) struct LinkedBuffer {
    nodes: VecDeque<Node>,
    len: usize,
    node_size: usize,
}

impl LinkedBuffer {
    pub(crate) fn new(node_size: usize) -> Self {
        LinkedBuffer {
            nodes: VecDeque::new(),
            len: 0,
            node_size: node_size.max(2 * MIN_SPARE),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Room to read into, at the end of the chain.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self
            .nodes
            .back()
            .is_none_or(|tail| tail.spare() < MIN_SPARE)
        {
            self.nodes.push_back(Node::new(self.node_size));
        }
        let last = self.nodes.len() - 1;
        let tail = &mut self.nodes[last];
        &mut tail.data[tail.filled..]
    }

    /// Marks `n` bytes of [`LinkedBuffer::spare`] as filled.
    pub(crate) fn commit(&mut self, n: usize) {
        if let Some(tail) = self.nodes.back_mut() {
            let n = n.min(tail.spare());
            tail.filled += n;
            self.len += n;
        }
    }

    /// The first `min(n, len)` bytes, contiguous.
    pub(crate) fn peek(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.len);
        if n == 0 {
            return &[];
        }
        self.make_contiguous(n);
        &self.nodes[0].data[..n]
    }

    /// Consumes `min(n, len)` bytes.
    pub(crate) fn skip(&mut self, n: usize) {
        let mut n = n.min(self.len);
        while n > 0 {
            let head = &mut self.nodes[0];
            let k = n.min(head.filled);
            head.data.advance(k);
            head.filled -= k;
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
        let head = &mut self.nodes[0];
        let out = head.data.split_to(n).freeze();
        head.filled -= n;
        self.len -= n;
        self.unlink_empty_head();
        out
    }

    /// Between requests: when nothing is buffered, drop nodes beyond the first and a first
    /// node that grew for one large request, so idle connections hold little memory.
    pub(crate) fn release(&mut self) {
        if self.len == 0
            && (self.nodes.len() > 1
                || self
                    .nodes
                    .front()
                    .is_some_and(|n| n.data.len() > 4 * self.node_size))
        {
            self.nodes.clear();
        }
    }

    /// Makes the first node hold at least `n` bytes by merging the whole chain into one node
    /// with room to double.
    fn make_contiguous(&mut self, n: usize) {
        if self.nodes.front().is_some_and(|head| head.filled >= n) {
            return;
        }
        let size = (2 * self.len).max(self.len + self.node_size);
        let mut merged = Node::new(size);
        for node in self.nodes.drain(..) {
            merged.data[merged.filled..merged.filled + node.filled]
                .copy_from_slice(&node.data[..node.filled]);
            merged.filled += node.filled;
        }
        self.nodes.push_back(merged);
    }

    /// A fully consumed first node goes unless it is the only one and still has room.
    fn unlink_empty_head(&mut self) {
        if let Some(head) = self.nodes.front() {
            if head.filled == 0 && (self.nodes.len() > 1 || head.spare() < MIN_SPARE) {
                self.nodes.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(buf: &mut LinkedBuffer, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let spare = buf.spare();
            let n = spare.len().min(rest.len());
            spare[..n].copy_from_slice(&rest[..n]);
            buf.commit(n);
            rest = &rest[n..];
        }
    }

    #[test]
    fn grows_across_nodes_and_peeks_contiguously() {
        let mut buf = LinkedBuffer::new(2048);
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        for chunk in data.chunks(1500) {
            fill(&mut buf, chunk);
        }
        assert_eq!(buf.len(), data.len());
        assert!(buf.nodes.len() > 1, "data should span several nodes");
        assert_eq!(buf.peek(data.len()), &data[..]);
        assert_eq!(buf.nodes.len(), 1, "peek merged the chain");
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
        assert!(buf.nodes.len() <= 1);
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
        assert!(buf.nodes.is_empty());
        fill(&mut buf, b"again");
        assert_eq!(buf.peek(5), b"again");
    }
}
