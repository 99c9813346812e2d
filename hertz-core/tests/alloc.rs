//! Heap allocations per request through the full stack (transport, HTTP/1.1, router,
//! engine) in steady state, counted by a counting global allocator.
//!
//! There are none on the tokio transport — handler futures live in recycled blocks
//! (`HandlerFuture`) — and a fraction of one on netpoll (its input nodes). This test pins
//! that down so a change that adds per-request allocations fails here.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};

use hertz_core::{Config, Context, Engine, RequestContext, Routes};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

async fn plaintext(_ctx: Context, c: &mut RequestContext) {
    c.data(200, "text/plain", b"Hello, World!");
}

#[derive(serde::Serialize)]
struct Message {
    message: &'static str,
}

async fn json(_ctx: Context, c: &mut RequestContext) {
    c.json(
        200,
        &Message {
            message: "Hello, World!",
        },
    );
}

/// Allocations per request for `path` on a keep-alive connection, after warm-up.
fn allocations_per_request(engine: Engine, path: &str) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(engine.start()).unwrap();
    let addr = server.local_addr();
    let serving = std::thread::spawn(move || runtime.block_on(std::future::pending::<()>()));
    drop(serving);

    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n");
    let mut buf = [0u8; 4096];
    let mut one = |stream: &mut TcpStream| {
        stream.write_all(request.as_bytes()).unwrap();
        let mut got = 0;
        // Every response of this test ends with the body's closing text.
        loop {
            let n = stream.read(&mut buf[got..]).unwrap();
            assert!(n > 0, "server closed the connection");
            got += n;
            let text = &buf[..got];
            if text.ends_with(b"Hello, World!") || text.ends_with(b"Hello, World!\"}") {
                break;
            }
        }
    };
    for _ in 0..2_000 {
        one(&mut stream);
    }
    const N: usize = 20_000;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..N {
        one(&mut stream);
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (after - before) as f64 / N as f64
}

fn config() -> Config {
    Config::default().host_ports("127.0.0.1:0")
}

fn netpoll_config() -> Config {
    config()
        .transport(hertz_core::TransportKind::Netpoll)
        .workers(1)
}

#[test]
fn steady_state_allocations_per_request() {
    let mut bare = Engine::new(config());
    bare.get("/plaintext", plaintext).get("/json", json);
    let plain = allocations_per_request(bare, "/plaintext");

    let mut bare = Engine::new(config());
    bare.get("/json", json);
    let json_allocs = allocations_per_request(bare, "/json");

    let mut with_recovery = Engine::with_defaults(config());
    with_recovery.get("/plaintext", plaintext);
    let recovered = allocations_per_request(with_recovery, "/plaintext");

    let mut netpoll = Engine::new(netpoll_config());
    netpoll.get("/plaintext", plaintext);
    let netpoll_plain = allocations_per_request(netpoll, "/plaintext");

    eprintln!(
        "allocations per request: plaintext {plain:.3}, json {json_allocs:.3}, \
         plaintext behind recovery {recovered:.3}, plaintext on netpoll {netpoll_plain:.3}"
    );
    // None on the tokio transport: handler futures live in recycled blocks
    // (`HandlerFuture`), buffers are reused across requests.
    assert!(plain <= 0.005, "plaintext: {plain} allocations per request");
    assert!(
        json_allocs <= 0.005,
        "json: {json_allocs} allocations per request"
    );
    assert!(
        recovered <= 0.005,
        "recovery: {recovered} allocations per request"
    );
    // Netpoll links a fresh input node each time the last one runs short of room, every
    // few dozen requests (~40 bytes each here).
    assert!(
        netpoll_plain <= 0.05,
        "netpoll plaintext: {netpoll_plain} allocations per request"
    );
}
