//! 100,000 streamed responses, some dropped early, must not leak file descriptors: every
//! connection is either back in the pool or closed. Alone in its binary, so no other test
//! opens fds meanwhile.

mod support;

use hertz_client::{Context, Response};
use support::*;

const TOTAL: usize = 100_000;
const TASKS: usize = 4;
/// Every this many responses, a 256 KiB stream is dropped after its first chunk (closing
/// the connection, so a new one is dialed).
const DROP_EVERY: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fd_leak_after_100k_streamed_responses() {
    let srv = ours().await;
    let client = builder()
        .response_body_stream(true)
        .max_conns_per_host(TASKS)
        .build()
        .unwrap();
    // Warm up: the pool holds its connections, the runtime its fds.
    let url = srv.url("/chunked?n=2&size=16");
    let mut resp = Response::new();
    client.do_(&ctx(), &mut get(&url), &mut resp).await.unwrap();
    collect(&mut resp.take_body_stream().unwrap())
        .await
        .unwrap();
    let before = open_fds();

    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let client = client.clone();
        let url = url.clone();
        let big_url = srv.url("/chunked?n=64&size=4096");
        tasks.push(tokio::spawn(async move {
            let ctx = Context::background();
            let mut req = get(&url);
            let mut big = get(&big_url);
            let mut resp = Response::new();
            for i in 0..TOTAL / TASKS {
                let drop_early = (i + t) % DROP_EVERY == 0;
                let req = if drop_early { &mut big } else { &mut req };
                client.do_(&ctx, req, &mut resp).await.unwrap();
                let mut body = resp.take_body_stream().unwrap();
                if drop_early {
                    next_chunk(&mut body).await.unwrap().unwrap();
                    drop(body);
                } else {
                    assert_eq!(collect(&mut body).await.unwrap().len(), 32);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let stats = client.stats();
    assert!(stats.open <= TASKS, "{stats:?}");
    assert_eq!(stats.in_use, 0, "{stats:?}");
    assert!(
        stats.dials >= (TOTAL / DROP_EVERY) as u64,
        "early drops closed their connections: {stats:?}"
    );
    let after = open_fds();
    // Client and server side of each pooled connection may differ from the warm-up's one.
    assert!(
        after <= before + 2 * TASKS,
        "fds before {before}, after {after}: {stats:?}"
    );
    drop(client);
    srv.stop().await;
}
