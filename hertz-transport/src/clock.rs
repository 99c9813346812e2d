//! A coarse clock for deadlines: the time the current event-loop iteration began.
//!
//! Every request sets a few deadlines (idle, header, write) and stamps a `Date`; reading the
//! system clock for each costs more than the rest of a small request's bookkeeping. Event
//! loops do what nginx does (`ngx_time_update`): read the clock once after each wait for
//! events and let everything run in that iteration use the reading. A deadline computed from
//! it is early by at most one iteration's work, and a timer that fires is seen as expired,
//! because the loop reads the clock again before it looks at timers.
//!
//! Threads that are not event loops (the tokio transport's workers, handler code on other
//! threads) get the real time: [`now`] falls back to [`Instant::now`].

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static LOOP_NOW: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The current iteration's time on an event-loop thread, [`Instant::now`] elsewhere.
pub fn now() -> Instant {
    LOOP_NOW.with(Cell::get).unwrap_or_else(Instant::now)
}

/// Reads the clock for the iteration that starts now (event loops call it after each wait).
pub(crate) fn tick() -> Instant {
    let now = Instant::now();
    LOOP_NOW.with(|cell| cell.set(Some(now)));
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_loop_threads_read_the_real_clock() {
        let before = Instant::now();
        let seen = std::thread::spawn(now).join().expect("thread");
        assert!(seen >= before);
    }

    #[test]
    fn a_loop_thread_sees_its_last_tick_until_the_next() {
        std::thread::spawn(|| {
            let first = tick();
            assert_eq!(now(), first);
            assert_eq!(now(), first, "no clock read between ticks");
            let second = tick();
            assert!(second >= first);
            assert_eq!(now(), second);
        })
        .join()
        .expect("thread");
    }
}
