//! Raw TCP peers that misbehave: malformed responses, stalls, closes. Each failure must be
//! a typed error, the connection discarded, and the pool still good for the next call.

mod support;

use std::time::Duration;

use hertz_client::{
    Context, Delay, ErrorKind, Method, Request, RequestOptions, Response, RetryConfig,
};
use support::raw::{ok, Raw};
use support::*;

const SHORT: Duration = Duration::from_millis(150);

/// Answers `/garbage`, `/badchunk`, `/short`, `/long`, `/bighead`, `/badlen`, `/te-cl`
/// with the named fault and anything else with `200 good`, keep-alive.
async fn fault_server() -> Raw {
    Raw::start(|_, mut conn| async move {
        while let Some(req) = conn.request().await {
            let path = req.request_line().split(' ').nth(1).unwrap_or("/").to_owned();
            let reply: Vec<u8> = match path.as_str() {
                "/garbage" => b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec(),
                "/badchunk" => {
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXXzz\r\n".to_vec()
                }
                "/short" => {
                    // Content-Length promises more than comes, then the server closes.
                    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this").await;
                    return;
                }
                "/long" => b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA".to_vec(),
                "/bighead" => {
                    let mut v = b"HTTP/1.1 200 OK\r\n".to_vec();
                    for i in 0..2000 {
                        v.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(40)).as_bytes());
                    }
                    v.extend_from_slice(b"Content-Length: 0\r\n\r\n");
                    v
                }
                "/badlen" => b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n".to_vec(),
                "/te-cl" => b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
                "/interim" => b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal".to_vec(),
                "/until-close" => {
                    conn.send(b"HTTP/1.1 200 OK\r\n\r\nread me until the end").await;
                    return;
                }
                _ => ok("good"),
            };
            let closes = matches!(path.as_str(), "/garbage" | "/badchunk" | "/bighead" | "/badlen" | "/te-cl");
            conn.send(&reply).await;
            if closes {
                // Hold the connection open: the client must give up on its own.
                conn.until_closed().await;
                return;
            }
        }
    })
    .await
}

#[tokio::test]
async fn malformed_responses_are_typed_errors_and_the_pool_survives() {
    let srv = fault_server().await;
    let client = builder()
        .max_response_header_bytes(32 * 1024)
        .read_timeout(WAIT)
        .build()
        .unwrap();
    let mut resp = Response::new();
    let cases = [
        ("/garbage", ErrorKind::Malformed),
        ("/badchunk", ErrorKind::Malformed),
        ("/short", ErrorKind::ConnectionClosed),
        ("/bighead", ErrorKind::HeadTooLarge),
        ("/badlen", ErrorKind::Malformed),
        ("/te-cl", ErrorKind::Malformed),
    ];
    for (path, kind) in cases {
        // A kept-alive connection is in the pool before each fault.
        client
            .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
            .await
            .unwrap();
        assert_eq!(client.stats().idle, 1);
        let err = client
            .do_(&ctx(), &mut get(&srv.url(path)), &mut resp)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{path}: {err}");
        let stats = client.stats();
        assert_eq!(
            (stats.open, stats.in_use),
            (0, 0),
            "{path}: connection discarded"
        );
        client
            .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
            .await
            .unwrap();
        assert_eq!(text(&resp), "good", "{path}: pool unharmed");
    }
}

#[tokio::test]
async fn extra_bytes_after_the_body_retire_the_connection() {
    let srv = fault_server().await;
    let client = builder().build().unwrap();
    let mut resp = Response::new();
    client
        .do_(&ctx(), &mut get(&srv.url("/long")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "ok");
    assert_eq!(client.stats().open, 0, "out-of-step connection not pooled");
    client
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "good");
    assert_eq!(srv.accepted(), 2);
}

#[tokio::test]
async fn interim_responses_and_read_until_close() {
    let srv = fault_server().await;
    let client = builder().build().unwrap();
    let mut resp = Response::new();
    client
        .do_(&ctx(), &mut get(&srv.url("/interim")), &mut resp)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(text(&resp), "final");
    assert!(!resp.headers().contains("link"), "1xx fields are not kept");
    client
        .do_(&ctx(), &mut get(&srv.url("/until-close")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "read me until the end");
    assert_eq!(
        client.stats().open,
        0,
        "the close-delimited connection is gone"
    );
}

/// Accepts and reads requests but never answers.
async fn silent_server() -> Raw {
    Raw::start(|_, mut conn| async move { while conn.request().await.is_some() {} }).await
}

#[tokio::test]
async fn each_timeout_is_named() {
    let silent = silent_server().await;
    let mut resp = Response::new();

    let client = builder().read_timeout(SHORT).build().unwrap();
    let err = client
        .do_(&ctx(), &mut get(&silent.url("/")), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err}");
    assert!(err.is_timeout());
    assert!(err.to_string().contains("read timeout"), "{err}");

    let client = builder().request_timeout(SHORT).build().unwrap();
    let err = client
        .do_(&ctx(), &mut get(&silent.url("/")), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RequestTimeout, "{err}");
    let err = builder()
        .build()
        .unwrap()
        .do_timeout(&ctx(), &mut get(&silent.url("/")), &mut resp, SHORT)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RequestTimeout);
    let opts = RequestOptions::new().read_timeout(SHORT);
    let err = builder()
        .build()
        .unwrap()
        .do_with(&ctx(), &mut get(&silent.url("/")), &mut resp, &opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadTimeout);

    // Pool wait: one connection allowed, held by a stalled call.
    let client = builder()
        .max_conns_per_host(1)
        .max_conn_wait_timeout(SHORT)
        .build()
        .unwrap();
    let c2 = client.clone();
    let url = silent.url("/");
    let stalled = tokio::spawn(async move {
        let mut resp = Response::new();
        c2.do_(&Context::background(), &mut get(&url), &mut resp)
            .await
    });
    // Wait (bounded, without sleeping on a guess) until the stalled call holds the slot.
    let started = std::time::Instant::now();
    while client.stats().in_use == 0 {
        assert!(started.elapsed() < WAIT);
        tokio::task::yield_now().await;
    }
    let err = client
        .do_(&ctx(), &mut get(&silent.url("/")), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PoolTimeout, "{err}");
    stalled.abort();
}

#[tokio::test]
async fn read_timeout_applies_between_body_reads() {
    let srv = Raw::start(|_, mut conn| async move {
        conn.request().await;
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst part")
            .await;
        conn.until_closed().await;
    })
    .await;
    let client = builder().read_timeout(SHORT).build().unwrap();
    let mut resp = Response::new();
    let err = client
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadTimeout);
    // Streaming: the head arrives, the timeout fires while reading the body.
    let client = builder()
        .read_timeout(SHORT)
        .response_body_stream(true)
        .build()
        .unwrap();
    client
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap();
    let mut body = resp.take_body_stream().unwrap();
    let first = next_chunk(&mut body).await.unwrap().unwrap();
    assert_eq!(&first[..], b"first part");
    let err = next_chunk(&mut body).await.unwrap().unwrap_err();
    let err = hertz_client::Error::from_io(&err).expect("a client error inside");
    assert_eq!(err.kind(), ErrorKind::ReadTimeout);
    assert_eq!(client.stats().open, 0);
}

#[tokio::test]
async fn write_timeout_when_the_server_does_not_read() {
    let srv = Raw::start(|_, conn| async move {
        // Never read: the socket buffers fill up.
        let _keep = conn;
        std::future::pending::<()>().await;
    })
    .await;
    let client = builder().write_timeout(SHORT).build().unwrap();
    let mut req = Request::new();
    req.set_method(Method::Post);
    req.set_uri(srv.url("/upload"));
    req.set_body(vec![0u8; 64 << 20]);
    let mut resp = Response::new();
    let err = client.do_(&ctx(), &mut req, &mut resp).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteTimeout, "{err}");
}

#[tokio::test]
async fn dial_timeout_covers_a_stalled_tls_handshake() {
    let srv = silent_server().await;
    let client = builder().dial_timeout(SHORT).build().unwrap();
    let mut resp = Response::new();
    let url = format!("https://{}/", srv.addr);
    let err = client
        .do_(&ctx(), &mut get(&url), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DialTimeout, "{err}");
    assert!(err.is_connect() && err.is_timeout());
}

#[tokio::test]
async fn refused_connection_is_a_dial_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = builder().build().unwrap();
    let mut resp = Response::new();
    let err = client
        .do_(
            &ctx(),
            &mut get(&format!("http://127.0.0.1:{port}/")),
            &mut resp,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dial, "{err}");
    assert_eq!(client.stats().open, 0);
}

#[tokio::test]
async fn cancelling_the_context_cancels_the_call() {
    let silent = silent_server().await;
    let client = builder().build().unwrap();
    let ctx = Context::background();
    let c2 = ctx.clone();
    let url = silent.url("/");
    let client2 = client.clone();
    let call = tokio::spawn(async move {
        let mut resp = Response::new();
        client2.do_(&c2, &mut get(&url), &mut resp).await
    });
    let started = std::time::Instant::now();
    while client.stats().in_use == 0 {
        assert!(started.elapsed() < WAIT);
        tokio::task::yield_now().await;
    }
    ctx.cancel();
    let err = call.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Canceled);
    assert!(err.is_canceled());
    assert_eq!(client.stats().open, 0, "the connection was closed");
}

/// Serves one request per connection normally, then reads the next request and closes
/// without answering: a kept-alive connection the server gave up on. Records methods.
async fn one_shot_server(log: std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> Raw {
    Raw::start(move |_, mut conn| {
        let log = log.clone();
        async move {
            let Some(req) = conn.request().await else {
                return;
            };
            log.lock().unwrap().push(req.method().to_owned());
            conn.send(&ok("first")).await;
            if let Some(req) = conn.request().await {
                log.lock()
                    .unwrap()
                    .push(format!("{} (dropped)", req.method()));
            }
            // Closing drops the second request unanswered.
        }
    })
    .await
}

#[tokio::test]
async fn stale_connection_is_resent_for_get_but_never_for_a_written_post() {
    let log = std::sync::Arc::default();
    let srv = one_shot_server(std::sync::Arc::clone(&log)).await;
    let client = builder().build().unwrap();
    let mut resp = Response::new();

    client
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap();
    // GET on the kept-alive connection: written, closed unanswered, re-sent on a new one.
    client
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "first");
    assert_eq!(srv.accepted(), 2);

    // POST on the kept-alive connection: written, closed unanswered: not re-sent.
    let mut post = Request::new();
    post.set_method(Method::Post);
    post.set_uri(srv.url("/"));
    post.set_body("once");
    let err = client.do_(&ctx(), &mut post, &mut resp).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionClosed, "{err}");
    assert_eq!(
        *log.lock().unwrap(),
        ["GET", "GET (dropped)", "GET", "POST (dropped)"],
        "the POST reached the server exactly once"
    );
    assert_eq!(srv.accepted(), 2);
}

#[tokio::test]
async fn idle_connection_closed_by_the_server_is_replaced() {
    // Answers one request, then closes: every kept-alive connection goes stale when idle.
    let srv = Raw::start(|_, mut conn| async move {
        if conn.request().await.is_some() {
            conn.send(&ok("fresh")).await;
        }
    })
    .await;
    let client = builder().build().unwrap();
    let mut resp = Response::new();
    for _ in 0..5 {
        client
            .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
            .await
            .unwrap();
        assert_eq!(text(&resp), "fresh");
    }
    assert_eq!(srv.accepted(), 5);
}

#[tokio::test]
async fn retries_follow_the_policy() {
    // The first two connections are closed at once; the third answers.
    let srv = Raw::start(|i, mut conn| async move {
        if conn.request().await.is_some() && i >= 2 {
            conn.send(&ok("third time")).await;
        }
    })
    .await;
    let mut resp = Response::new();
    let no_retry = builder().build().unwrap();
    let err = no_retry
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionClosed);

    let srv = Raw::start(|i, mut conn| async move {
        if conn.request().await.is_some() && i >= 2 {
            conn.send(&ok("third time")).await;
        }
    })
    .await;
    let retrying = builder()
        .retry(RetryConfig::new().max_attempts(3).delay(Delay::Backoff {
            base: Duration::from_millis(1),
            max: Duration::from_millis(5),
        }))
        .build()
        .unwrap();
    retrying
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "third time");
    assert_eq!(srv.accepted(), 3);

    // POST is not idempotent: the default predicate does not retry it.
    let srv = Raw::start(|_, mut conn| async move {
        conn.request().await;
    })
    .await;
    let mut post = Request::new();
    post.set_method(Method::Post);
    post.set_uri(srv.url("/"));
    let err = retrying
        .do_(&ctx(), &mut post, &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionClosed);
    assert_eq!(srv.accepted(), 1);
}

#[tokio::test]
async fn retry_if_can_retry_a_response() {
    let srv = Raw::start(|i, mut conn| async move {
        while conn.request().await.is_some() {
            if i == 0 {
                conn.send(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                return;
            }
            conn.send(&ok("recovered")).await;
        }
    })
    .await;
    let client = builder()
        .retry(
            RetryConfig::new()
                .max_attempts(2)
                .retry_if(|_req, outcome| match outcome {
                    Ok(resp) => resp.status().as_u16() == 503,
                    Err(_) => false,
                }),
        )
        .build()
        .unwrap();
    let mut resp = Response::new();
    client
        .do_(&ctx(), &mut get(&srv.url("/")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "recovered");
}
