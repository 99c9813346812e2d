//! HTTPS with rustls against a TLS server made in the test (rcgen certificates): custom
//! CA, SNI, keep-alive over TLS, untrusted and mismatched certificates, HTTP proxies
//! (`CONNECT` for https, absolute-form for http), and our own server on both transports.

mod support;

use std::sync::{Arc, Mutex};

use hertz_client::{ErrorKind, Proxy, Response, TlsConfig};
use hertz_core::TransportKind;
use support::raw::{ok, Raw};
use support::tls::{expired_pki, pki, Pki, TlsServer};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn https_with_a_private_ca_sends_sni_and_keeps_alive() {
    let pki = pki(&["localhost"]);
    let server = TlsServer::start(pki.server_config.clone()).await;
    let tls = TlsConfig::builder()
        .ca_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let client = builder().tls(tls).build().unwrap();
    let url = format!("https://localhost:{}/secure", server.addr.port());
    let mut resp = Response::new();
    for _ in 0..3 {
        client.do_(&ctx(), &mut get(&url), &mut resp).await.unwrap();
        assert_eq!(text(&resp), "tls ok");
    }
    assert_eq!(
        *server.sni.lock().unwrap(),
        [Some("localhost".to_owned())],
        "one handshake"
    );
    assert_eq!(client.stats().reused, 2);
}

#[tokio::test]
async fn untrusted_or_mismatched_certificates_fail_the_handshake() {
    let pki = pki(&["localhost"]);
    let server = TlsServer::start(pki.server_config.clone()).await;
    let mut resp = Response::new();

    let system = builder().tls(TlsConfig::system_roots()).build().unwrap();
    let url = format!("https://localhost:{}/", server.addr.port());
    let err = system
        .do_(&ctx(), &mut get(&url), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.is_tls() && err.is_connect());

    let tls = TlsConfig::builder()
        .ca_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let trusting = builder().tls(tls).build().unwrap();
    let by_ip = format!("https://127.0.0.1:{}/", server.addr.port());
    let err = trusting
        .do_(&ctx(), &mut get(&by_ip), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Tls,
        "certificate is for localhost only: {err}"
    );
    assert_eq!(trusting.stats().open, 0);

    assert!(TlsConfig::builder().ca_pem(b"not a pem").is_err());
    assert!(TlsConfig::builder().build().is_err(), "no roots at all");
}

/// A CONNECT proxy: records the request line, opens the tunnel, and splices bytes.
async fn connect_proxy(seen: Arc<Mutex<Vec<String>>>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or_default().to_owned();
                seen.lock().unwrap().push(line.clone());
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                let Ok(mut upstream) = TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn https_through_a_connect_proxy() {
    let pki = pki(&["localhost"]);
    let server = TlsServer::start(pki.server_config.clone()).await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let proxy = connect_proxy(seen.clone()).await;
    let tls = TlsConfig::builder()
        .ca_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let client = builder()
        .tls(tls)
        .proxy(Proxy::http(&format!("http://{proxy}")).unwrap())
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/", server.addr.port());
    let mut resp = Response::new();
    client.do_(&ctx(), &mut get(&url), &mut resp).await.unwrap();
    client.do_(&ctx(), &mut get(&url), &mut resp).await.unwrap();
    assert_eq!(text(&resp), "tls ok");
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("CONNECT localhost:{} HTTP/1.1", server.addr.port())],
        "one tunnel, kept alive"
    );
    assert_eq!(*server.sni.lock().unwrap(), [Some("localhost".to_owned())]);

    // A proxy that refuses the tunnel is a typed error.
    let refusing = Raw::start(|_, mut conn| async move {
        conn.request().await;
        conn.send(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            .await;
    })
    .await;
    let client = builder()
        .proxy(Proxy::http(&refusing.url("")).unwrap())
        .build()
        .unwrap();
    let err = client
        .do_(&ctx(), &mut get(&url), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy, "{err}");
    assert!(err.to_string().contains("407"), "{err}");
}

#[tokio::test]
async fn plain_http_through_a_proxy_uses_absolute_form() {
    type Seen = Vec<(String, Option<String>)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let log = seen.clone();
    let proxy = Raw::start(move |_, mut conn| {
        let log = log.clone();
        async move {
            while let Some(req) = conn.request().await {
                log.lock().unwrap().push((
                    req.request_line().to_owned(),
                    req.header("host").map(str::to_owned),
                ));
                conn.send(&ok("via proxy")).await;
            }
        }
    })
    .await;
    let client = builder()
        .proxy(Proxy::http(&proxy.url("")).unwrap())
        .build()
        .unwrap();
    let mut resp = Response::new();
    client
        .do_(
            &ctx(),
            &mut get("http://backend.example:8080/a?b=1"),
            &mut resp,
        )
        .await
        .unwrap();
    assert_eq!(text(&resp), "via proxy");
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            "GET http://backend.example:8080/a?b=1 HTTP/1.1".to_owned(),
            Some("backend.example:8080".to_owned())
        )]
    );
}

/// Our client against our server: `Config::tls` on either transport, ALPN `http/1.1`,
/// keep-alive, and a body much larger than the socket buffers.
#[rstest::rstest]
#[tokio::test]
async fn https_against_a_hertz_server_keeps_alive(
    #[values(TransportKind::Tokio, TransportKind::Netpoll)] transport: TransportKind,
) {
    use hertz_core::{Config, Context, Engine, RequestContext, Routes};

    async fn big(_ctx: Context, c: &mut RequestContext) {
        c.bytes(200, "application/octet-stream", vec![b'x'; 4 << 20]);
    }

    let pki = pki(&["localhost"]);
    let config = Config::default()
        .host_ports("127.0.0.1:0")
        .transport(transport)
        .tls(rustls::ServerConfig::clone(&pki.server_config));
    let mut h = Engine::new(config);
    h.get("/big", big);
    let server = h.start().await.unwrap();
    let tls = TlsConfig::builder()
        .ca_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let client = builder().tls(tls).build().unwrap();
    let url = format!("https://localhost:{}/big", server.local_addr().port());
    let mut resp = Response::new();
    for _ in 0..3 {
        client.do_(&ctx(), &mut get(&url), &mut resp).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.body_bytes().len(), 4 << 20);
    }
    assert_eq!(client.stats().reused, 2);
    server.shutdown().await.unwrap();
}

/// A hertz HTTPS server (tokio transport) for the handshake-error tests.
async fn hertz_tls_server(pki: &Pki) -> hertz_core::ServerHandle {
    use hertz_core::{Config, Context, Engine, RequestContext, Routes};

    async fn hello(_ctx: Context, c: &mut RequestContext) {
        c.string(200, "hello");
    }
    let config = Config::default()
        .host_ports("127.0.0.1:0")
        .tls(rustls::ServerConfig::clone(&pki.server_config));
    let mut h = Engine::new(config);
    h.get("/hello", hello);
    h.start().await.unwrap()
}

fn trusting(pki: &Pki) -> hertz_client::Client {
    let tls = TlsConfig::builder()
        .ca_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    builder().tls(tls).build().unwrap()
}

/// Handshake failures against our own server are typed TLS errors whose message names the
/// problem, and the server goes on serving.
///
/// Multi-threaded: on a current-thread runtime curl's handshake with the expired-certificate
/// server stalled until curl's timeout, though a raw TCP probe was answered (not yet
/// understood; see the h2-more report).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_errors_name_the_problem_and_the_server_serves_on() {
    // A certificate for `localhost` only, asked for as 127.0.0.1 (a name it does not carry).
    let pki = pki(&["localhost"]);
    let server = hertz_tls_server(&pki).await;
    let client = trusting(&pki);
    let port = server.local_addr().port();
    let mut resp = Response::new();
    let err = client
        .do_(
            &ctx(),
            &mut get(&format!("https://127.0.0.1:{port}/hello")),
            &mut resp,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    let message = err.to_string();
    for words in [
        "TLS handshake failed",
        "not valid for name",
        "127.0.0.1",
        "localhost",
    ] {
        assert!(message.contains(words), "no {words:?} in {message:?}");
    }
    // The same server, by its name: served.
    client
        .do_(
            &ctx(),
            &mut get(&format!("https://localhost:{port}/hello")),
            &mut resp,
        )
        .await
        .unwrap();
    assert_eq!(text(&resp), "hello");
    server.shutdown().await.unwrap();

    // An expired certificate (not after 2020-12-31).
    let pki = expired_pki(&["localhost"]);
    let server = hertz_tls_server(&pki).await;
    let client = trusting(&pki);
    let url = format!("https://localhost:{}/hello", server.local_addr().port());
    let err = client
        .do_(&ctx(), &mut get(&url), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    let message = err.to_string();
    for words in ["TLS handshake failed", "localhost", "expired"] {
        assert!(message.contains(words), "no {words:?} in {message:?}");
    }
    // The server survives the failed handshake: curl, told to skip verification, is served.
    let out = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "-k", "--resolve"])
        .arg(format!(
            "localhost:{}:127.0.0.1",
            server.local_addr().port()
        ))
        .arg(&url)
        .output()
        .expect("curl must be installed (.ci/run installs it)");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello", "{out:?}");
    server.shutdown().await.unwrap();
}
