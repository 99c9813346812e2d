//! Panics, cancellation, timeouts, graceful shutdown and tracing, over real sockets.

mod support;

use rstest::rstest;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hertz_core::{handler, Context, Engine, RequestContext, Routes, Tracer};
use support::{config, engine, get, start, Netpoll, Raw, Tokio, TransportKind, WAIT};
use tokio::sync::{mpsc, Notify};

async fn boom(_ctx: Context, _c: &mut RequestContext) {
    panic!("handler exploded");
}

async fn ok(_ctx: Context, c: &mut RequestContext) {
    c.string(200, "ok");
}

#[rstest]
#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_keeps_serving(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = engine(transport);
    h.get("/boom", boom).get("/ok", ok);
    let server = start(h).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /boom HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(raw.response().await.status, 500);
    // Same connection, then a new one.
    raw.send(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(raw.response().await.text(), "ok");
    assert_eq!(get(&server, "/ok").await.text(), "ok");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn without_recovery_a_panic_only_drops_its_connection(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = Engine::new(config(transport));
    h.get("/boom", boom).get("/ok", ok);
    let server = start(h).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /boom HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert!(raw.read_to_close().await.is_empty());
    assert_eq!(get(&server, "/ok").await.text(), "ok");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn client_disconnect_cancels_the_context(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<()>();
    let (outcome_tx, mut outcome_rx) = mpsc::unbounded_channel::<&'static str>();
    let mut h = engine(transport);
    h.get(
        "/long",
        handler(move |ctx, c| {
            let started = started_tx.clone();
            let outcome = outcome_tx.clone();
            Box::pin(async move {
                let _ = started.send(());
                // A spawned task holding a clone sees the cancellation too.
                let watcher = ctx.clone();
                let spawned = tokio::spawn(async move { watcher.cancelled().await });
                let result = tokio::select! {
                    _ = ctx.cancelled() => "cancelled",
                    _ = tokio::time::sleep(WAIT) => "not cancelled",
                };
                let spawned_saw = tokio::time::timeout(WAIT, spawned).await.is_ok();
                let _ = outcome.send(if spawned_saw {
                    result
                } else {
                    "spawned task missed it"
                });
                c.string(200, "late");
            })
        }),
    );
    let server = start(h).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /long HTTP/1.1\r\nHost: a\r\n\r\n").await;
    started_rx.recv().await.expect("handler started");
    drop(raw);
    assert_eq!(outcome_rx.recv().await, Some("cancelled"));
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn handler_timeout_answers_503(#[values(Tokio, Netpoll)] transport: TransportKind) {
    async fn slow(_ctx: Context, c: &mut RequestContext) {
        tokio::time::sleep(WAIT).await;
        c.string(200, "too late");
    }
    let mut h = Engine::with_defaults(config(transport).handler_timeout(Duration::from_millis(50)));
    h.get("/slow", slow).get("/ok", ok);
    let server = start(h).await;
    let reply = get(&server, "/slow").await;
    assert_eq!(reply.status, 503);
    assert_eq!(get(&server, "/ok").await.status, 200);
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests_with_connection_close(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let release = Arc::new(Notify::new());
    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<bool>();
    let hooks = Arc::new(Mutex::new(Vec::new()));
    let mut h = engine(transport);
    let gate = release.clone();
    h.get(
        "/work",
        handler(move |ctx, c| {
            let gate = gate.clone();
            let started = started_tx.clone();
            Box::pin(async move {
                let _ = started.send(ctx.is_cancelled());
                gate.notified().await;
                // Shutdown has begun: the context says so, and the request still completes.
                c.string(
                    200,
                    if ctx.is_cancelled() {
                        "done, told to hurry"
                    } else {
                        "done"
                    },
                );
            })
        }),
    );
    let (run_hooks, shutdown_hooks) = (hooks.clone(), hooks.clone());
    h.on_run(move |_| run_hooks.lock().unwrap().push("run"));
    h.on_shutdown(move |_| shutdown_hooks.lock().unwrap().push("shutdown"));
    let server = start(h).await;
    let addr = server.local_addr();

    let mut raw = Raw::connect(&server).await;
    raw.send(b"GET /work HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(started_rx.recv().await, Some(false));
    let idle = Raw::connect(&server).await;

    let stopping = tokio::spawn(server.shutdown());
    // New connections are refused once the listener is closed; wait for that state.
    let refused = tokio::time::timeout(WAIT, async {
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        refused.is_ok(),
        "listener still accepting after shutdown began"
    );
    release.notify_one();

    let reply = raw.response().await;
    assert_eq!(reply.text(), "done, told to hurry");
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(raw.closed().await);
    let mut idle = idle;
    assert!(idle.closed().await, "idle keep-alive connection not closed");
    stopping.await.unwrap().unwrap();
    assert_eq!(*hooks.lock().unwrap(), ["run", "shutdown"]);
}

#[derive(Default)]
struct Recorded {
    started: usize,
    finished: Vec<(String, u16, usize, usize, bool)>,
}

struct RecordingTracer(Arc<Mutex<Recorded>>);

impl Tracer for RecordingTracer {
    fn start(&self, _ctx: &Context, _c: &mut RequestContext) {
        self.0.lock().unwrap().started += 1;
    }

    fn finish(&self, _ctx: &Context, c: &RequestContext) {
        let stats = c.stats();
        self.0.lock().unwrap().finished.push((
            c.full_path().to_owned(),
            c.response().status().as_u16(),
            stats.recv_size,
            stats.send_size,
            stats.handle.is_some() && stats.write.is_some() && stats.read_header.is_some(),
        ));
    }
}

#[rstest]
#[tokio::test]
async fn tracers_see_every_request_with_stats(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let recorded = Arc::new(Mutex::new(Recorded::default()));
    let mut h = engine(transport);
    h.tracer(RecordingTracer(recorded.clone()))
        .tracer(hertz_core::LogTracer);
    h.get("/users/:id", ok);
    let server = start(h).await;
    assert_eq!(get(&server, "/users/7").await.status, 200);
    assert_eq!(get(&server, "/missing").await.status, 404);
    server.shutdown().await.unwrap();
    let recorded = recorded.lock().unwrap();
    assert_eq!(recorded.started, 2);
    assert_eq!(recorded.finished.len(), 2);
    let (route, status, recv, sent, phases) = &recorded.finished[0];
    assert_eq!((route.as_str(), *status), ("/users/:id", 200));
    assert!(
        *recv > 0 && *sent > 0 && *phases,
        "{:?}",
        recorded.finished[0]
    );
    assert_eq!(recorded.finished[1].1, 404);
}

#[rstest]
#[tokio::test]
async fn handlers_may_use_tokio_timers_spawn_and_channels(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    async fn uses_tokio(_ctx: Context, c: &mut RequestContext) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let _ = tx.send("spawned");
        });
        let from_task = rx.await.unwrap_or("lost");
        let joined = tokio::task::spawn_blocking(|| "blocking")
            .await
            .unwrap_or("lost");
        c.string(200, format!("{from_task},{joined}"));
    }
    let mut h = engine(transport);
    h.get("/tokio", uses_tokio);
    let server = start(h).await;
    assert_eq!(get(&server, "/tokio").await.text(), "spawned,blocking");
    server.shutdown().await.unwrap();
}
