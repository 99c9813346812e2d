//! The `Date` header value, formatted at most once per second per thread.

use std::cell::RefCell;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of an IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
const DATE_LEN: usize = 29;

struct Cached {
    second: u64,
    value: [u8; DATE_LEN],
}

thread_local! {
    static CACHED: RefCell<Cached> = const {
        RefCell::new(Cached { second: u64::MAX, value: [b' '; DATE_LEN] })
    };
}

/// Calls `f` with the current date as an IMF-fixdate (RFC 9110 §5.6.7).
///
/// A thread-local cache re-formats only when the second changes, so the common case is one
/// clock read and a comparison, with no lock shared between worker threads. Protocols other
/// than HTTP/1.1 (hertz-core's h2) use it for their `date` field too.
pub fn with_date<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    let now = SystemTime::now();
    let second = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    CACHED.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.second != second {
            // Formats straight into the fixed array: no allocation, even once a second.
            let mut out = &mut cached.value[..];
            if write!(out, "{}", httpdate::HttpDate::from(now)).is_ok() {
                cached.second = second;
            }
        }
        f(&cached.value)
    })
}
