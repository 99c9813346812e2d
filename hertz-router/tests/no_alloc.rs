//! Steady-state lookups do not allocate: hits, misses (with the trailing-slash check) and
//! percent-decoded values, once a reused `Params` has grown to fit.
//!
//! The crate itself forbids `unsafe`; the only `unsafe` here is this test's allocator shim,
//! which forwards to `System` and counts calls made by the current thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hertz_router::{Lookup, Params, Router};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only a
// const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` via `alloc`/`realloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn lookups_do_not_allocate_in_steady_state() {
    let mut router = Router::new();
    for pattern in [
        "/",
        "/users/:id",
        "/users/:id/files/*path",
        "/users/new",
        "/repos/:owner/:repo/pulls/:number/comments",
        "/docs/",
        "/*fallback",
    ] {
        router.insert("GET", pattern, pattern).unwrap();
    }
    router.insert("POST", "/users", "create").unwrap();
    let long_miss = format!("/{}", "x/".repeat(300));
    let paths = [
        "/",
        "/users/42",
        "/users/new",
        "/users/news",
        "/users/a%20b/files/x%2Fy/z.txt",
        "/repos/rust-lang/rust/pulls/123/comments",
        "/docs",
        "/anything/at/all",
        "/users/%E4%BD%A0%E5%A5%BD",
        "/users/%zz",
    ];
    let mut params = Params::new();
    let mut run = |router: &Router<&str>| {
        let mut found = 0;
        for path in paths {
            if let Lookup::Found { .. } = router.find("GET", path, &mut params) {
                found += params.len();
            }
        }
        for path in ["/users", "/docs", long_miss.as_str()] {
            let _ = router.find("POST", path, &mut params);
        }
        found
    };
    run(&router); // warm-up: `params` grows to fit
    let before = allocations();
    let found = run(&router);
    let after = allocations();
    assert!(found > 0);
    assert_eq!(
        after - before,
        0,
        "lookups allocated {} times",
        after - before
    );
}
