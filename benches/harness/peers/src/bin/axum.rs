//! axum 0.8 (`axum::serve`), one tokio worker thread, axum's own router.

use axum::body::Bytes;
use axum::http::header::{HeaderValue, CONTENT_TYPE, SERVER};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use bench_peers::{
    leak, to_braces, Args, APPLICATION_JSON, MESSAGE, OCTET_STREAM, PLAINTEXT, TEXT_PLAIN,
};

type Headers = [(axum::http::HeaderName, HeaderValue); 2];

fn headers(content_type: &'static str) -> Headers {
    // hyper (under axum::serve) adds `Date`.
    [
        (SERVER, HeaderValue::from_static("axum")),
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
    ]
}

async fn plaintext() -> impl IntoResponse {
    (
        headers(TEXT_PLAIN),
        Bytes::from_static(PLAINTEXT.as_bytes()),
    )
}

async fn json() -> impl IntoResponse {
    let body = serde_json::to_vec(&MESSAGE).expect("serialize");
    (headers(APPLICATION_JSON), body)
}

async fn echo(body: Bytes) -> impl IntoResponse {
    (headers(OCTET_STREAM), body)
}

fn main() {
    let args = Args::parse();
    let mut app = Router::new()
        .route("/plaintext", get(plaintext))
        .route("/json", get(json))
        .route("/echo", post(echo));
    for (pattern, _) in args.github_routes() {
        let path = to_braces(&pattern);
        let body: &'static str = leak(pattern);
        app = app.route(
            &path,
            get(move || async move { (headers(TEXT_PLAIN), Bytes::from_static(body.as_bytes())) }),
        );
    }
    let runtime = if args.workers == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.workers)
            .enable_all()
            .build()
    }
    .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .expect("bind")
            .tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
        axum::serve(listener, app).await.expect("serve");
    });
}
