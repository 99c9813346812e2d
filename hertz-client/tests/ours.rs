//! The client against our own server (hertz-core on 127.0.0.1): round trips, keep-alive
//! reuse, framing, caller-owned buffers, streaming, middleware, redirects.

mod support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hertz_client::{
    middleware_fn, Client, Context, ErrorKind, Method, PoolStats, Request, RequestOptions,
    Response, StatusCode,
};
use support::*;

#[tokio::test]
async fn get_and_post_reuse_one_connection() {
    let srv = ours().await;
    let client = builder().build().unwrap();
    let mut req = get(&srv.url("/hello"));
    let mut resp = Response::new();
    for _ in 0..20 {
        client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(text(&resp), "hello");
    }
    let mut post = Request::new();
    post.set_method(Method::Post);
    post.set_uri(srv.url("/echo"));
    post.set_body("ping body");
    client.do_(&ctx(), &mut post, &mut resp).await.unwrap();
    assert_eq!(text(&resp), "ping body");

    assert_eq!(
        srv.connections(),
        1,
        "all requests on one keep-alive connection"
    );
    let stats = client.stats();
    assert_eq!(stats.dials, 1);
    assert_eq!(stats.reused, 20);
    assert_eq!((stats.open, stats.idle, stats.in_use), (1, 1, 0));
    let host = client.host_client(&srv.url("/")).unwrap();
    assert_eq!(host.stats(), stats);
    srv.stop().await;
}

#[tokio::test]
async fn convenience_calls_and_redirects() {
    let srv = ours().await;
    let client = builder().build().unwrap();
    let resp = client
        .get(&ctx(), &srv.url("/redirect?to=/hello"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(text(&resp), "hello");
    let resp = client
        .post(&ctx(), &srv.url("/echo"), "posted")
        .await
        .unwrap();
    assert_eq!(text(&resp), "posted");

    // do_ does not follow; do_redirects does, up to its limit.
    let mut req = get(&srv.url("/redirect?to=/hello"));
    let mut resp = Response::new();
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    client
        .do_redirects(&ctx(), &mut req, &mut resp, 3)
        .await
        .unwrap();
    assert_eq!(text(&resp), "hello");
    assert!(req.uri().ends_with("/hello"));
    let mut req = get(&srv.url("/loop"));
    let err = client
        .do_redirects(&ctx(), &mut req, &mut resp, 3)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooManyRedirects);
    srv.stop().await;
}

#[tokio::test]
async fn chunked_head_close_and_large_bodies() {
    let srv = ours().await;
    let client = builder().build().unwrap();
    let mut resp = Response::new();

    let mut req = get(&srv.url("/chunked?n=50&size=1000"));
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    assert_eq!(resp.headers().get_str("transfer-encoding"), Some("chunked"));
    assert_eq!(resp.body().unwrap().len(), 50_000);

    let mut head = get(&srv.url("/big?n=1000"));
    head.set_method(Method::Head);
    client.do_(&ctx(), &mut head, &mut resp).await.unwrap();
    assert_eq!(resp.headers().get_str("content-length"), Some("1000"));
    assert_eq!(resp.body().unwrap().len(), 0);

    let mut big = get(&srv.url("/big?n=3000000"));
    client.do_(&ctx(), &mut big, &mut resp).await.unwrap();
    assert_eq!(resp.body().unwrap().len(), 3_000_000);
    assert!(resp.body().unwrap().iter().all(|&b| b == b'b'));

    // All of the above on one connection; `Connection: close` retires it.
    assert_eq!(client.stats().dials, 1);
    let mut close = get(&srv.url("/close"));
    client.do_(&ctx(), &mut close, &mut resp).await.unwrap();
    assert_eq!(text(&resp), "bye");
    assert_eq!(client.stats().open, 0);
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    assert_eq!(client.stats().dials, 2);
    srv.stop().await;
}

#[tokio::test]
async fn body_limit_is_a_typed_error_and_the_pool_survives() {
    let srv = ours().await;
    let client = builder().max_response_body_size(1000).build().unwrap();
    let mut resp = Response::new();
    for path in ["/big?n=5000", "/chunked?n=10&size=200"] {
        let err = client
            .do_(&ctx(), &mut get(&srv.url(path)), &mut resp)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge, "{path}: {err}");
        assert!(err.is_parse());
        assert_eq!(client.stats().open, 0, "the connection was discarded");
    }
    client
        .do_(&ctx(), &mut get(&srv.url("/hello")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "hello");
    srv.stop().await;
}

#[tokio::test]
async fn request_headers_user_agent_and_streamed_request_body() {
    let srv = ours().await;
    let client = builder().name("test-agent/1").build().unwrap();
    let mut resp = Response::new();
    let mut req = get(&srv.url("/header?name=user-agent"));
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    assert_eq!(text(&resp), "test-agent/1");
    let mut req = get(&srv.url("/header?name=x-custom"));
    req.headers_mut().insert("X-Custom", "v");
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    assert_eq!(text(&resp), "v");

    let mut req = Request::new();
    req.set_method(Method::Post);
    req.set_uri(srv.url("/echo"));
    let parts: Vec<std::io::Result<Bytes>> = vec![
        Ok(Bytes::from("stre")),
        Ok(Bytes::from("amed ")),
        Ok(Bytes::from("body")),
    ];
    req.set_body_stream(Box::pin(Iter(parts.into_iter())));
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    assert_eq!(text(&resp), "streamed body");

    let mut bad = get(&srv.url("/hello"));
    bad.headers_mut().insert("X-Evil", "a\r\nInjected: 1");
    let err = client.do_(&ctx(), &mut bad, &mut resp).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let err = client
        .do_(&ctx(), &mut get("ftp://nope/"), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl);
    srv.stop().await;
}

struct Iter(std::vec::IntoIter<std::io::Result<Bytes>>);

impl futures_core::Stream for Iter {
    type Item = std::io::Result<Bytes>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

#[tokio::test]
async fn streamed_response_returns_the_connection_at_eof_and_closes_it_when_dropped() {
    let srv = ours().await;
    let client = builder().response_body_stream(true).build().unwrap();
    let mut resp = Response::new();
    let mut req = get(&srv.url("/chunked?n=20&size=4096"));

    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    let mut body = resp.take_body_stream().expect("a stream");
    assert_eq!(client.stats().in_use, 1, "the stream holds the connection");
    assert_eq!(collect(&mut body).await.unwrap().len(), 20 * 4096);
    let s = client.stats();
    assert_eq!(
        (s.open, s.idle, s.in_use),
        (1, 1, 0),
        "back in the pool at EOF"
    );

    // Dropped after one chunk: the connection is closed, not pooled.
    client.do_(&ctx(), &mut req, &mut resp).await.unwrap();
    let mut body = resp.take_body_stream().unwrap();
    assert!(next_chunk(&mut body).await.unwrap().is_ok());
    drop(body);
    assert_eq!(client.stats().open, 0);

    // Per-request override: buffered.
    let opts = RequestOptions::new().stream_response(false);
    client
        .do_with(&ctx(), &mut req, &mut resp, &opts)
        .await
        .unwrap();
    assert_eq!(resp.body().unwrap().len(), 20 * 4096);
    assert_eq!(client.stats().dials, 2);
    srv.stop().await;
}

#[tokio::test]
async fn middleware_runs_outer_first_and_can_short_circuit() {
    let srv = ours().await;
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (l1, l2) = (log.clone(), log.clone());
    let client = builder()
        .use_(middleware_fn(move |ctx, req, resp, next| {
            let log = l1.clone();
            Box::pin(async move {
                log.lock().unwrap().push("outer before".into());
                req.headers_mut().insert("X-Custom", "from-mw");
                let res = next.run(ctx, req, resp).await;
                log.lock()
                    .unwrap()
                    .push(format!("outer after {}", resp.status().as_u16()));
                res
            })
        }))
        .use_(middleware_fn(move |ctx, req, resp, next| {
            let log = l2.clone();
            Box::pin(async move {
                log.lock().unwrap().push("inner before".into());
                if req.uri().ends_with("/blocked") {
                    resp.set_status(StatusCode::FORBIDDEN);
                    resp.set_body("blocked by middleware");
                    return Ok(());
                }
                let res = next.run(ctx, req, resp).await;
                log.lock().unwrap().push("inner after".into());
                res
            })
        }))
        .build()
        .unwrap();
    let mut resp = Response::new();
    client
        .do_(
            &ctx(),
            &mut get(&srv.url("/header?name=x-custom")),
            &mut resp,
        )
        .await
        .unwrap();
    assert_eq!(text(&resp), "from-mw");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "outer before",
            "inner before",
            "inner after",
            "outer after 200"
        ]
    );
    log.lock().unwrap().clear();
    client
        .do_(&ctx(), &mut get(&srv.url("/blocked")), &mut resp)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        *log.lock().unwrap(),
        ["outer before", "inner before", "outer after 403"]
    );
    assert_eq!(
        client.stats().dials,
        1,
        "the short-circuited call sent nothing"
    );
    srv.stop().await;
}

#[tokio::test]
async fn per_host_cap_queues_callers_and_concurrency_works() {
    let srv = ours().await;
    let client = builder().max_conns_per_host(2).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let client = client.clone();
        let url = srv.url(&format!("/big?n={}", 1000 + i));
        tasks.push(tokio::spawn(async move {
            let mut resp = Response::new();
            client
                .do_(&Context::background(), &mut get(&url), &mut resp)
                .await
                .unwrap();
            resp.body().unwrap().len()
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), 1000 + i);
    }
    let s: PoolStats = client.stats();
    assert!(s.dials <= 2, "{s:?}");
    assert!(srv.connections() <= 2);
    assert_eq!(s.waiters, 0);
    srv.stop().await;
}

#[tokio::test]
async fn client_is_usable_from_inside_a_handler() {
    // A front server whose handler calls the back server with its own Context.
    let back = ours().await;
    let back_url = back.url("/hello");
    let client = Client::new();
    let mut h =
        hertz_core::Engine::with_defaults(hertz_core::Config::default().host_ports("127.0.0.1:0"));
    hertz_core::Routes::get(
        &mut h,
        "/proxy",
        hertz_core::handler(move |ctx, c| {
            let client = client.clone();
            let url = back_url.clone();
            Box::pin(async move {
                match client.get(&ctx, &url).await {
                    Ok(resp) => c.string(200, format!("front got {}", text(&resp))),
                    Err(err) => c.string(502, err.to_string()),
                }
            })
        }),
    );
    let front = h.start().await.unwrap();
    let resp = Client::new()
        .get(&ctx(), &format!("http://{}/proxy", front.local_addr()))
        .await
        .unwrap();
    assert_eq!(text(&resp), "front got hello");
    front.shutdown().await.unwrap();
    back.stop().await;
}

#[tokio::test]
async fn idle_connections_are_reaped() {
    let srv = ours().await;
    let client = builder()
        .max_idle_conn_duration(std::time::Duration::from_millis(30))
        .build()
        .unwrap();
    let mut resp = Response::new();
    client
        .do_(&ctx(), &mut get(&srv.url("/hello")), &mut resp)
        .await
        .unwrap();
    assert_eq!(client.stats().idle, 1);
    // The reaper runs on its own timer; poll the pool's state, bounded.
    let started = std::time::Instant::now();
    while client.stats().open > 0 {
        assert!(started.elapsed() < WAIT, "idle connection never reaped");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    client
        .do_(&ctx(), &mut get(&srv.url("/hello")), &mut resp)
        .await
        .unwrap();
    assert_eq!(client.stats().dials, 2);
    srv.stop().await;
}

#[tokio::test]
async fn total_cap_evicts_another_hosts_idle_connection() {
    let (a, b) = (ours().await, ours().await);
    let client = Client::builder().max_conns_total(1).build().unwrap();
    let mut resp = Response::new();
    client
        .do_(&ctx(), &mut get(&a.url("/hello")), &mut resp)
        .await
        .unwrap();
    client
        .do_(&ctx(), &mut get(&b.url("/hello")), &mut resp)
        .await
        .unwrap();
    assert_eq!(text(&resp), "hello");
    let s = client.stats();
    assert_eq!((s.open, s.dials), (1, 2), "{s:?}");
    assert_eq!(client.host_client(&a.url("/")).unwrap().stats().open, 0);
    a.stop().await;
    b.stop().await;
}
