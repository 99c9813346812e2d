//! Helpers shared by the transport's integration tests: loopback connection pairs and
//! recognisable payloads. Every test binary compiles this module but not every one uses all
//! of it.
#![allow(dead_code)]

use std::future::poll_fn;
use std::io;

use hertz_transport::tokio::TokioConn;
use hertz_transport::{Conn, ConnExt};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// A connected loopback pair: the accepted side wrapped as a `TokioConn` with a
/// `read_buffer_size`-byte initial buffer, and the plain client socket.
pub async fn pair(read_buffer_size: usize) -> (TokioConn, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let client = client.unwrap();
    let (stream, peer) = accepted.unwrap();
    let local = stream.local_addr().unwrap();
    (
        TokioConn::new(stream, peer, local, read_buffer_size),
        client,
    )
}

/// `len` bytes that differ from their neighbours and from any shifted copy of themselves, so
/// a lost, repeated or reordered piece shows up in a comparison. `seed` tells payloads apart.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ (i % 251) as u8 ^ seed)
        .collect()
}

/// Fills `conn` until it buffers at least `n` bytes; panics if the peer closes first.
pub async fn fill_until<C: Conn + ?Sized>(conn: &mut C, n: usize) {
    while conn.len() < n {
        let added = conn.fill().await.unwrap();
        assert!(
            added > 0,
            "peer closed with {} of {n} bytes buffered",
            conn.len()
        );
    }
}

/// Flushes and shuts down the write side of `conn`.
pub async fn shutdown<C: Conn + ?Sized>(conn: &mut C) -> io::Result<()> {
    poll_fn(|cx| conn.poll_shutdown(cx)).await
}

/// Everything the client receives until end-of-stream.
pub async fn read_to_end(client: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    client.read_to_end(&mut got).await.unwrap();
    got
}
