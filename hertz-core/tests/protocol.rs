//! HTTP/1.1 behaviour over real loopback sockets: framing, limits, timeouts, smuggling
//! defences, keep-alive and pipelining.

mod support;

use rstest::rstest;

use std::time::Duration;

use hertz_core::{Context, Engine, RequestContext, Routes};
use support::{config, refused, roundtrip, start, Netpoll, Raw, Tokio, TransportKind};

async fn echo(_ctx: Context, c: &mut RequestContext) {
    let body = c.body().clone();
    c.bytes(200, "application/octet-stream", body);
}

async fn trailer(_ctx: Context, c: &mut RequestContext) {
    let value = c
        .request()
        .trailers()
        .get_str("x-checksum")
        .unwrap_or("none")
        .to_owned();
    let body = String::from_utf8_lossy(c.body()).into_owned();
    c.string(200, format!("{body}|{value}"));
}

async fn hello(_ctx: Context, c: &mut RequestContext) {
    c.string(200, "hello");
}

fn app(config: hertz_core::Config) -> Engine {
    let mut h = Engine::with_defaults(config);
    h.post("/echo", echo)
        .post("/trailer", trailer)
        .get("/hello", hello)
        .options("/hello", hello);
    h
}

#[rstest]
#[tokio::test]
async fn smuggling_and_malformed_heads_are_refused_and_closed(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(config(transport))).await;
    let cases: &[(&str, &[u8], u16)] = &[
        ("TE and CL", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("CL and TE", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400),
        ("differing CLs", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("CL list", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
        ("non-numeric CL", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400),
        ("negative CL", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("signed CL", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("CL overflow", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("final coding not chunked", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("chunked then gzip", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("chunked twice", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
        ("chunked in two fields", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("empty coding", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", 400),
        ("coding with params", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 400),
        ("vertical tab in TE", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", 400),
        ("TE look-alike name", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("CL look-alike name", b"POST /echo HTTP/1.1\r\nHost: a\r\nContent_Length: 3\r\n\r\nabc", 400),
        ("TE in HTTP/1.0", b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("bad chunk size", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
        ("chunk size overflow", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400),
        ("missing CRLF after chunk", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400),
        ("chunk size with bare LF", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400),
        ("obs-fold", b"GET /hello HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        ("space before colon", b"GET /hello HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("bare CR in value", b"GET /hello HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", 400),
        ("NUL in value", b"GET /hello HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n", 400),
        ("control byte in name", b"GET /hello HTTP/1.1\r\nHost: a\r\nX\x01A: 1\r\n\r\n", 400),
        ("HTTP/1.1 without Host", b"GET /hello HTTP/1.1\r\n\r\n", 400),
        ("two Hosts", b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("relative target", b"GET hello HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("asterisk for GET", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("unknown HTTP version", b"GET /hello HTTP/2.0\r\nHost: a\r\n\r\n", 400),
        ("unsupported coding", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        ("unknown expectation", b"POST /echo HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\na", 417),
    ];
    for (name, bytes, status) in cases {
        let (reply, closed) = refused(&server, bytes).await;
        assert_eq!(reply.status, *status, "{name}: {:?}", reply.text());
        assert_eq!(reply.header("connection"), Some("close"), "{name}");
        assert!(closed, "{name}: connection left open after a refusal");
    }
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn accepted_target_forms(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(config(transport))).await;
    let (reply, _) = roundtrip(
        &server,
        b"GET http://example.com/hello HTTP/1.1\r\nHost: example.com\r\n\r\n",
    )
    .await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "hello"));
    let (reply, _) = roundtrip(&server, b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(
        reply.status, 404,
        "OPTIONS * reaches routing (no route for `*`)"
    );
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn limits_answer_431_414_413(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(config(transport)
        .max_header_bytes(4096)
        .max_header_count(10)
        .max_request_line(256)
        .max_request_body_size(16)))
    .await;

    let big = format!(
        "GET /hello HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "a".repeat(8192)
    );
    let (reply, closed) = refused(&server, big.as_bytes()).await;
    assert_eq!(reply.status, 431);
    assert!(closed);

    let mut many = String::from("GET /hello HTTP/1.1\r\nHost: a\r\n");
    for i in 0..20 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let (reply, closed) = refused(&server, many.as_bytes()).await;
    assert_eq!(reply.status, 431);
    assert!(closed);

    let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "x".repeat(1000));
    let (reply, closed) = refused(&server, long.as_bytes()).await;
    assert_eq!(reply.status, 414);
    assert!(closed);

    let (reply, closed) = refused(
        &server,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789",
    )
    .await;
    assert_eq!(reply.status, 413);
    assert!(closed);

    let chunked = b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
    let (reply, closed) = refused(&server, chunked).await;
    assert_eq!(reply.status, 413);
    assert!(closed);

    // Exactly at the body limit is fine.
    let (reply, _) = roundtrip(
        &server,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n\r\n0123456789abcdef",
    )
    .await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "0123456789abcdef")
    );
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn a_200_kib_header_block_is_accepted_under_the_default_limit(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(config(transport))).await;
    let value = "v".repeat(200 * 1024);
    let req = format!("GET /hello HTTP/1.1\r\nHost: a\r\nX-Big: {value}\r\n\r\n");
    let (reply, _) = roundtrip(&server, req.as_bytes()).await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "hello"));
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn slow_heads_and_bodies_get_408_and_silent_connections_are_closed(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(config(transport)
        .read_header_timeout(Duration::from_millis(300))
        .read_body_timeout(Duration::from_millis(300))))
    .await;

    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /hello HTTP/1.1\r\nHost: a\r\n").await;
    let reply = raw.response().await;
    assert_eq!(reply.status, 408);
    assert!(raw.closed().await);

    let mut raw = Raw::connect(&server).await;
    raw.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        .await;
    let reply = raw.response().await;
    assert_eq!(reply.status, 408);
    assert!(raw.closed().await);

    // A connection that never sends a byte is closed without an answer.
    let mut raw = Raw::connect(&server).await;
    assert!(raw.read_to_close().await.is_empty());
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn pipelined_requests_get_ordered_responses(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(config(transport))).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirstGET /hello HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nthird",
    )
    .await;
    let bodies = [
        raw.response().await.text(),
        raw.response().await.text(),
        raw.response().await.text(),
    ];
    assert_eq!(bodies, ["first", "hello", "third"]);
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn keep_alive_and_connection_close(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(config(transport))).await;
    let mut raw = Raw::connect(&server).await;
    for _ in 0..3 {
        raw.send(b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").await;
        let reply = raw.response().await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("connection"), None);
    }
    raw.send(b"GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(raw.response().await.header("connection"), Some("close"));
    assert!(raw.closed().await);

    // HTTP/1.0 keeps the connection only when asked.
    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .await;
    assert_eq!(
        raw.response().await.header("connection"),
        Some("keep-alive")
    );
    raw.send(b"GET /hello HTTP/1.0\r\n\r\n").await;
    let reply = raw.response().await;
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(raw.closed().await);

    // With keep-alive off, every response closes.
    let server2 = start(app(config(transport).keep_alive(false))).await;
    let (reply, mut raw) = roundtrip(&server2, b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(raw.closed().await);
    server.shutdown().await.unwrap();
    server2.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn chunked_bodies_with_trailers_and_expect_continue(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(config(transport))).await;
    let (reply, _) = roundtrip(
        &server,
        b"POST /trailer HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Checksum: 42\r\n\r\n",
    )
    .await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "Wikipedia|42"));

    let mut raw = Raw::connect(&server).await;
    raw.send(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .await;
    let interim = raw.response().await;
    assert_eq!(interim.status, 100);
    raw.send(b"body").await;
    let reply = raw.response().await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "body"));
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn head_date_and_server_headers(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(config(transport))).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n").await;
    let head = raw.response_head_only().await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("5"));
    // The connection is still in sync: the next response is read from where HEAD's ended.
    raw.send(b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").await;
    let reply = raw.response().await;
    assert_eq!(reply.text(), "hello");
    assert_eq!(reply.header("server"), Some("hertz"));
    let date = reply.header("date").expect("Date header");
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn curl_sees_the_same_server(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(config(transport))).await;
    let base = format!("http://{}", server.local_addr());
    let out = support::curl_text(&[
        "-X",
        "POST",
        "--data-binary",
        "from curl",
        &format!("{base}/echo"),
    ])
    .await;
    assert_eq!(out, "from curl");
    let out = support::curl_text(&[
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        "chunked curl",
        &format!("{base}/echo"),
    ])
    .await;
    assert_eq!(out, "chunked curl");
    let out = support::curl_text(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("{base}/missing"),
    ])
    .await;
    assert_eq!(out, "404");
    server.shutdown().await.unwrap();
}
