//! The client scenario with hyper-util's legacy pooled `Client` over hyper 1.x (HTTP/1.1):
//! a `Request` with an empty body per call, the body collected with http-body-util. Its
//! connector is hyper-util's `HttpConnector` (with `TCP_NODELAY`) wrapped to count the dials.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bench_clients::{check, drive, Driver};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_service::Service;

/// `HttpConnector`, counting the connections it makes.
#[derive(Clone)]
struct Counting {
    inner: HttpConnector,
    dials: Arc<AtomicU64>,
}

impl Service<Uri> for Counting {
    type Response = <HttpConnector as Service<Uri>>::Response;
    type Error = <HttpConnector as Service<Uri>>::Error;
    type Future = <HttpConnector as Service<Uri>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        self.dials.fetch_add(1, Ordering::Relaxed);
        self.inner.call(uri)
    }
}

type HyperClient = Client<Counting, Empty<Bytes>>;

async fn get(client: &HyperClient, uri: &Uri) -> Result<(), String> {
    let req = hyper::Request::get(uri.clone())
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let resp = client.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    check(status, &body)
}

fn main() -> ExitCode {
    drive("hyper", |args, tally| {
        let dials = Arc::new(AtomicU64::new(0));
        // TCP_NODELAY as hertz-rs's dialer and reqwest set it (hyper-util's default is off).
        let mut inner = HttpConnector::new();
        inner.set_nodelay(true);
        let connector = Counting {
            inner,
            dials: dials.clone(),
        };
        let client: HyperClient = Client::builder(TokioExecutor::new()).build(connector);
        let uri: Uri = args
            .url()
            .parse()
            .map_err(|err| format!("bad URL {}: {err}", args.url()))?;
        let tasks = (0..args.tasks)
            .map(|_| {
                let (client, tally, uri) = (client.clone(), tally.clone(), uri.clone());
                tokio::spawn(async move {
                    while tally.running() {
                        tally.record(get(&client, &uri).await);
                    }
                })
            })
            .collect();
        Ok(Driver {
            tasks,
            dials: Box::new(move || Some(dials.load(Ordering::Relaxed))),
        })
    })
}
