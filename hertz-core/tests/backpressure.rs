//! Streamed request bodies: a 256 MiB upload through a streaming handler, on each transport,
//! without the server's memory growing with it. Alone in its test binary, so the peak RSS it
//! reads is its own.

mod support;

use std::time::Duration;

use futures_core::Stream;
use hertz_core::{Context, RequestContext, Routes};
use rstest::rstest;
use support::{config, start, Netpoll, Raw, Tokio, TransportKind};

const UPLOAD: usize = 256 << 20;

/// Counts the body's bytes as they stream in, pausing now and then like a handler that
/// writes to a slow disk.
async fn count(_ctx: Context, c: &mut RequestContext) {
    let Some(mut body) = c.body_stream() else {
        c.string(500, "no body stream");
        return;
    };
    let mut total = 0usize;
    let mut chunks = 0usize;
    while let Some(chunk) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_next(cx)).await
    {
        match chunk {
            Ok(bytes) => total += bytes.len(),
            Err(err) => {
                c.string(400, format!("body failed: {err}"));
                return;
            }
        }
        chunks += 1;
        if chunks % 4096 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    c.string(200, total.to_string());
}

/// Peak resident set size of this process, from /proc.
fn peak_rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map(|kb| kb * 1024)
        .expect("VmHWM in /proc/self/status")
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_upload_streams_through_bounded_memory(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = hertz_core::Engine::with_defaults(config(transport).stream_request_body(true));
    h.post("/upload", count);
    let server = start(h).await;
    let before = peak_rss_bytes();

    let mut raw = Raw::connect(&server).await;
    raw.send(
        format!("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {UPLOAD}\r\n\r\n").as_bytes(),
    )
    .await;
    let block = vec![b'x'; 64 * 1024];
    for _ in 0..UPLOAD / block.len() {
        raw.send(&block).await;
    }
    let reply = raw.response().await;
    assert_eq!((reply.status, reply.text()), (200, UPLOAD.to_string()));

    let growth = peak_rss_bytes().saturating_sub(before);
    assert!(
        growth < 64 << 20,
        "peak RSS grew by {} MiB streaming {} MiB",
        growth >> 20,
        UPLOAD >> 20
    );

    // The connection is still in sync for the next request.
    raw.send(b"POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        .await;
    assert_eq!(raw.response().await.text(), "5");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn an_unread_streamed_body_closes_the_connection(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    async fn ignore_body(_ctx: Context, c: &mut RequestContext) {
        c.string(200, "ignored");
    }
    let mut h = hertz_core::Engine::with_defaults(config(transport).stream_request_body(true));
    h.post("/ignore", ignore_body);
    let server = start(h).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"POST /ignore HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\npartial")
        .await;
    let reply = raw.response().await;
    assert_eq!(reply.text(), "ignored");
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(raw.closed().await);
    server.shutdown().await.unwrap();
}
