//! The client against nginx, a server nobody here wrote: keep-alive reuse counted by
//! nginx's own `stub_status`, chunked responses, and a read timeout while nginx waits on a
//! stalled upstream. nginx must be installed (`apt-get install -y nginx`; `.ci/run` does).

mod support;

use std::time::Duration;

use hertz_client::{Client, ErrorKind, Method, Request, Response};
use support::nginx::{accepts, Nginx};
use support::raw::Raw;
use support::*;

async fn status(client: &Client, nginx: &Nginx) -> u64 {
    let mut resp = Response::new();
    client
        .do_(&ctx(), &mut get(&nginx.url("/status")), &mut resp)
        .await
        .unwrap();
    accepts(&text(&resp))
}

#[tokio::test]
async fn keep_alive_reuse_chunked_and_timeouts_against_nginx() {
    // An upstream that accepts and never answers, for nginx to wait on.
    let stalled = Raw::start(|_, mut conn| async move {
        conn.until_closed().await;
    })
    .await;
    let nginx = start_with_files(stalled.addr).await;

    let client = builder().build().unwrap();
    let before = status(&client, &nginx).await;
    let mut resp = Response::new();
    for _ in 0..50 {
        client
            .do_(&ctx(), &mut get(&nginx.url("/hello")), &mut resp)
            .await
            .unwrap();
        assert_eq!(text(&resp), "hello from nginx");
    }
    // HEAD and a Content-Length file on the same connection too.
    let mut head = get(&nginx.url("/static/data.txt"));
    head.set_method(Method::Head);
    client.do_(&ctx(), &mut head, &mut resp).await.unwrap();
    assert_eq!(resp.body().unwrap().len(), 0);
    assert!(resp.headers().contains("content-length"));

    // sub_filter rewrites the body on the fly, so nginx answers chunked.
    client
        .do_(&ctx(), &mut get(&nginx.url("/files/data.txt")), &mut resp)
        .await
        .unwrap();
    assert_eq!(resp.headers().get_str("transfer-encoding"), Some("chunked"));
    let body = text(&resp);
    assert_eq!(body.len(), 200_000);
    assert!(
        body.chars().all(|c| c == 'B'),
        "decoded through the chunked framing"
    );

    let after = status(&client, &nginx).await;
    assert_eq!(
        after, before,
        "nginx accepted no new connection: all reused"
    );
    assert_eq!(client.stats().dials, 1);

    // Streaming the chunked body.
    let streaming = builder().response_body_stream(true).build().unwrap();
    streaming
        .do_(&ctx(), &mut get(&nginx.url("/files/data.txt")), &mut resp)
        .await
        .unwrap();
    let mut stream = resp.take_body_stream().unwrap();
    assert_eq!(collect(&mut stream).await.unwrap().len(), 200_000);
    assert_eq!(streaming.stats().idle, 1, "back in the pool at EOF");

    // nginx waits on the stalled upstream; our read timeout fires first.
    let impatient = builder()
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = impatient
        .do_(&ctx(), &mut get(&nginx.url("/stall")), &mut resp)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err}");

    // POST to a location that does not take it: nginx's 405 comes back intact.
    let mut post = Request::new();
    post.set_method(Method::Post);
    post.set_uri(nginx.url("/static/data.txt"));
    post.set_body("x");
    client.do_(&ctx(), &mut post, &mut resp).await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    drop(nginx);
    let _ = std::fs::remove_dir_all(tempdir());
}

/// nginx with `/files/` (sub_filter, so chunked) and `/static/` serving one 200,000-byte
/// file, and `/stall` proxied to `upstream`.
async fn start_with_files(upstream: std::net::SocketAddr) -> Nginx {
    let files = tempdir();
    for sub in ["files", "static"] {
        std::fs::create_dir_all(files.join(sub)).unwrap();
        std::fs::write(files.join(sub).join("data.txt"), "A".repeat(200_000)).unwrap();
    }
    Nginx::start(&format!(
        r#"
        location = /hello {{ return 200 "hello from nginx"; }}
        location /files/ {{
            root {root};
            sub_filter 'AAAA' 'BBBB';
            sub_filter_once off;
            sub_filter_types *;
        }}
        location /static/ {{ root {root}; }}
        location /stall {{ proxy_pass http://{upstream}; proxy_read_timeout 60s; }}
        "#,
        root = files.display(),
    ))
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hertz-client-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
