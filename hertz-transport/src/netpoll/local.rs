//! What a loop thread shares with the code it runs: which loop it is, the tasks woken on it
//! and the timers armed on it, reachable without locks from wakers and connections.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::poller::Poller;

/// A loop's state that other threads may touch: its poller and a queue of requests.
#[derive(Debug)]
pub(crate) struct LoopShared {
    pub(crate) id: usize,
    pub(crate) poller: Poller,
    remote: Mutex<Remote>,
}

/// Requests from other threads, drained by the loop once per iteration.
#[derive(Debug, Default)]
pub(crate) struct Remote {
    pub(crate) wakes: Vec<u64>,
    pub(crate) timers: Vec<(Instant, u64)>,
    /// Set once shutdown begins: stop accepting, and close what is left at this instant.
    pub(crate) stop_at: Option<Instant>,
}

impl Remote {
    fn is_empty(&self) -> bool {
        self.wakes.is_empty() && self.timers.is_empty() && self.stop_at.is_none()
    }
}

impl LoopShared {
    pub(crate) fn new(id: usize, poller: Poller) -> Self {
        LoopShared {
            id,
            poller,
            remote: Mutex::new(Remote::default()),
        }
    }

    /// Runs `f` on the remote queue and wakes the loop if the queue was empty (a non-empty
    /// queue means a wake-up is already on its way).
    pub(crate) fn remote(&self, f: impl FnOnce(&mut Remote)) {
        let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
        let was_empty = remote.is_empty();
        f(&mut remote);
        drop(remote);
        if was_empty {
            self.poller.notify();
        }
    }

    /// Takes everything queued by other threads.
    pub(crate) fn take_remote(&self) -> Remote {
        std::mem::take(&mut *self.remote.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Whether the calling thread is this loop's thread.
    pub(crate) fn is_current(&self) -> bool {
        LOOP_ID.with(Cell::get) == Some(self.id)
    }

    /// Schedules the task `token` to be polled.
    pub(crate) fn schedule(&self, token: u64) {
        if self.is_current() {
            READY.with(|ready| ready.borrow_mut().push_back(token));
        } else {
            self.remote(|r| r.wakes.push(token));
        }
    }

    /// Asks for the task `token` to be woken at `at`.
    pub(crate) fn arm_timer(&self, at: Instant, token: u64) {
        if self.is_current() {
            NEW_TIMERS.with(|timers| timers.borrow_mut().push((at, token)));
        } else {
            self.remote(|r| r.timers.push((at, token)));
        }
    }
}

thread_local! {
    static LOOP_ID: Cell<Option<usize>> = const { Cell::new(None) };
    static READY: RefCell<VecDeque<u64>> = const { RefCell::new(VecDeque::new()) };
    static NEW_TIMERS: RefCell<Vec<(Instant, u64)>> = const { RefCell::new(Vec::new()) };
}

/// Marks the calling thread as loop `id`'s thread.
pub(crate) fn enter(id: usize) {
    LOOP_ID.with(|cell| cell.set(Some(id)));
}

/// The next task woken on this thread.
pub(crate) fn next_ready() -> Option<u64> {
    READY.with(|ready| ready.borrow_mut().pop_front())
}

/// Whether tasks are waiting to be polled on this thread.
pub(crate) fn has_ready() -> bool {
    READY.with(|ready| !ready.borrow().is_empty())
}

/// Moves timers armed on this thread into `out`.
pub(crate) fn take_new_timers(out: &mut impl Extend<(Instant, u64)>) {
    NEW_TIMERS.with(|timers| out.extend(timers.borrow_mut().drain(..)));
}

/// A handle to a loop, for wakers and connections.
pub(crate) type LoopRef = Arc<LoopShared>;

/// Schedules `token` on the calling loop thread.
pub(crate) fn schedule_here(token: u64) {
    READY.with(|ready| ready.borrow_mut().push_back(token));
}
