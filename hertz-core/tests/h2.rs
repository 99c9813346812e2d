//! HTTP/2 over real loopback sockets with real clients: h2c with prior knowledge (curl,
//! nghttp, h2load, the `h2` crate's client, and raw frames written by hand for the preface
//! edge cases), HTTP/2 over TLS (nghttp, h2load), and the engine's limits and timeouts as
//! HTTP/2 applies them. Each h2c test runs once per transport.

mod support;

use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use hertz_core::h2::H2Factory;
use hertz_core::{Config, Context, Engine, RequestContext, Routes, ServerHandle};
use rstest::rstest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::certs::Certs;
use support::{config, start, Netpoll, Raw, Tokio, TransportKind, WAIT};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

async fn hello(_ctx: Context, c: &mut RequestContext) {
    c.string(200, "hello over h2");
}

async fn echo(_ctx: Context, c: &mut RequestContext) {
    let body = c.body().clone();
    c.bytes(200, "application/octet-stream", body);
}

/// Counts a streamed request body (`stream_request_body`).
async fn count(_ctx: Context, c: &mut RequestContext) {
    let Some(mut body) = c.body_stream() else {
        c.string(200, "no body stream");
        return;
    };
    let mut total = 0usize;
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
    }
    c.string(200, total.to_string());
}

/// An engine serving h2c (and HTTP/1.1) with `/hello`, `/echo` and `/count`.
fn h2c_app(config: Config) -> Engine {
    let mut h = Engine::with_defaults(config.h2c(true));
    h.get("/hello", hello)
        .post("/echo", echo)
        .post("/count", count);
    h.add_protocol(H2Factory::default());
    h
}

fn url(server: &ServerHandle, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", server.local_addr().port())
}

/// Runs `program ARGS` off the runtime's threads; fails the test (never skips) when the
/// program is missing.
async fn run(program: &'static str, args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(program)
            .args(&args)
            .output()
            .unwrap_or_else(|err| {
                panic!("{program} must be installed (.ci/run installs nghttp2-client): {err}")
            })
    })
    .await
    .expect("client task")
}

/// `nghttp ARGS` and its stdout; fails the test if nghttp fails.
async fn nghttp(args: &[&str]) -> String {
    let mut all = vec!["--timeout=10".to_owned()];
    all.extend(args.iter().map(|a| a.to_string()));
    let out = run("nghttp", all).await;
    assert!(
        out.status.success(),
        "nghttp {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What h2load reported.
#[derive(Debug, PartialEq, Eq)]
struct H2Load {
    done: u64,
    succeeded: u64,
    failed: u64,
    errored: u64,
    timeout: u64,
    status_2xx: u64,
    other_status: u64,
    data_bytes: u64,
}

/// `h2load ARGS`, its summary parsed; fails the test if h2load fails.
async fn h2load(args: &[&str]) -> H2Load {
    let out = run("h2load", args.iter().map(|a| a.to_string()).collect()).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "h2load {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |prefix: &str| -> &str {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in h2load's output:\n{text}"))
    };
    // "requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout"
    let count = |fields: &str, name: &str| -> u64 {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_suffix(name))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name:?} count in {fields:?}"))
    };
    let requests = line("requests: ");
    let statuses = line("status codes: ");
    // "traffic: 96.68KB (99000) total, 1.12KB (1150) headers (space savings 95.00%), 25.39KB (26000) data"
    let traffic = line("traffic: ");
    let data_bytes = traffic
        .split(',')
        .find(|f| f.trim_end().ends_with(" data"))
        .and_then(|f| f.split('(').nth(1))
        .and_then(|f| f.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no data bytes in {traffic:?}"));
    H2Load {
        done: count(requests, "done"),
        succeeded: count(requests, "succeeded"),
        failed: count(requests, "failed"),
        errored: count(requests, "errored"),
        timeout: count(requests, "timeout"),
        status_2xx: count(statuses, "2xx"),
        other_status: count(statuses, "3xx") + count(statuses, "4xx") + count(statuses, "5xx"),
        data_bytes,
    }
}

// ---- raw frames -------------------------------------------------------------------------

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

/// One HTTP/2 frame (RFC 9113 §4.1).
#[derive(Debug)]
struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A `GET path` HEADERS frame, HPACK-encoded by hand: `:method GET` (static index 2),
/// `:scheme http` (6), `:path` as a literal with indexed name (4), `:authority` likewise (1).
fn get_headers(stream: u32, path: &str) -> Vec<u8> {
    let mut block = vec![0x82, 0x86];
    for (index, value) in [(0x04u8, path), (0x01, "localhost")] {
        block.push(index); // literal without indexing, indexed name
        block.push(value.len() as u8);
        block.extend_from_slice(value.as_bytes());
    }
    frame(HEADERS, END_STREAM | END_HEADERS, stream, &block)
}

/// A hand-written HTTP/2 client on a raw TCP connection.
struct RawH2 {
    tcp: TcpStream,
    buf: Vec<u8>,
}

impl RawH2 {
    async fn connect(server: &ServerHandle) -> RawH2 {
        let tcp = TcpStream::connect(server.local_addr())
            .await
            .expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        RawH2 {
            tcp,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.expect("write");
    }

    /// The preface one byte per write, so the server sees it arrive in pieces (how the
    /// kernel coalesces them varies; every split must work), then an empty SETTINGS.
    async fn start_split(&mut self) {
        for byte in PREFACE {
            self.send(std::slice::from_ref(byte)).await;
        }
        self.send(&frame(SETTINGS, 0, 0, &[])).await;
    }

    /// The next frame; `None` at end of stream.
    async fn frame(&mut self) -> Option<Frame> {
        loop {
            if self.buf.len() >= 9 {
                let len = (usize::from(self.buf[0]) << 16)
                    | (usize::from(self.buf[1]) << 8)
                    | usize::from(self.buf[2]);
                if self.buf.len() >= 9 + len {
                    let head: Vec<u8> = self.buf.drain(..9).collect();
                    let payload = self.buf.drain(..len).collect();
                    let stream =
                        u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
                    return Some(Frame {
                        kind: head[3],
                        flags: head[4],
                        stream,
                        payload,
                    });
                }
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = tokio::time::timeout(WAIT, self.tcp.read(&mut chunk))
                .await
                .expect("timed out waiting for a frame")
                .unwrap_or(0);
            if n == 0 {
                assert!(self.buf.is_empty(), "closed inside a frame: {:?}", self.buf);
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Frames until `stream` ends: (`:status` byte of its HEADERS, DATA payload). h2 sends
    /// `:status 200` as static table index 8 (`0x88`).
    async fn response(&mut self, stream: u32) -> (u8, Vec<u8>) {
        let mut status = None;
        let mut body = Vec::new();
        while let Some(frame) = self.frame().await {
            if frame.stream != stream {
                continue;
            }
            match frame.kind {
                HEADERS => status = frame.payload.first().copied(),
                DATA => body.extend_from_slice(&frame.payload),
                _ => {}
            }
            if frame.flags & END_STREAM != 0 {
                return (status.expect("DATA before HEADERS"), body);
            }
        }
        panic!("connection closed before stream {stream} ended");
    }

    /// Reads frames until the server closes; returns them.
    async fn frames_until_close(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        while let Some(frame) = self.frame().await {
            frames.push(frame);
        }
        frames
    }
}

/// The GOAWAY among `frames`: (last stream id, error code).
fn goaway(frames: &[Frame]) -> Option<(u32, u32)> {
    frames.iter().find(|f| f.kind == GOAWAY).map(|f| {
        let p = &f.payload;
        (
            u32::from_be_bytes([p[0], p[1], p[2], p[3]]) & 0x7fff_ffff,
            u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
        )
    })
}

// ---- h2c with prior knowledge ----------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn curl_and_nghttp_speak_h2c_and_http1_still_works(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(h2c_app(config(transport))).await;
    let hello = url(&server, "/hello");
    // One URL per curl: curl 7.88 (Debian 12) breaks when it reuses a prior-knowledge
    // connection (curl/curl#10634, fixed in 8.0); nghttp multiplexes below.
    let body =
        support::curl_text(&["--http2-prior-knowledge", "-w", "|%{http_version}", &hello]).await;
    assert_eq!(body, "hello over h2|2");
    let echoed = support::curl_text(&[
        "--http2-prior-knowledge",
        "-d",
        "ping",
        &url(&server, "/echo"),
    ])
    .await;
    assert_eq!(echoed, "ping");

    // nghttp speaks h2c with prior knowledge to http:// URLs; -m: the same request 20 times
    // at once on one connection.
    let out = nghttp(&["-m", "20", &hello]).await;
    assert_eq!(out, "hello over h2".repeat(20));
    let verbose = nghttp(&["-v", &hello]).await;
    assert!(verbose.contains(":status: 200"), "{verbose}");
    assert!(verbose.contains("server: hertz"), "{verbose}");

    // The same port still speaks HTTP/1.1.
    let body = support::curl_text(&["--http1.1", "-w", "|%{http_version}", &hello]).await;
    assert_eq!(body, "hello over h2|1.1");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn h2load_many_streams_over_few_connections_all_succeed(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(h2c_app(config(transport))).await;
    let hello = url(&server, "/hello");
    let report = h2load(&["-n", "4000", "-c", "4", "-m", "32", &hello]).await;
    let body_len = "hello over h2".len() as u64;
    assert_eq!(
        report,
        H2Load {
            done: 4000,
            succeeded: 4000,
            failed: 0,
            errored: 0,
            timeout: 0,
            status_2xx: 4000,
            other_status: 0,
            data_bytes: 4000 * body_len,
        }
    );
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn a_preface_split_across_packets_is_served_by_h2(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(h2c_app(config(transport))).await;
    let mut client = RawH2::connect(&server).await;
    client.start_split().await;
    client.send(&get_headers(1, "/hello")).await;
    let (status, body) = client.response(1).await;
    assert_eq!(status, 0x88, ":status is not 200");
    assert_eq!(body, b"hello over h2");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn bytes_that_leave_the_preface_go_to_http1(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(h2c_app(config(transport))).await;

    // 23 bytes, fewer than the preface's 24: answered at once, not held for more.
    let (reply, _raw) = support::roundtrip(&server, b"GET /hello HTTP/1.0\r\n\r\n").await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "hello over h2")
    );

    // The whole request line of the preface, then something else: HTTP/1.1 refuses the
    // `PRI *` request itself (HTTP/2.0 is not a version it serves).
    let (reply, closed) = support::refused(&server, b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n").await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (400, "unsupported HTTP version")
    );
    assert!(closed, "connection left open");

    // Diverging at the third byte: an HTTP/1.1 request with an unknown method.
    let (reply, _) = support::roundtrip(&server, b"PRX /hello HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert_eq!(reply.status, 404, "{}", reply.text());

    // Binary that is not HTTP at all.
    let (reply, closed) = support::refused(&server, b"\x16\x03\x01\x00\x05hello\r\n\r\n").await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert!(closed);
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn a_partial_preface_is_closed_without_an_answer(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let config = config(transport).read_header_timeout(Duration::from_millis(200));
    let server = start(h2c_app(config)).await;

    // Half the preface, then the client closes its side: nothing to answer.
    let mut raw = Raw::connect(&server).await;
    raw.send(&PREFACE[..10]).await;
    let mut half_closed = TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    half_closed.write_all(&PREFACE[..10]).await.expect("write");
    half_closed.shutdown().await.expect("shutdown write side");
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, half_closed.read_to_end(&mut rest))
        .await
        .expect("server kept a half-closed partial preface open")
        .expect("read");
    assert!(rest.is_empty(), "answered {rest:?}");

    // Half the preface, then silence: closed once the header read timeout passes.
    assert!(raw.read_to_close().await.is_empty());

    // Silence from the start: the same.
    let mut silent = Raw::connect(&server).await;
    assert!(silent.read_to_close().await.is_empty());

    // The server still serves both protocols.
    let mut client = RawH2::connect(&server).await;
    client.start_split().await;
    client.send(&get_headers(1, "/hello")).await;
    assert_eq!(client.response(1).await.1, b"hello over h2");
    assert_eq!(support::get(&server, "/hello").await.status, 200);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn h2c_without_the_h2_protocol_fails_at_start() {
    let err = Engine::with_defaults(config(Tokio).h2c(true))
        .start()
        .await
        .expect_err("started h2c with no h2 protocol");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .contains("h.add_protocol(hertz_core::h2::H2Factory::default())"),
        "unclear error: {err}"
    );
}

#[rstest]
#[tokio::test]
async fn without_h2c_the_preface_is_an_http1_request(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = Engine::with_defaults(config(transport));
    h.get("/hello", hello);
    h.add_protocol(H2Factory::default());
    let server = start(h).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(PREFACE).await;
    let reply = raw.response().await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (400, "unsupported HTTP version")
    );
    server.shutdown().await.expect("shutdown");
}

// ---- connection lifetime ----------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn an_idle_connection_gets_goaway_and_is_closed(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let config = config(transport).idle_timeout(Duration::from_millis(300));
    let server = start(h2c_app(config)).await;
    let mut client = RawH2::connect(&server).await;
    client.start_split().await;
    client.send(&get_headers(1, "/hello")).await;
    assert_eq!(client.response(1).await.1, b"hello over h2");
    // No stream open now: after the idle timeout, GOAWAY(NO_ERROR) naming stream 1, then EOF.
    let frames = client.frames_until_close().await;
    assert_eq!(goaway(&frames), Some((1, 0)), "frames: {frames:?}");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn a_peer_that_does_not_answer_pings_is_closed(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = Engine::with_defaults(config(transport).h2c(true));
    h.get("/hello", hello);
    h.add_protocol(
        H2Factory::default()
            .ping_interval(Duration::from_millis(100))
            .ping_timeout(Duration::from_millis(200)),
    );
    let server = start(h).await;
    let mut client = RawH2::connect(&server).await;
    client.start_split().await;
    // This client never answers: the server PINGs, waits, and closes.
    let frames = client.frames_until_close().await;
    let pings: Vec<_> = frames
        .iter()
        .filter(|f| f.kind == PING && f.flags & 0x1 == 0)
        .collect();
    assert!(!pings.is_empty(), "no PING before the close: {frames:?}");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn graceful_shutdown_sends_goaway_and_finishes_the_stream_in_flight(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let (started_tx, started_rx) = tokio::sync::mpsc::channel::<()>(1);
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut h = Engine::with_defaults(config(transport).h2c(true));
    let handler_release = release.clone();
    h.get(
        "/slow",
        hertz_core::handler(move |_ctx, c| {
            let started = started_tx.clone();
            let release = handler_release.clone();
            Box::pin(async move {
                let _ = started.send(()).await;
                release.notified().await;
                c.string(200, "finished");
            })
        }),
    );
    h.add_protocol(H2Factory::default());
    let server = start(h).await;
    let mut client = RawH2::connect(&server).await;
    client.start_split().await;
    client.send(&get_headers(1, "/slow")).await;
    let mut started_rx = started_rx;
    tokio::time::timeout(WAIT, started_rx.recv())
        .await
        .expect("handler did not start");

    let shutdown = tokio::spawn(server.shutdown());
    // GOAWAY arrives while the stream is still in flight.
    loop {
        let frame = client.frame().await.expect("closed before GOAWAY");
        if frame.kind == GOAWAY {
            break;
        }
    }
    release.notify_one();
    let (status, body) = client.response(1).await;
    assert_eq!((status, body.as_slice()), (0x88, &b"finished"[..]));
    let rest = client.frames_until_close().await;
    if let Some((last, code)) = goaway(&rest) {
        assert_eq!((last, code), (1, 0), "second GOAWAY");
    }
    tokio::time::timeout(WAIT, shutdown)
        .await
        .expect("shutdown did not finish")
        .expect("shutdown task")
        .expect("shutdown");
}

// ---- limits, with the h2 crate's client ----------------------------------------------------

/// An HTTP/2 client (the `h2` crate) on a cleartext connection, its connection driven in
/// the background.
async fn h2_client(server: &ServerHandle) -> h2::client::SendRequest<Bytes> {
    let tcp = TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("h2 handshake");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// Sends `POST path` with `headers` and `body` (sent whole, then end of stream); returns
/// the status and the body.
async fn h2_request(
    client: &mut h2::client::SendRequest<Bytes>,
    path: &str,
    headers: &[(&str, String)],
    body: Option<Bytes>,
) -> (u16, Bytes) {
    let mut request = http::Request::post(format!("http://localhost{path}"));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request.body(()).expect("request");
    let ready = client.clone().ready().await.expect("client ready");
    *client = ready;
    let (response, mut send) = client
        .send_request(request, body.is_none())
        .expect("send request");
    if let Some(body) = body {
        send.reserve_capacity(body.len());
        // Whatever the window allows; the rest is buffered by h2 and sent as credit comes.
        let _ = send.send_data(body, true);
    }
    h2_read(response).await
}

#[rstest]
#[tokio::test]
async fn a_body_over_the_engine_limit_gets_413_and_the_connection_serves_on(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(h2c_app(config(transport).max_request_body_size(1024))).await;
    let mut client = h2_client(&server).await;
    let small = Bytes::from(vec![b'a'; 1024]);
    let (status, body) = h2_request(&mut client, "/echo", &[], Some(small.clone())).await;
    assert_eq!((status, body), (200, small.clone()));

    // Counted as it arrives (no content-length), and announced up front: both refused.
    let big = Bytes::from(vec![b'b'; 256 * 1024]);
    let announced = [("content-length", big.len().to_string())];
    for headers in [&[][..], &announced[..]] {
        let (status, body) = h2_request(&mut client, "/echo", headers, Some(big.clone())).await;
        assert_eq!(status, 413);
        assert_eq!(body, "request body too large");
    }
    // The same connection goes on serving.
    let (status, body) = h2_request(&mut client, "/echo", &[], Some(small.clone())).await;
    assert_eq!((status, body), (200, small));
    // curl sees the same limit.
    let out = support::curl_text(&[
        "--http2-prior-knowledge",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}|%{http_version}",
        "--data-binary",
        &"x".repeat(2000),
        &url(&server, "/echo"),
    ])
    .await;
    assert_eq!(out, "413|2");
    // After the 413 the stream is reset with NO_ERROR, so the client stops sending
    // (RFC 9113 §8.1), whether the size was announced or not.
    let upload = std::env::temp_dir().join(format!(
        "hertz-h2-upload-{}-{transport:?}",
        std::process::id()
    ));
    std::fs::write(&upload, vec![b'c'; 256 * 1024]).expect("write upload");
    let upload_path = upload.to_string_lossy().into_owned();
    for extra in [&[][..], &["--no-content-length"][..]] {
        let mut args = vec!["-v", "-d", &upload_path];
        args.extend_from_slice(extra);
        let echo = url(&server, "/echo");
        args.push(&echo);
        let out = nghttp(&args).await;
        assert!(out.contains(":status: 413"), "{out}");
        let reset = out
            .split("recv RST_STREAM frame")
            .nth(1)
            .unwrap_or_else(|| panic!("no RST_STREAM {extra:?}: {out}"));
        assert!(
            reset
                .trim_start()
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("error_code=NO_ERROR")),
            "{extra:?}: {out}"
        );
    }
    let _ = std::fs::remove_file(&upload);
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn streamed_request_bodies_arrive_whole_past_the_limit(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let config = config(transport)
        .stream_request_body(true)
        .max_request_body_size(1024);
    let server = start(h2c_app(config)).await;
    let mut client = h2_client(&server).await;
    // 8 MiB through a 1 KiB limit: streamed bodies are not limited, and flow control moves
    // them only as the handler reads.
    let upload = Bytes::from(vec![b'u'; 8 << 20]);
    let (status, body) = h2_request(&mut client, "/count", &[], Some(upload)).await;
    assert_eq!((status, body), (200, Bytes::from((8 << 20).to_string())));
    // No body: no stream.
    let (status, body) = h2_request(&mut client, "/count", &[], None).await;
    assert_eq!((status, body), (200, Bytes::from("no body stream")));
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn header_limits_answer_431(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let config = config(transport).max_header_bytes(2048).max_header_count(8);
    let server = start(h2c_app(config)).await;
    let mut client = h2_client(&server).await;
    let (status, _) = h2_request(&mut client, "/echo", &[("x-big", "v".repeat(4096))], None).await;
    assert_eq!(status, 431, "header block over max_header_bytes");

    let many: Vec<(&str, String)> = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .map(|n| (*n, "1".to_owned()))
        .collect();
    let (status, body) = h2_request(&mut client, "/echo", &many, None).await;
    assert_eq!((status, body), (431, Bytes::from("too many header fields")));

    let (status, _) = h2_request(&mut client, "/echo", &[("x-small", "v".into())], None).await;
    assert_eq!(status, 200, "a small request after the refusals");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn a_stream_reset_by_the_client_cancels_its_context(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let (started_tx, mut started_rx) = tokio::sync::mpsc::channel::<()>(1);
    let (cancelled_tx, mut cancelled_rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut h = Engine::with_defaults(config(transport).h2c(true));
    h.get(
        "/wait",
        hertz_core::handler(move |ctx, c| {
            let (started, cancelled) = (started_tx.clone(), cancelled_tx.clone());
            Box::pin(async move {
                let _ = started.send(()).await;
                ctx.cancelled().await;
                let _ = cancelled.send(()).await;
                c.string(200, "cancelled");
            })
        }),
    );
    h.get("/hello", hello);
    h.add_protocol(H2Factory::default());
    let server = start(h).await;
    let mut client = h2_client(&server).await;
    let request = http::Request::get("http://localhost/wait")
        .body(())
        .expect("request");
    // The request ends (so the handler runs), then the client cancels the stream.
    let (_response, mut send) = client.send_request(request, true).expect("send");
    tokio::time::timeout(WAIT, started_rx.recv())
        .await
        .expect("handler did not start");
    send.send_reset(h2::Reason::CANCEL);
    tokio::time::timeout(WAIT, cancelled_rx.recv())
        .await
        .expect("the handler's context was not cancelled by RST_STREAM");
    // Only that stream: the connection serves on.
    let request = http::Request::get("http://localhost/hello")
        .body(())
        .expect("request");
    let (response, _) = client.send_request(request, true).expect("send");
    let response = tokio::time::timeout(WAIT, response)
        .await
        .expect("no response")
        .expect("response");
    assert_eq!(response.status(), 200);
    server.shutdown().await.expect("shutdown");
}

async fn panics(_ctx: Context, _c: &mut RequestContext) {
    panic!("a bug in one handler");
}

/// Sends `GET path` on `client` and returns the pending response.
fn h2_get(client: &mut h2::client::SendRequest<Bytes>, path: &str) -> h2::client::ResponseFuture {
    let request = http::Request::get(format!("http://localhost{path}"))
        .body(())
        .expect("request");
    client.send_request(request, true).expect("send").0
}

/// The status and body of a response, each within [`WAIT`]; the body's flow-control
/// credit is given back as it is read, so a large body keeps coming.
async fn h2_read(response: h2::client::ResponseFuture) -> (u16, Bytes) {
    let response = tokio::time::timeout(WAIT, response)
        .await
        .expect("no response")
        .expect("response");
    let status = response.status().as_u16();
    let mut recv = response.into_body();
    let mut body = Vec::new();
    while let Some(chunk) = tokio::time::timeout(WAIT, recv.data())
        .await
        .expect("body stalled")
    {
        let chunk = chunk.expect("body chunk");
        let _ = recv.flow_control().release_capacity(chunk.len());
        body.extend_from_slice(&chunk);
    }
    (status, Bytes::from(body))
}

#[rstest]
#[tokio::test]
async fn a_panicking_stream_is_reset_and_the_other_streams_complete(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let (started_tx, mut started_rx) = tokio::sync::mpsc::channel::<()>(1);
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    // No recovery middleware: the panic reaches the HTTP/2 server itself.
    let mut h = Engine::new(config(transport).h2c(true));
    h.get("/panic", panics);
    h.get(
        "/wait",
        hertz_core::handler(move |_ctx, c| {
            let started = started_tx.clone();
            let mut release = release_rx.clone();
            Box::pin(async move {
                let _ = started.send(()).await;
                let _ = release.wait_for(|released| *released).await;
                c.string(200, "released");
            })
        }),
    );
    h.get("/hello", hello);
    h.add_protocol(H2Factory::default());
    let server = start(h).await;
    let mut client = h2_client(&server).await;

    // A stream in flight on the connection when another one panics.
    let waiting = h2_get(&mut client, "/wait");
    tokio::time::timeout(WAIT, started_rx.recv())
        .await
        .expect("the /wait handler did not start");
    let panicked = tokio::time::timeout(WAIT, h2_get(&mut client, "/panic"))
        .await
        .expect("no answer for the panicking stream")
        .expect_err("a panicking stream has no response");
    assert_eq!(panicked.reason(), Some(h2::Reason::INTERNAL_ERROR));

    release_tx.send(true).expect("the /wait handler is gone");
    assert_eq!(
        h2_read(waiting).await,
        (200, Bytes::from_static(b"released")),
        "the stream in flight finishes"
    );
    assert_eq!(
        h2_read(h2_get(&mut client, "/hello")).await,
        (200, Bytes::from_static(b"hello over h2")),
        "the connection serves new streams"
    );
    server.shutdown().await.expect("shutdown");
}

/// A value a handler stores in its `Context`.
#[derive(Clone)]
struct Marker;

#[rstest]
#[tokio::test]
async fn a_reused_context_starts_without_the_last_streams_values(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = Engine::new(config(transport).h2c(true));
    h.get(
        "/set",
        hertz_core::handler(|ctx, c| {
            Box::pin(async move {
                ctx.set_value(Marker);
                c.string(200, "set");
            })
        }),
    );
    h.get(
        "/get",
        hertz_core::handler(|ctx, c| {
            Box::pin(async move {
                let seen = if ctx.value::<Marker>().is_some() {
                    "leaked"
                } else {
                    "clean"
                };
                c.string(200, seen);
            })
        }),
    );
    h.add_protocol(H2Factory::default());
    let server = start(h).await;
    let mut client = h2_client(&server).await;
    for _ in 0..3 {
        assert_eq!(h2_read(h2_get(&mut client, "/set")).await.1, "set");
        assert_eq!(h2_read(h2_get(&mut client, "/get")).await.1, "clean");
    }
    server.shutdown().await.expect("shutdown");
}

// ---- HTTP/2 over TLS ------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn nghttp_and_h2load_over_tls(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let certs = Certs::new();
    let mut h = Engine::with_defaults(config(transport).tls(certs.server_config()));
    h.get("/hello", hello);
    h.add_protocol(H2Factory::default());
    let server = start(h).await;
    let hello = format!("https://127.0.0.1:{}/hello", server.local_addr().port());
    // nghttp does not verify certificates (curl's TLS tests do); ALPN picks h2.
    let out = nghttp(&["-m", "10", &hello]).await;
    assert_eq!(out, "hello over h2".repeat(10));
    let report = h2load(&["-n", "2000", "-c", "2", "-m", "16", &hello]).await;
    assert_eq!(
        (
            report.succeeded,
            report.failed,
            report.errored,
            report.status_2xx
        ),
        (2000, 0, 0, 2000),
        "{report:?}"
    );
    assert_eq!(report.data_bytes, 2000 * "hello over h2".len() as u64);
    server.shutdown().await.expect("shutdown");
}
