//! Binding and serving over loopback: the transport kinds, and each transport's accept loop
//! and graceful shutdown.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rstest::rstest;

use hertz_transport::{
    bind, CancelToken, Conn, ConnExt, ConnHandler, TransportConfig, TransportKind,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{pattern, shutdown};

fn loopback() -> TransportConfig {
    TransportConfig::new("127.0.0.1:0".parse().unwrap())
}

#[test]
fn transport_kind_from_str() {
    let rows: &[(&str, Option<TransportKind>)] = &[
        ("tokio", Some(TransportKind::Tokio)),
        ("netpoll", Some(TransportKind::Netpoll)),
        ("Tokio", None),
        ("NETPOLL", None),
        (" tokio", None),
        ("", None),
        ("epoll", None),
    ];
    for &(input, want) in rows {
        match (TransportKind::from_str(input), want) {
            (Ok(kind), Some(want)) => assert_eq!(kind, want, "{input:?}"),
            (Err(msg), None) => {
                assert!(msg.contains(&format!("`{input}`")), "{input:?}: {msg}");
                assert!(msg.contains("tokio") && msg.contains("netpoll"), "{msg}");
            }
            (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
        }
    }
    assert_eq!(TransportKind::default(), TransportKind::Tokio);
}

/// Echoes whatever arrives until the peer closes.
struct Echo;

impl ConnHandler for Echo {
    fn on_conn(&self, mut conn: Box<dyn Conn>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            while let Ok(1..) = conn.fill().await {
                let data = conn.read_bytes(conn.len());
                conn.write_bytes(data);
                if conn.flush().await.is_err() {
                    return;
                }
                conn.release();
            }
            let _ = shutdown(&mut *conn).await;
        })
    }
}

#[rstest]
#[tokio::test]
async fn serves_until_shutdown(
    #[values(TransportKind::Tokio, TransportKind::Netpoll)] kind: TransportKind,
) {
    let transport = bind(kind, &loopback()).unwrap();
    let addr = transport.local_addr();
    assert_ne!(addr.port(), 0);
    let stop = CancelToken::new();
    let server = tokio::spawn(transport.serve(Arc::new(Echo), stop.clone()));

    // Two clients at once, one with a message larger than the 8 KiB read buffer.
    let mut small = TcpStream::connect(addr).await.unwrap();
    let mut large = TcpStream::connect(addr).await.unwrap();
    let message = pattern(200 * 1024, 7);
    let (mut large_r, mut large_w) = large.split();
    let mut echoed = vec![0; message.len()];
    let (written, read) =
        tokio::join!(large_w.write_all(&message), large_r.read_exact(&mut echoed));
    written.unwrap();
    read.unwrap();
    assert!(echoed == message);
    small.write_all(b"ping").await.unwrap();
    let mut pong = [0; 4];
    small.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"ping");
    drop((small, large));

    stop.cancel();
    server.await.unwrap().unwrap();
    // The listener is gone.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[rstest]
#[tokio::test]
async fn shutdown_drops_connections_after_exit_wait(
    #[values(TransportKind::Tokio, TransportKind::Netpoll)] kind: TransportKind,
) {
    let mut config = loopback();
    config.exit_wait = Duration::from_millis(100);
    let transport = bind(kind, &config).unwrap();
    let addr = transport.local_addr();
    let stop = CancelToken::new();
    let server = tokio::spawn(transport.serve(Arc::new(Echo), stop.clone()));

    // An echoed byte proves the connection was accepted; then the client stays silent.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"x").await.unwrap();
    let mut echo = [0; 1];
    idle.read_exact(&mut echo).await.unwrap();

    stop.cancel();
    server.await.unwrap().unwrap();
    // The handler was dropped with its connection: the client sees the socket close.
    let mut rest = Vec::new();
    match idle.read_to_end(&mut rest).await {
        Ok(_) => assert!(rest.is_empty(), "{rest:?}"),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset),
    }
}
