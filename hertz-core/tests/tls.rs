//! TLS over real loopback sockets, each test on both transports: curl over HTTPS (HTTP/1.1
//! and HTTP/2 by ALPN), large bodies both ways, plain HTTP sent to the TLS port, broken and
//! stalled handshakes, ALPN dispatch, and the PEM loader's errors. Certificates are
//! self-signed and generated per test (rcgen).

mod support;

use rstest::rstest;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hertz_core::tls::{load_pem, TlsErrorKind};
use hertz_core::{Config, Context, Engine, EngineCore, RequestContext, Routes};
use hertz_protocol::{Server, ServerFactory};
use hertz_transport::{CancelToken, Conn};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use support::certs::Certs;
use support::{config, start, Netpoll, Raw, Tokio, TransportKind, WAIT};

async fn hello(_ctx: Context, c: &mut RequestContext) {
    c.string(200, "hello over tls");
}

/// Size of `/big`: far more than the socket buffers, so TLS writes have to wait.
const BIG: usize = 8 << 20;

async fn big(_ctx: Context, c: &mut RequestContext) {
    c.bytes(200, "application/octet-stream", vec![b'x'; BIG]);
}

fn tls_app(config: Config) -> Engine {
    let mut h = Engine::with_defaults(config);
    h.get("/hello", hello).get("/big", big);
    h
}

/// `https://localhost:PORT/PATH`, with curl told that localhost is the server's address.
fn curl_args(port: u16, path: &str) -> (String, String) {
    (
        format!("localhost:{port}:127.0.0.1"),
        format!("https://localhost:{port}{path}"),
    )
}

/// curl trusting the test CA, with `localhost` resolved to the server (`resolve`).
async fn trusted_curl(certs: &Certs, resolve: &str, args: &[&str]) -> std::process::Output {
    let cacert = certs.cert.to_string_lossy().into_owned();
    let mut all = vec!["--cacert", cacert.as_str(), "--resolve", resolve];
    all.extend_from_slice(args);
    support::curl(&all).await
}

/// [`trusted_curl`]'s stdout; fails the test if curl fails.
async fn trusted_curl_text(certs: &Certs, resolve: &str, args: &[&str]) -> String {
    let out = trusted_curl(certs, resolve, args).await;
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Reads until the server closes the connection; fails the test if it does not within
/// [`WAIT`]. Returns what was read (e.g. a TLS alert).
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(WAIT, async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server did not close the connection");
    out
}

/// Sends one HTTP/1.1 request over a TLS client connection and returns the whole answer
/// (the request asks the server to close).
async fn https_get(
    connector: &TlsConnector,
    addr: std::net::SocketAddr,
) -> (Option<Vec<u8>>, String) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("server name");
    let mut tls = tokio::time::timeout(WAIT, connector.connect(name, tcp))
        .await
        .expect("handshake timed out")
        .expect("handshake");
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    tls.write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    // rustls reports a close without close_notify as an error: the server sends one.
    tokio::time::timeout(WAIT, tls.read_to_end(&mut answer))
        .await
        .expect("the server did not close the connection")
        .expect("the connection ended without close_notify");
    (alpn, String::from_utf8_lossy(&answer).into_owned())
}

#[rstest]
#[tokio::test]
async fn curl_gets_200_over_tls(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let certs = Certs::new();
    let server = start(tls_app(config(transport).tls(certs.server_config()))).await;
    let port = server.local_addr().port();
    let (resolve, url) = curl_args(port, "/hello");
    let body = trusted_curl_text(
        &certs,
        &resolve,
        &[
            "--http1.1",
            "-w",
            "|%{http_code}|%{http_version}|%{scheme}",
            &url,
        ],
    )
    .await;
    assert_eq!(body, "hello over tls|200|1.1|HTTPS");
    // Keep-alive: two requests on one connection.
    let two = trusted_curl_text(&certs, &resolve, &["--http1.1", &url, &url]).await;
    assert_eq!(two, "hello over tls".repeat(2));
    server.shutdown().await.expect("shutdown");
}

/// The tail of a large response reaches a keep-alive client instead of waiting in rustls's
/// buffer for the next write (both transports flush rustls's records, not just the
/// plaintext). Whether the last write finds the socket full depends on the kernel, so this
/// guards the path without forcing it every run.
#[rstest]
#[tokio::test]
async fn a_large_keep_alive_response_arrives_whole(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let server = start(tls_app(config(transport).tls(certs.server_config()))).await;
    // A small receive window, so the server's writes keep finding the socket full.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let tcp = socket.connect(server.local_addr()).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("server name");
    let mut tls = certs
        .connector(&[b"http/1.1"])
        .connect(name, tcp)
        .await
        .expect("handshake");
    for _ in 0..2 {
        tls.write_all(b"GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .expect("write");
        let mut received = Vec::new();
        let complete = tokio::time::timeout(WAIT, async {
            let mut chunk = vec![0u8; 4096];
            loop {
                if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                    if received.len() >= end + 4 + BIG {
                        return;
                    }
                }
                match tls.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => received.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await;
        assert!(complete.is_ok(), "stalled after {} bytes", received.len());
        assert!(received.starts_with(b"HTTP/1.1 200"));
        assert!(
            received.ends_with(&b"x"[..]),
            "cut short at {} bytes",
            received.len()
        );
    }
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn curl_rejects_an_untrusted_certificate(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let certs = Certs::new();
    let server = start(tls_app(config(transport).tls(certs.server_config()))).await;
    let (resolve, url) = curl_args(server.local_addr().port(), "/hello");
    // No --cacert: the self-signed certificate is not trusted, and the server survives.
    let out = support::curl(&["--http1.1", "--resolve", &resolve, &url]).await;
    assert!(
        !out.status.success(),
        "curl trusted a self-signed certificate"
    );
    let body = trusted_curl_text(&certs, &resolve, &["--http1.1", &url]).await;
    assert_eq!(body, "hello over tls");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn plain_http_to_the_tls_port_gets_400_and_close(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let server = start(tls_app(config(transport).tls(certs.server_config()))).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /hello HTTP/1.1\r\nHost: test\r\n\r\n").await;
    let reply = raw.response().await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.text(),
        "Client sent an HTTP request to an HTTPS server"
    );
    assert!(raw.closed().await, "connection left open after the 400");

    // curl speaking http:// to the port sees the same answer.
    let url = format!("http://127.0.0.1:{}/hello", server.local_addr().port());
    let body = support::curl_text(&["-w", "|%{http_code}", &url]).await;
    assert_eq!(body, "Client sent an HTTP request to an HTTPS server|400");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn broken_handshakes_close_only_their_connection(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let server = start(tls_app(config(transport).tls(certs.server_config()))).await;
    let addr = server.local_addr();

    // A stalled handshake stays open while the others are served.
    let mut stalled = TcpStream::connect(addr).await.expect("connect");
    stalled.write_all(&[0x16, 0x03, 0x01]).await.expect("write");

    // A handshake record holding garbage: rustls fails it (perhaps sending an alert).
    let mut garbage = TcpStream::connect(addr).await.expect("connect");
    let mut record = vec![0x16, 0x03, 0x01, 0x00, 0x40];
    record.extend((0..0x40u8).map(|i| i.wrapping_mul(37)));
    garbage.write_all(&record).await.expect("write");
    let alert = read_until_closed(&mut garbage).await;
    assert!(!alert.starts_with(b"HTTP/"), "garbage got an HTTP answer");

    // Binary that is neither TLS nor HTTP: closed without an answer.
    let mut binary = TcpStream::connect(addr).await.expect("connect");
    binary
        .write_all(&[0x00, 0xff, 0x10, 0x20])
        .await
        .expect("write");
    assert!(read_until_closed(&mut binary).await.is_empty());

    let (alpn, answer) = https_get(&certs.connector(&[b"http/1.1"]), addr).await;
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert!(answer.starts_with("HTTP/1.1 200"), "got {answer:?}");
    assert!(answer.ends_with("hello over tls"), "got {answer:?}");
    drop(stalled);
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn a_silent_client_is_closed_when_the_handshake_time_runs_out(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let config = config(transport)
        .tls(certs.server_config())
        .read_header_timeout(Duration::from_millis(200));
    let server = start(tls_app(config)).await;
    let mut silent = TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    assert!(read_until_closed(&mut silent).await.is_empty());
    // Half a handshake times out too.
    let mut half = TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    half.write_all(&[0x16, 0x03, 0x01]).await.expect("write");
    read_until_closed(&mut half).await;
    let (_, answer) = https_get(&certs.connector(&[]), server.local_addr()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "got {answer:?}");
    server.shutdown().await.expect("shutdown");
}

/// Answers the body's length and byte sum, so a corrupted upload cannot pass.
async fn upload(_ctx: Context, c: &mut RequestContext) {
    let body = c.body();
    let sum: u64 = body.iter().map(|&b| u64::from(b)).sum();
    c.string(200, format!("{}|{sum}|", body.len()));
}

#[rstest]
#[tokio::test]
async fn a_large_upload_arrives_whole_over_http1_and_h2(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let config = config(transport)
        .tls(certs.server_config())
        .max_request_body_size(2 * BIG);
    let mut h = tls_app(config);
    h.post("/upload", upload);
    h.add_protocol(hertz_core::h2::H2Factory::default().max_request_body_size(2 * BIG));
    let server = start(h).await;
    let data: Vec<u8> = (0..BIG).map(|i| (i % 251) as u8).collect();
    let sum: u64 = data.iter().map(|&b| u64::from(b)).sum();
    let file = certs.dir.join("upload.bin");
    std::fs::write(&file, &data).expect("write upload");
    let upload_arg = format!("@{}", file.display());
    let (resolve, url) = curl_args(server.local_addr().port(), "/upload");
    // Two uploads on one keep-alive connection, then the same over HTTP/2.
    for version in ["--http1.1", "--http2"] {
        let args = [version, "--data-binary", &upload_arg, &url, &url];
        let body = trusted_curl_text(&certs, &resolve, &args).await;
        assert_eq!(body, format!("{BIG}|{sum}|").repeat(2), "{version}");
    }
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn shutdown_closes_connections_still_in_the_handshake(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    // Waiting for open connections must not wait for handshakes that will never finish.
    let config = config(transport)
        .tls(certs.server_config())
        .exit_wait_time(Duration::from_secs(3600));
    let server = start(tls_app(config)).await;
    // Send a ClientHello and read the server's first flight: the server has accepted this
    // connection and waits in the handshake for the client's next message, which never comes.
    let name = ServerName::try_from("localhost").expect("server name");
    let mut client = rustls::ClientConnection::new(certs.client_config(&[]), name).expect("client");
    let mut hello = Vec::new();
    client.write_tls(&mut hello).expect("ClientHello");
    let mut stalled = TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    stalled.write_all(&hello).await.expect("write");
    let mut flight = [0u8; 1024];
    let n = tokio::time::timeout(WAIT, stalled.read(&mut flight))
        .await
        .expect("no ServerHello")
        .expect("read");
    assert!(n > 0 && flight[0] == 0x16, "not a handshake record");
    tokio::time::timeout(WAIT, server.shutdown())
        .await
        .expect("shutdown waited for a stalled handshake")
        .expect("shutdown");
    read_until_closed(&mut stalled).await;
}

/// A protocol that answers one line and closes, to see ALPN dispatch pick it.
struct LineProtocol;

impl Server for LineProtocol {
    fn serve_conn(
        self: Arc<Self>,
        mut conn: Box<dyn Conn>,
        _shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let protocol = conn.alpn_protocol().map(<[u8]>::to_vec).unwrap_or_default();
            conn.write_buf().extend_from_slice(b"line protocol via ");
            conn.write_buf().extend_from_slice(&protocol);
            let _ = poll_fn(|cx| conn.poll_shutdown(cx)).await;
        })
    }
}

impl ServerFactory<EngineCore> for LineProtocol {
    fn protocol(&self) -> &'static str {
        "hertz-line"
    }

    fn new_server(&self, _core: Arc<EngineCore>) -> Arc<dyn Server> {
        Arc::new(LineProtocol)
    }
}

#[rstest]
#[tokio::test]
async fn alpn_picks_the_negotiated_protocol_with_http1_as_fallback(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let mut h = tls_app(config(transport).tls(certs.server_config()));
    h.add_protocol(LineProtocol);
    let server = start(h).await;
    let addr = server.local_addr();

    // The engine's preference wins: its protocols first, http/1.1 last.
    let both = certs.connector(&[b"http/1.1", b"hertz-line"]);
    let (alpn, answer) = https_get(&both, addr).await;
    assert_eq!(alpn.as_deref(), Some(&b"hertz-line"[..]));
    assert_eq!(answer, "line protocol via hertz-line");

    // Offering only http/1.1, or a protocol the server lacks next to it: HTTP/1.1.
    for offer in [&[&b"http/1.1"[..]][..], &[b"h2", b"http/1.1"]] {
        let (alpn, answer) = https_get(&certs.connector(offer), addr).await;
        assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
        assert!(answer.ends_with("hello over tls"), "got {answer:?}");
    }

    // No ALPN at all: HTTP/1.1.
    let (alpn, answer) = https_get(&certs.connector(&[]), addr).await;
    assert_eq!(alpn, None);
    assert!(answer.starts_with("HTTP/1.1 200"), "got {answer:?}");

    // curl offers http/1.1 only with --http1.1.
    let (resolve, url) = curl_args(addr.port(), "/hello");
    let body = trusted_curl_text(&certs, &resolve, &["--http1.1", &url]).await;
    assert_eq!(body, "hello over tls");
    server.shutdown().await.expect("shutdown");
}

async fn echo(_ctx: Context, c: &mut RequestContext) {
    let body = c.body().clone();
    let host = c.get_header("host").unwrap_or("none").to_owned();
    c.string(200, format!("{host}|{}", String::from_utf8_lossy(&body)));
}

#[rstest]
#[tokio::test]
async fn curl_speaks_h2_when_the_h2_protocol_is_registered(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let certs = Certs::new();
    let mut h = tls_app(config(transport).tls(certs.server_config()));
    h.post("/echo", echo);
    h.add_protocol(hertz_core::h2::H2Factory::default());
    let server = start(h).await;
    let port = server.local_addr().port();
    let (resolve, url) = curl_args(port, "/hello");
    let body = trusted_curl_text(
        &certs,
        &resolve,
        &["--http2", "-w", "|%{http_version}", &url, &url],
    )
    .await;
    assert_eq!(body, "hello over tls|2hello over tls|2");
    let (_, echo_url) = curl_args(port, "/echo");
    let body = trusted_curl_text(&certs, &resolve, &["--http2", "-d", "ping", &echo_url]).await;
    assert_eq!(body, format!("localhost:{port}|ping"));
    let head = trusted_curl_text(&certs, &resolve, &["--http2", "-sI", &url]).await;
    assert!(head.starts_with("HTTP/2 200"), "{head}");
    for field in ["server: hertz", "date: ", "content-length: 14"] {
        assert!(head.contains(field), "no {field:?} in {head}");
    }
    // A big body comes through flow control whole.
    let (_, big_url) = curl_args(port, "/big");
    let out = trusted_curl(
        &certs,
        &resolve,
        &[
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{size_download}|%{http_version}",
            &big_url,
        ],
    )
    .await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{BIG}|2"));
    // --http1.1 still gets HTTP/1.1 on the same port.
    let body = trusted_curl_text(
        &certs,
        &resolve,
        &["--http1.1", "-w", "|%{http_version}", &url],
    )
    .await;
    assert_eq!(body, "hello over tls|1.1");
    server.shutdown().await.expect("shutdown");
}

#[rstest]
#[tokio::test]
async fn an_h2_body_over_the_limit_gets_413(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let certs = Certs::new();
    let mut h = tls_app(config(transport).tls(certs.server_config()));
    h.post("/echo", echo);
    h.add_protocol(hertz_core::h2::H2Factory::default().max_request_body_size(4));
    let server = start(h).await;
    let port = server.local_addr().port();
    let (resolve, url) = curl_args(port, "/echo");
    for (data, status) in [("four", "200"), ("too long", "413")] {
        let args = [
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-d",
            data,
            &url,
        ];
        let body = trusted_curl_text(&certs, &resolve, &args).await;
        assert_eq!(body, status, "body {data:?}");
    }
    server.shutdown().await.expect("shutdown");
}

#[test]
fn pem_loader_errors_name_the_file_and_the_problem() {
    let certs = Certs::new();
    let missing = certs.dir.join("missing.pem");
    let not_pem = certs.write("not-pem.pem", "-----BEGIN CERTIFICATE-----\n@@@@\n");
    let empty = certs.write("empty.pem", "no PEM sections here\n");

    // (cert, key, expected kind, file named, words in the message)
    let cases = [
        (
            &missing,
            &certs.key,
            TlsErrorKind::Io,
            &missing,
            "cannot read",
        ),
        (
            &certs.cert,
            &missing,
            TlsErrorKind::Io,
            &missing,
            "cannot read",
        ),
        (
            &certs.cert,
            &certs.cert,
            TlsErrorKind::NoPrivateKey,
            &certs.cert,
            "no private key",
        ),
        (
            &certs.key,
            &certs.key,
            TlsErrorKind::NoCertificate,
            &certs.key,
            "no certificate",
        ),
        (
            &empty,
            &certs.key,
            TlsErrorKind::NoCertificate,
            &empty,
            "no certificate",
        ),
        (
            &not_pem,
            &certs.key,
            TlsErrorKind::Pem,
            &not_pem,
            "not valid PEM",
        ),
    ];
    for (cert, key, kind, named, words) in cases {
        let err = load_pem(cert, key).expect_err("loaded a bad pair");
        let message = err.to_string();
        assert_eq!(err.kind(), kind, "{message}");
        assert_eq!(err.path(), Some(named.as_path()), "{message}");
        assert!(message.contains(&*named.to_string_lossy()), "{message}");
        assert!(message.contains(words), "{message}");
    }

    // A key that is not the certificate's.
    let other = rcgen::KeyPair::generate().expect("key");
    let other_key = certs.write("other-key.pem", &other.serialize_pem());
    let err = load_pem(&certs.cert, &other_key).expect_err("mismatched key accepted");
    assert_eq!(err.kind(), TlsErrorKind::Rejected, "{err}");
    assert!(
        err.to_string().contains(&*other_key.to_string_lossy()),
        "{err}"
    );
}
