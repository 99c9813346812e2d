//! The start of the last response head each thread encoded — status line, `Server`, `Date`
//! and the handler's fields — reused while the next response asks for the same.
//!
//! A service answers most requests with the same status and fields (`200`, one
//! `Content-Type`), and within one second the same `Date`: only the framing lines differ.
//! Checking that the fields are the same is one comparison of the response's field buffer
//! with a copy, far cheaper than writing them again field by field with the checks that keep
//! a handler from injecting header lines. The cached bytes went through those checks when
//! they were built, so reusing them for identical fields is as safe.

use std::cell::RefCell;
use std::time::Instant;

use crate::{date, HeaderMap, Response, StatusCode};

struct LastHead {
    /// The [`date::generation`] the start was built at; 0: nothing built yet.
    date: u64,
    status: StatusCode,
    /// The configured server name (compared by address: names are `'static` configuration).
    server: &'static str,
    fields: HeaderMap,
    start: Vec<u8>,
}

thread_local! {
    static LAST: RefCell<LastHead> = const {
        RefCell::new(LastHead {
            date: 0,
            status: StatusCode::OK,
            server: "",
            fields: HeaderMap::new(),
            start: Vec::new(),
        })
    };
}

/// Calls `f` with the start of `resp`'s head (everything before the framing fields), from
/// the cache when the last head this thread encoded started the same way; otherwise `build`
/// writes it first.
pub(crate) fn with_start<R>(
    now: Instant,
    resp: &Response,
    server: &'static str,
    build: impl FnOnce(&mut Vec<u8>),
    f: impl FnOnce(&[u8]) -> R,
) -> R {
    let date = date::generation(now);
    LAST.with(|cell| {
        let mut last = cell.borrow_mut();
        let same = last.date == date
            && last.status == resp.status()
            && std::ptr::eq(last.server, server)
            && last.fields.same_layout(resp.headers());
        if !same {
            let last = &mut *last;
            last.start.clear();
            build(&mut last.start);
            last.date = date;
            last.status = resp.status();
            last.server = server;
            last.fields.copy_from(resp.headers());
        }
        f(&last.start)
    })
}
