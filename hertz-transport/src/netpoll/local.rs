//! What a loop thread shares with the code it runs: which loop it is, the tasks woken on it
//! and the timers armed on it, reachable without locks from wakers and connections.

use std::cell::{Cell, RefCell};
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
    #[inline]
    pub(crate) fn schedule(&self, token: u64) {
        if self.is_current() {
            schedule_here(token);
        } else {
            self.schedule_remote(token);
        }
    }

    /// A wake from another thread: out of line, so the wake on the loop's own thread (every
    /// request's) stays small.
    #[inline(never)]
    fn schedule_remote(&self, token: u64) {
        self.remote(|r| r.wakes.push(token));
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
    static READY: RefCell<ReadyQueue> = const { RefCell::new(ReadyQueue::new()) };
    static NEW_TIMERS: RefCell<Vec<(Instant, u64)>> = const { RefCell::new(Vec::new()) };
}

/// Marks the calling thread as loop `id`'s thread.
pub(crate) fn enter(id: usize) {
    LOOP_ID.with(|cell| cell.set(Some(id)));
}

/// Tasks woken on a loop thread, in order: a `Vec` read from `next` on, cheaper to push to
/// and pop from than a `VecDeque` (no wrap-around arithmetic). It is emptied whenever it is
/// read to the end, and compacted by [`compact_ready`] when it is not.
struct ReadyQueue {
    tokens: Vec<u64>,
    next: usize,
}

impl ReadyQueue {
    const fn new() -> Self {
        ReadyQueue {
            tokens: Vec::new(),
            next: 0,
        }
    }

    fn pop(&mut self) -> Option<u64> {
        match self.tokens.get(self.next) {
            Some(&token) => {
                self.next += 1;
                Some(token)
            }
            None => {
                self.tokens.clear();
                self.next = 0;
                None
            }
        }
    }
}

/// The next task woken on this thread.
pub(crate) fn next_ready() -> Option<u64> {
    READY.with(|ready| ready.borrow_mut().pop())
}

/// Whether tasks are waiting to be polled on this thread.
pub(crate) fn has_ready() -> bool {
    READY.with(|ready| {
        let ready = ready.borrow();
        ready.next < ready.tokens.len()
    })
}

/// Drops the tokens already taken, when the loop stopped polling before the queue ran dry
/// (its budget ran out), so tasks that keep waking themselves cannot grow it forever.
pub(crate) fn compact_ready() {
    READY.with(|ready| {
        let mut ready = ready.borrow_mut();
        let taken = ready.next;
        if taken > 0 {
            ready.tokens.drain(..taken);
            ready.next = 0;
        }
    });
}

/// Moves timers armed on this thread into `out`.
pub(crate) fn take_new_timers(out: &mut impl Extend<(Instant, u64)>) {
    NEW_TIMERS.with(|timers| out.extend(timers.borrow_mut().drain(..)));
}

/// A handle to a loop, for wakers and connections.
pub(crate) type LoopRef = Arc<LoopShared>;

/// Schedules `token` on the calling loop thread.
#[inline]
pub(crate) fn schedule_here(token: u64) {
    READY.with(|ready| ready.borrow_mut().tokens.push(token));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn woken_tasks_are_polled_in_order_and_the_queue_does_not_grow() {
        schedule_here(1);
        schedule_here(2);
        assert!(has_ready());
        assert_eq!(next_ready(), Some(1));
        // The loop's budget ran out here: what was taken goes, what was not stays.
        compact_ready();
        READY.with(|ready| assert_eq!(ready.borrow().tokens, [2]));
        schedule_here(3);
        assert_eq!(next_ready(), Some(2));
        assert_eq!(next_ready(), Some(3));
        assert_eq!(next_ready(), None);
        assert!(!has_ready());
        READY.with(|ready| assert!(ready.borrow().tokens.is_empty(), "read to the end"));
    }
}
