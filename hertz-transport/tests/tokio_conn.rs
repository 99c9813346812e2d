//! `TokioConn` over real loopback sockets: the zero-copy read buffer, the batching writer,
//! deadlines and end-of-stream, as the protocol layer relies on them.

mod support;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hertz_transport::{Conn, ConnExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use support::{fill_until, pair, pattern, read_to_end, shutdown};

const KIB: usize = 1024;

#[tokio::test]
async fn read_buffer_grows_to_hold_a_large_message() {
    let initial = 4 * KIB;
    let (mut conn, mut client) = pair(initial).await;
    let message = pattern(300 * KIB, 1);
    let sent = message.clone();
    // The writer runs on its own task: the socket buffers hold less than the message.
    let writer = tokio::spawn(async move {
        for piece in sent.chunks(7 * KIB + 3) {
            client.write_all(piece).await.unwrap();
        }
        client
    });

    fill_until(&mut conn, message.len()).await;
    assert!(conn.len() > initial);
    assert_eq!(conn.len(), message.len());
    // One contiguous view of everything buffered, however many reads it took.
    assert!(conn.peek(message.len()) == &message[..]);
    assert_eq!(conn.peek(usize::MAX).len(), message.len());
    assert!(conn.peek(10) == &message[..10]);
    // Peeking consumes nothing.
    assert_eq!(conn.len(), message.len());
    drop(writer.await.unwrap());
}

#[tokio::test]
async fn read_bytes_skip_and_peek() {
    let (mut conn, mut client) = pair(KIB).await;
    client.write_all(b"hello, world: the rest").await.unwrap();
    fill_until(&mut conn, 22).await;

    let hello = conn.read_bytes(5);
    assert_eq!(&hello[..], b"hello");
    assert_eq!(conn.len(), 17);
    assert_eq!(conn.peek(7), b", world");

    conn.skip(2);
    assert_eq!(conn.len(), 15);
    assert_eq!(conn.read_bytes(5), Bytes::from_static(b"world"));
    conn.skip(2);
    // Past the end: everything there is, and no more.
    assert_eq!(conn.read_bytes(100), Bytes::from_static(b"the rest"));
    assert!(conn.is_empty());
    assert_eq!(conn.read_bytes(5), Bytes::new());
    assert_eq!(conn.peek(5), b"");
    conn.skip(5);
    assert_eq!(conn.len(), 0);

    // The taken Bytes are unaffected by later reads into the buffer.
    client.write_all(b"XXXXXXXXXX").await.unwrap();
    fill_until(&mut conn, 10).await;
    assert_eq!(&hello[..], b"hello");
    assert_eq!(conn.peek(10), b"XXXXXXXXXX");
}

#[tokio::test]
async fn skip_clamps_to_what_is_buffered() {
    let (mut conn, mut client) = pair(KIB).await;
    client.write_all(b"abcdef").await.unwrap();
    fill_until(&mut conn, 6).await;
    conn.skip(0);
    assert_eq!(conn.peek(6), b"abcdef");
    conn.skip(3);
    assert_eq!(conn.peek(6), b"def");
    conn.skip(usize::MAX);
    assert!(conn.is_empty());
    // Still usable afterwards.
    client.write_all(b"g").await.unwrap();
    fill_until(&mut conn, 1).await;
    assert_eq!(conn.peek(1), b"g");
}

#[tokio::test]
async fn release_keeps_unconsumed_bytes() {
    let (mut conn, mut client) = pair(4 * KIB).await;
    let message = pattern(300 * KIB, 2);
    let sent = message.clone();
    let writer = tokio::spawn(async move {
        client.write_all(&sent).await.unwrap();
        client
    });
    fill_until(&mut conn, message.len()).await;
    let mut client = writer.await.unwrap();

    // Half consumed, the buffer is not empty: release must not lose the rest.
    let first = conn.read_bytes(100 * KIB);
    conn.skip(50 * KIB);
    conn.release();
    assert_eq!(conn.len(), 150 * KIB);
    assert!(conn.peek(usize::MAX) == &message[150 * KIB..]);
    assert!(first[..] == message[..100 * KIB]);

    // Everything consumed: release may shrink the buffer; the connection keeps working and
    // the Bytes taken earlier stay intact.
    conn.skip(conn.len());
    conn.release();
    assert!(conn.is_empty());
    let next = pattern(20 * KIB, 3);
    client.write_all(&next).await.unwrap();
    fill_until(&mut conn, next.len()).await;
    assert!(conn.peek(usize::MAX) == &next[..]);
    assert!(first[..] == message[..100 * KIB]);
    // Releasing with a small buffer that is in use changes nothing either.
    conn.release();
    assert!(conn.peek(usize::MAX) == &next[..]);
}

#[tokio::test]
async fn writes_arrive_in_order() {
    let (mut conn, mut client) = pair(4 * KIB).await;
    let big1 = Bytes::from(pattern(100 * KIB, 4));
    let big2 = Bytes::from(pattern(100 * KIB + 17, 5));
    let mut want = Vec::new();

    conn.write_buf()
        .extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\n");
    want.extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\n");
    conn.write_bytes(big1.clone());
    want.extend_from_slice(&big1);
    conn.write_buf().extend_from_slice(b"\r\nbetween");
    want.extend_from_slice(b"\r\nbetween");
    // A small payload is copied rather than queued, but still goes out in order.
    conn.write_bytes(Bytes::from_static(b"-small-"));
    want.extend_from_slice(b"-small-");
    conn.write_buf().extend_from_slice(b"more");
    want.extend_from_slice(b"more");
    conn.write_bytes(big2.clone());
    want.extend_from_slice(&big2);
    conn.write_buf().extend_from_slice(b"tail");
    want.extend_from_slice(b"tail");
    assert_eq!(conn.pending_write(), want.len());

    let reader = tokio::spawn(async move { read_to_end(&mut client).await });
    conn.flush().await.unwrap();
    assert_eq!(conn.pending_write(), 0);
    // Nothing pending: flushing again is a no-op.
    conn.flush().await.unwrap();

    // A second round on the same connection.
    conn.write_bytes(big1.clone());
    conn.write_buf().extend_from_slice(b"end");
    want.extend_from_slice(&big1);
    want.extend_from_slice(b"end");
    shutdown(&mut conn).await.unwrap();
    assert_eq!(conn.pending_write(), 0);

    let got = reader.await.unwrap();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "bytes differ or are out of order");
}

#[tokio::test]
async fn writes_past_the_iovec_limit_arrive_in_order() {
    // More queued pieces than one vectored write takes.
    let (mut conn, mut client) = pair(4 * KIB).await;
    let mut want = Vec::new();
    for i in 0..200u8 {
        let label = format!("<{i}>");
        conn.write_buf().extend_from_slice(label.as_bytes());
        want.extend_from_slice(label.as_bytes());
        let payload = Bytes::from(pattern(5 * KIB + usize::from(i), i));
        want.extend_from_slice(&payload);
        conn.write_bytes(payload);
    }
    conn.write_buf().extend_from_slice(b"<end>");
    want.extend_from_slice(b"<end>");
    assert_eq!(conn.pending_write(), want.len());

    let reader = tokio::spawn(async move { read_to_end(&mut client).await });
    shutdown(&mut conn).await.unwrap();
    assert_eq!(conn.pending_write(), 0);
    let got = reader.await.unwrap();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "bytes differ or are out of order");
}

#[tokio::test]
async fn read_deadline_in_the_past() {
    let (mut conn, mut client) = pair(KIB).await;
    client.write_all(b"ready").await.unwrap();
    conn.set_read_deadline(Some(Instant::now()));
    let err = conn.fill().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    // Cleared, the same connection reads again.
    conn.set_read_deadline(None);
    fill_until(&mut conn, 5).await;
    assert_eq!(conn.peek(5), b"ready");
}

#[tokio::test]
async fn read_deadline_with_a_silent_peer() {
    let (mut conn, mut client) = pair(KIB).await;
    conn.set_read_deadline(Some(Instant::now() + Duration::from_millis(100)));
    let err = conn.fill().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);

    // A later deadline re-arms the timer that already fired: the read waits for the data
    // instead of failing. `join!` polls the fill first, so it is waiting when the data comes.
    conn.set_read_deadline(Some(Instant::now() + Duration::from_secs(3600)));
    let (filled, written) = tokio::join!(conn.fill(), client.write_all(b"late"));
    written.unwrap();
    assert!(filled.unwrap() > 0);
    fill_until(&mut conn, 4).await;
    assert_eq!(conn.peek(4), b"late");

    // And an earlier one after a later one still fires.
    conn.skip(4);
    conn.set_read_deadline(Some(Instant::now() + Duration::from_millis(100)));
    let err = conn.fill().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    drop(client);
}

#[tokio::test]
async fn write_deadline_in_the_past() {
    let (mut conn, mut client) = pair(KIB).await;
    conn.write_buf().extend_from_slice(b"response");
    conn.set_write_deadline(Some(Instant::now()));
    let err = conn.flush().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert_eq!(conn.pending_write(), 8, "nothing was written");

    conn.set_write_deadline(None);
    shutdown(&mut conn).await.unwrap();
    assert_eq!(read_to_end(&mut client).await, b"response");
}

#[tokio::test]
async fn write_deadline_with_a_peer_that_does_not_read() {
    let (mut conn, client) = pair(KIB).await;
    // Far more than the socket buffers hold, so the flush has to wait for the peer.
    let payload = Bytes::from(vec![b'x'; 64 * KIB * KIB]);
    conn.write_bytes(payload.clone());
    conn.set_write_deadline(Some(Instant::now() + Duration::from_millis(100)));
    let err = conn.flush().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    let left = conn.pending_write();
    assert!(left > 0 && left < payload.len(), "{left} bytes pending");
    drop(client);
}

#[tokio::test]
async fn peer_close_is_end_of_stream() {
    let (mut conn, mut client) = pair(KIB).await;
    client.write_all(b"bye").await.unwrap();
    drop(client);
    let mut total = 0;
    loop {
        match conn.fill().await.unwrap() {
            0 => break,
            n => total += n,
        }
    }
    assert_eq!(total, 3);
    assert_eq!(conn.peek(3), b"bye");
    // End-of-stream repeats.
    assert_eq!(conn.fill().await.unwrap(), 0);
}

#[tokio::test]
async fn shutdown_flushes_then_peer_reads_eof() {
    let (mut conn, mut client) = pair(KIB).await;
    conn.write_buf().extend_from_slice(b"last ");
    conn.write_bytes(Bytes::from_static(b"words"));
    shutdown(&mut conn).await.unwrap();
    assert_eq!(read_to_end(&mut client).await, b"last words");
    let mut more = [0u8; 1];
    assert_eq!(client.read(&mut more).await.unwrap(), 0);
    // Only the write side is shut: the peer can still send.
    client.write_all(b"still here").await.unwrap();
    fill_until(&mut conn, 10).await;
    assert_eq!(conn.peek(10), b"still here");
}

#[tokio::test]
async fn addresses() {
    let (conn, client) = pair(KIB).await;
    assert_eq!(conn.peer_addr(), Some(client.local_addr().unwrap()));
    assert_eq!(conn.local_addr(), Some(client.peer_addr().unwrap()));
}
