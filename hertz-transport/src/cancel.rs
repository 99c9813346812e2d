//! A cancellation signal shared by the server, its connections and handler contexts.
//!
//! Waiting goes through tokio-util's `CancellationToken` (waker lists, child tokens that
//! unregister when dropped). Asking "is it cancelled?" is on every request's path, and
//! tokio-util answers it under a mutex, so each token also carries a chain of atomic flags —
//! its own and its ancestors' — that answers with a few loads.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// A cloneable, hierarchical cancellation signal.
///
/// Cancelling a token cancels every token derived from it with [`CancelToken::child`], but not
/// its parent. It does not need a runtime: any executor can await [`CancelToken::cancelled`].
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    token: CancellationToken,
    flag: Arc<Flag>,
}

/// Set once this token is cancelled; `parent` is the flag of the token it was derived from.
#[derive(Debug, Default)]
struct Flag {
    set: AtomicBool,
    parent: Option<Arc<Flag>>,
}

impl CancelToken {
    /// A new, not yet cancelled token.
    pub fn new() -> Self {
        Self::default()
    }

    /// A token that is cancelled when `self` is (or when cancelled itself).
    pub fn child(&self) -> Self {
        CancelToken {
            token: self.token.child_token(),
            flag: Arc::new(Flag {
                set: AtomicBool::new(false),
                parent: Some(self.flag.clone()),
            }),
        }
    }

    /// Cancels this token and all its children. Idempotent.
    pub fn cancel(&self) {
        // The flag first: whoever is woken by the token below already sees it set.
        self.flag.set.store(true, Ordering::Release);
        self.token.cancel();
    }

    /// Whether the token (or an ancestor) has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.flag.is_set()
    }

    /// Completes when the token is cancelled.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future loses nothing.
    pub async fn cancelled(&self) {
        self.token.cancelled().await
    }

    /// Like [`cancelled`](Self::cancelled), as a named future that owns a clone of the token.
    ///
    /// Meant to be kept and polled again and again by one task (say, once per idle wait of a
    /// connection): it registers the task's waker once and afterwards answers from the atomic
    /// flags, where a fresh `cancelled()` future would register and unregister every time.
    pub fn cancelled_owned(&self) -> Cancelled {
        Cancelled {
            flag: self.flag.clone(),
            wait: Box::pin(self.token.clone().cancelled_owned()),
            registered: None,
        }
    }
}

impl Flag {
    #[inline]
    fn is_set(&self) -> bool {
        let mut flag = Some(self);
        while let Some(f) = flag {
            if f.set.load(Ordering::Acquire) {
                return true;
            }
            flag = f.parent.as_deref();
        }
        false
    }
}

/// The future of [`CancelToken::cancelled_owned`].
#[derive(Debug)]
pub struct Cancelled {
    flag: Arc<Flag>,
    wait: Pin<Box<WaitForCancellationFutureOwned>>,
    /// The waker the token will wake; while the caller's waker is the same one, polling
    /// needs no more than a look at the flags.
    registered: Option<Waker>,
}

impl Future for Cancelled {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.flag.is_set() {
            return Poll::Ready(());
        }
        if self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        self.get_mut().register(cx)
    }
}

impl Cancelled {
    /// The first poll, or one with a new waker: out of line, so the poll that only looks at
    /// the flags stays small.
    #[cold]
    #[inline(never)]
    fn register(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.wait.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(()),
            Poll::Pending => {
                self.registered = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelling_reaches_children_not_parents() {
        let root = CancelToken::new();
        let child = root.child();
        let grandchild = child.child();
        child.cancel();
        assert!(!root.is_cancelled());
        assert!(child.is_cancelled());
        assert!(grandchild.is_cancelled());
        root.cancel();
        assert!(root.is_cancelled());
        let late = root.child();
        assert!(
            late.is_cancelled(),
            "a child of a cancelled token starts cancelled"
        );
    }

    #[test]
    fn a_kept_future_completes_on_cancel() {
        let root = CancelToken::new();
        let conn = root.child();
        let mut wait = conn.cancelled_owned();
        // Polled (and registered) while not cancelled, as a connection's idle wait is; the
        // second poll with the same waker only looks at the flags.
        let woken = Arc::new(Woken::default());
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
        assert!(!woken.0.load(Ordering::SeqCst));
        std::thread::spawn(move || root.cancel())
            .join()
            .expect("cancel thread");
        assert!(
            woken.0.load(Ordering::SeqCst),
            "the registered waker is woken"
        );
        assert!(Pin::new(&mut wait).poll(&mut cx).is_ready());
        assert!(conn.is_cancelled());
    }

    #[test]
    fn a_new_waker_is_registered() {
        let root = CancelToken::new();
        let mut wait = root.cancelled_owned();
        let first = Arc::new(Woken::default());
        let second = Arc::new(Woken::default());
        let first_waker = Waker::from(first.clone());
        let second_waker = Waker::from(second.clone());
        let _ = Pin::new(&mut wait).poll(&mut Context::from_waker(&first_waker));
        let _ = Pin::new(&mut wait).poll(&mut Context::from_waker(&second_waker));
        root.cancel();
        assert!(
            second.0.load(Ordering::SeqCst),
            "the task's current waker is woken"
        );
    }

    #[derive(Default)]
    struct Woken(AtomicBool);

    impl std::task::Wake for Woken {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}
