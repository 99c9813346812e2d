//! Rendering over real sockets and through the in-process test client.

mod support;

use rstest::rstest;

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use hertz_core::testing::TestClient;
use hertz_core::{Context, CookieOptions, RequestContext, Routes};
use support::{engine, get, start, Netpoll, Raw, Tokio, TransportKind};

#[derive(serde::Serialize)]
struct User {
    id: u32,
    name: &'static str,
}

async fn json(_ctx: Context, c: &mut RequestContext) {
    c.json(
        200,
        &User {
            id: 7,
            name: "Ann \"the\" <admin>",
        },
    );
}

async fn html(_ctx: Context, c: &mut RequestContext) {
    c.html(200, "<h1>hi</h1>");
}

async fn redirect(_ctx: Context, c: &mut RequestContext) {
    c.redirect(302, "/elsewhere");
}

async fn cookie(_ctx: Context, c: &mut RequestContext) {
    let seen = c
        .cookie("theme")
        .map(|v| v.into_owned())
        .unwrap_or_default();
    c.set_cookie(
        "sid",
        "abc",
        CookieOptions {
            max_age: Some(60),
            http_only: true,
            ..CookieOptions::default()
        },
    );
    c.set_cookie("lang", "en", CookieOptions::default());
    c.string(200, seen);
}

async fn file(_ctx: Context, c: &mut RequestContext) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    c.file(path).await;
}

async fn missing_file(_ctx: Context, c: &mut RequestContext) {
    c.file("/definitely/not/here.txt").await;
}

/// Yields the given chunks one by one.
struct Chunks(Vec<&'static str>);

impl futures_core::Stream for Chunks {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        if self.0.is_empty() {
            Poll::Ready(None)
        } else {
            Poll::Ready(Some(Ok(Bytes::from_static(self.0.remove(0).as_bytes()))))
        }
    }
}

async fn stream(_ctx: Context, c: &mut RequestContext) {
    c.set_body_stream(Box::pin(Chunks(vec!["one,", "two,", "three"])));
}

fn app(transport: TransportKind) -> hertz_core::Engine {
    let mut h = engine(transport);
    h.get("/json", json)
        .get("/html", html)
        .get("/redirect", redirect)
        .get("/cookie", cookie)
        .get("/file", file)
        .get("/missing-file", missing_file)
        .get("/stream", stream);
    h
}

#[rstest]
#[tokio::test]
async fn json_html_redirect_file(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(transport)).await;
    let reply = get(&server, "/json").await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(reply.text(), r#"{"id":7,"name":"Ann \"the\" <admin>"}"#);

    let reply = get(&server, "/html").await;
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(reply.text(), "<h1>hi</h1>");

    let reply = get(&server, "/redirect").await;
    assert_eq!(
        (reply.status, reply.header("location")),
        (302, Some("/elsewhere"))
    );

    let reply = get(&server, "/file").await;
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("name = \"hertz-core\""));
    assert_eq!(get(&server, "/missing-file").await.status, 404);
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn cookies_in_and_out(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(transport)).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /cookie HTTP/1.1\r\nHost: a\r\nCookie: a=1; theme=dark\r\n\r\n")
        .await;
    let reply = raw.response().await;
    assert_eq!(reply.text(), "dark");
    let set: Vec<&str> = reply
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        set,
        ["sid=abc; Max-Age=60; Path=/; HttpOnly", "lang=en; Path=/"]
    );
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn streamed_bodies_are_chunked_for_http11_and_close_delimited_for_http10(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(transport)).await;
    let reply = get(&server, "/stream").await;
    assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
    assert_eq!(reply.text(), "one,two,three");

    let base = format!("http://{}", server.local_addr());
    assert_eq!(
        support::curl_text(&[&format!("{base}/stream")]).await,
        "one,two,three"
    );

    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .await;
    let all = String::from_utf8(raw.read_to_close().await).unwrap();
    assert!(all.ends_with("\r\n\r\none,two,three"), "{all}");
    assert!(!all.contains("chunked"), "{all}");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn the_test_client_round_trips_without_a_port(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let client = TestClient::new(app(transport));
    let resp = client.get("/json").send().await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text(), r#"{"id":7,"name":"Ann \"the\" <admin>"}"#);
    let resp = client.get("/stream").send().await;
    assert_eq!(resp.text(), "one,two,three");
    let resp = client
        .get("/cookie")
        .header("Cookie", "theme=light")
        .send()
        .await;
    assert_eq!(resp.text(), "light");
    let resp = client.request("HEAD", "/html").send().await;
    assert_eq!((resp.status(), resp.body().len()), (200, 0));
    assert_eq!(resp.header("content-length"), Some("11"));
}
