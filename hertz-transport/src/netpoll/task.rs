//! Connection tasks and their wakers.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use super::local::LoopRef;

/// Wakes one task: schedules it on its loop, at most once until it is polled again.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    shared: LoopRef,
    token: u64,
    scheduled: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            self.shared.schedule(self.token);
        }
    }
}

/// A connection's future with its waker.
pub(crate) struct Task {
    future: Pin<Box<dyn Future<Output = ()> + Send>>,
    flag: Arc<TaskWaker>,
    waker: Waker,
}

impl Task {
    pub(crate) fn new(
        future: Pin<Box<dyn Future<Output = ()> + Send>>,
        shared: LoopRef,
        token: u64,
    ) -> Self {
        let flag = Arc::new(TaskWaker {
            shared,
            token,
            scheduled: AtomicBool::new(true),
        });
        Task {
            future,
            waker: Waker::from(flag.clone()),
            flag,
        }
    }

    /// Polls the future once; `true` when it has finished — or panicked: like a tokio task,
    /// a panicking connection ends alone instead of taking its loop (and every other
    /// connection on it) down.
    pub(crate) fn poll(&mut self) -> bool {
        self.flag.scheduled.store(false, Ordering::Release);
        let mut cx = Context::from_waker(&self.waker);
        let future = self.future.as_mut();
        // The future is dropped right after a panic and never polled again, so whatever it
        // left half-updated is never observed.
        match catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))) {
            Ok(poll) => poll.is_ready(),
            Err(_) => {
                tracing::error!("a connection task panicked; its connection is closed");
                true
            }
        }
    }
}
