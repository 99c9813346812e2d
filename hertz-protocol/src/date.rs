//! The `Date` header field, formatted at most once per second per thread.

use std::cell::RefCell;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `Date: ` and the length of an IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
const PREFIX: &[u8] = b"Date: ";
const DATE_LEN: usize = 29;
/// The whole field line: `Date: <IMF-fixdate>\r\n`.
const LINE_LEN: usize = PREFIX.len() + DATE_LEN + 2;

struct Cached {
    /// Until when (monotonic) `line` names the current second.
    valid_until: Option<Instant>,
    line: [u8; LINE_LEN],
    /// Counts the re-formats, so that what was built from `line` can tell it is stale.
    generation: u64,
}

thread_local! {
    static CACHED: RefCell<Cached> = const {
        RefCell::new(Cached {
            valid_until: None,
            line: [b' '; LINE_LEN],
            generation: 0,
        })
    };
}

impl Cached {
    /// Re-formats the date once the second it names is over.
    #[inline]
    fn refresh(&mut self, now: Instant) {
        if self.valid_until.is_none_or(|until| now >= until) {
            self.reformat(now);
        }
    }

    #[cold]
    fn reformat(&mut self, now: Instant) {
        let wall = SystemTime::now();
        let into_second = wall
            .duration_since(UNIX_EPOCH)
            .map(|d| Duration::from_nanos(u64::from(d.subsec_nanos())))
            .unwrap_or_default();
        let line = &mut self.line;
        line[..PREFIX.len()].copy_from_slice(PREFIX);
        line[LINE_LEN - 2..].copy_from_slice(b"\r\n");
        let mut out = &mut line[PREFIX.len()..LINE_LEN - 2];
        if write!(out, "{}", httpdate::HttpDate::from(wall)).is_ok() {
            self.valid_until = Some(now + (Duration::from_secs(1) - into_second));
        }
        self.generation += 1;
    }
}

/// Calls `f` with the field line `Date: <date at now>\r\n`, the date an IMF-fixdate
/// (RFC 9110 §5.6.7), so a response head copies it in one piece.
///
/// `now` is the monotonic time the caller already has (the transport's coarse clock), so the
/// common case reads no clock at all: a thread-local copy is reused until the wall-clock
/// second it names is over, and only then is the wall clock read and the date re-formatted
/// (no allocation, no lock shared between worker threads).
pub(crate) fn with_date_line<R>(now: Instant, f: impl FnOnce(&[u8]) -> R) -> R {
    CACHED.with(|cell| {
        let mut cached = cell.borrow_mut();
        cached.refresh(now);
        f(&cached.line)
    })
}

/// Which date [`with_date_line`] gives at `now`: a number that changes whenever the line
/// does (never 0), so a cache of heads built from it knows when they are stale.
pub(crate) fn generation(now: Instant) -> u64 {
    CACHED.with(|cell| {
        let mut cached = cell.borrow_mut();
        cached.refresh(now);
        cached.generation
    })
}

/// Calls `f` with the current date as an IMF-fixdate, from the same per-thread cache: for
/// protocols other than HTTP/1.1 (hertz-core's h2), which set the value themselves.
pub fn with_date<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    with_date_line(hertz_transport::clock::now(), |line| {
        f(&line[PREFIX.len()..LINE_LEN - 2])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_wall_clock_and_reuses_it_within_the_second() {
        let now = Instant::now();
        let first = with_date_line(now, <[u8]>::to_vec);
        let text = std::str::from_utf8(&first).expect("ASCII");
        let date = text
            .strip_prefix("Date: ")
            .and_then(|rest| rest.strip_suffix("\r\n"))
            .expect("a Date field line");
        let parsed = httpdate::parse_http_date(date).expect("an IMF-fixdate");
        let off = SystemTime::now()
            .duration_since(parsed)
            .unwrap_or_else(|e| e.duration());
        assert!(off < Duration::from_secs(2), "date {off:?} away from now");
        assert_eq!(
            with_date_line(now, <[u8]>::to_vec),
            first,
            "same instant, same date"
        );
        // The value alone, without the field name and line end (a second may have passed).
        let value = with_date(<[u8]>::to_vec);
        let value = std::str::from_utf8(&value).expect("ASCII");
        assert!(httpdate::parse_http_date(value).is_ok(), "{value:?}");
    }
}
