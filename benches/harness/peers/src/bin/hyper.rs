//! hyper 1.x, HTTP/1.1 with `pipeline_flush(true)`, one tokio worker thread, matchit routing.

use bench_peers::{
    matchit_router, Args, Route, APPLICATION_JSON, MESSAGE, OCTET_STREAM, PLAINTEXT, TEXT_PLAIN,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, SERVER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

type Router = matchit::Router<Route>;

async fn handle(
    req: Request<Incoming>,
    router: &'static Router,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let route = router.at(req.uri().path()).map(|m| *m.value);
    let (status, content_type, body) = match (route, req.method()) {
        (Ok(Route::Plaintext), &Method::GET) => (
            StatusCode::OK,
            TEXT_PLAIN,
            Bytes::from_static(PLAINTEXT.as_bytes()),
        ),
        (Ok(Route::Json), &Method::GET) => {
            let body = serde_json::to_vec(&MESSAGE).expect("serialize");
            (StatusCode::OK, APPLICATION_JSON, Bytes::from(body))
        }
        (Ok(Route::Echo), &Method::POST) => {
            let body = req.into_body().collect().await?.to_bytes();
            (StatusCode::OK, OCTET_STREAM, body)
        }
        (Ok(Route::Github(pattern)), &Method::GET) => (
            StatusCode::OK,
            TEXT_PLAIN,
            Bytes::from_static(pattern.as_bytes()),
        ),
        (Ok(_), _) => (StatusCode::METHOD_NOT_ALLOWED, TEXT_PLAIN, Bytes::new()),
        (Err(_), _) => (StatusCode::NOT_FOUND, TEXT_PLAIN, Bytes::new()),
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(SERVER, HeaderValue::from_static("hyper"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // hyper adds `Date` itself (cached, `auto_date_header` is on by default).
    Ok(resp)
}

fn main() {
    let args = Args::parse();
    let router: &'static Router = Box::leak(Box::new(matchit_router(&args)));
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
            .expect("bind");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(req, router));
                let _ = http1::Builder::new()
                    .pipeline_flush(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}
