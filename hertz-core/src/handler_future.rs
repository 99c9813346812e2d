//! [`HandlerFuture`]: the type-erased future of one handler call, in recycled memory.
//!
//! Handlers are trait objects, so the future each call returns must be type-erased and live
//! on the heap. A request runs one such future per handler in its chain; with `Box` that is
//! a `malloc` and a `free` per handler per request — about 6% of the instructions of a small
//! request, measured with callgrind. Here the blocks are recycled instead: each thread keeps
//! a few freed blocks per size class, and a handler call takes one back from there. In
//! steady state a request runs its whole chain without calling the allocator.
//!
//! A block freed on another thread than the one that took it (a future moved by a
//! work-stealing runtime) simply joins that thread's cache; blocks are plain memory from the
//! global allocator, and each thread's cache gives its blocks back when the thread ends.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll};

/// The future a [`Handler`](crate::Handler) returns: like `Pin<Box<dyn Future + Send>>`, but
/// its memory is recycled across calls on the same thread.
///
/// Build one with [`HandlerFuture::new`]; it is what a hand-written
/// [`Handler::call`](crate::Handler::call) returns.
pub struct HandlerFuture<'a> {
    /// The future, in a block from `blocks` (or dangling, for a zero-sized future).
    future: NonNull<dyn Future<Output = ()> + Send + 'a>,
    /// Owns the future (drop check), as a `Box` would.
    _owns: PhantomData<Box<dyn Future<Output = ()> + Send + 'a>>,
}

// SAFETY: the future inside is `Send` (`new` requires it), and its block is plain memory from
// the global allocator, which any thread may give back.
unsafe impl Send for HandlerFuture<'_> {}

impl<'a> HandlerFuture<'a> {
    /// Moves `future` into a recycled block.
    pub fn new<F: Future<Output = ()> + Send + 'a>(future: F) -> Self {
        let layout = Layout::new::<F>();
        let at = if layout.size() == 0 {
            NonNull::<F>::dangling()
        } else {
            blocks::take(layout).cast::<F>()
        };
        // SAFETY: `at` is valid for writes of `F` (a block of at least `layout`'s size and
        // alignment, unused; or dangling and well aligned for a zero-sized `F`).
        unsafe { at.as_ptr().write(future) };
        HandlerFuture {
            future: at,
            _owns: PhantomData,
        }
    }
}

impl Future for HandlerFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future was initialised by `new` and stays in its block, never moved,
        // until `drop` — so it is pinned; `self` is the only pointer to it and is borrowed
        // mutably here.
        let future = unsafe { Pin::new_unchecked(&mut *self.future.as_ptr()) };
        future.poll(cx)
    }
}

impl Drop for HandlerFuture<'_> {
    fn drop(&mut self) {
        // SAFETY: the future is initialised and nothing else points to it.
        let layout = Layout::for_value(unsafe { self.future.as_ref() });
        // SAFETY: as above; it is dropped once, here, and not touched afterwards.
        unsafe { ptr::drop_in_place(self.future.as_ptr()) };
        if layout.size() != 0 {
            // SAFETY: the block came from `blocks::take(layout)` and is no longer used.
            unsafe { blocks::give(self.future.cast::<u8>(), layout) };
        }
    }
}

impl std::fmt::Debug for HandlerFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerFuture").finish_non_exhaustive()
    }
}

/// Per-thread caches of freed blocks, by size class.
mod blocks {
    use super::*;

    /// Size classes step by this many bytes …
    const STEP: usize = 64;
    /// … up to `STEP * CLASSES` (1 KiB); larger futures use the allocator directly.
    const CLASSES: usize = 16;
    /// Blocks kept per class and thread: more than a chain's depth, few enough to be small.
    const KEEP: usize = 32;
    /// The alignment of cached blocks; a future that needs more is allocated directly.
    const ALIGN: usize = 16;

    struct Cache([Vec<NonNull<u8>>; CLASSES]);

    impl Drop for Cache {
        fn drop(&mut self) {
            for (class, blocks) in self.0.iter_mut().enumerate() {
                for block in blocks.drain(..) {
                    // SAFETY: cached blocks were allocated with their class's layout and are
                    // unused.
                    unsafe { dealloc(block.as_ptr(), class_layout(class)) };
                }
            }
        }
    }

    thread_local! {
        static CACHE: RefCell<Cache> = const { RefCell::new(Cache([const { Vec::new() }; CLASSES])) };
    }

    /// The class of blocks that fit `layout`, if it is cached at all.
    fn class_of(layout: Layout) -> Option<usize> {
        (layout.align() <= ALIGN && layout.size() <= STEP * CLASSES)
            .then(|| layout.size().saturating_sub(1) / STEP)
    }

    fn class_layout(class: usize) -> Layout {
        // Sizes are multiples of ALIGN, a power of two: always a valid layout.
        Layout::from_size_align(STEP * (class + 1), ALIGN).unwrap_or_else(|_| unreachable!())
    }

    /// A block that fits `layout` (whose size is not zero).
    pub(super) fn take(layout: Layout) -> NonNull<u8> {
        let layout = match class_of(layout) {
            Some(class) => {
                // `try_with`: while the thread ends, its cache may be gone already.
                let cached = CACHE
                    .try_with(|cache| cache.borrow_mut().0[class].pop())
                    .ok()
                    .flatten();
                if let Some(block) = cached {
                    return block;
                }
                class_layout(class)
            }
            None => layout,
        };
        // SAFETY: `layout` has a non-zero size (callers never pass zero-sized layouts, and
        // class layouts are at least STEP bytes).
        NonNull::new(unsafe { alloc(layout) }).unwrap_or_else(|| handle_alloc_error(layout))
    }

    /// Gives back a block that `take(layout)` returned.
    ///
    /// # Safety
    /// `block` came from `take` with this `layout` and is not used afterwards.
    pub(super) unsafe fn give(block: NonNull<u8>, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: `take` allocated it with exactly `layout`.
            unsafe { dealloc(block.as_ptr(), layout) };
            return;
        };
        let kept = CACHE
            .try_with(|cache| {
                let blocks = &mut cache.borrow_mut().0[class];
                let keep = blocks.len() < KEEP;
                if keep {
                    blocks.push(block);
                }
                keep
            })
            .unwrap_or(false);
        if !kept {
            // SAFETY: blocks of a class are allocated with `class_layout(class)`.
            unsafe { dealloc(block.as_ptr(), class_layout(class)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Waker;

    /// A future of `N` bytes of state (with alignment `A`'s), pending once, that counts its
    /// polls and its drops.
    struct Probe<const N: usize, A> {
        state: [u8; N],
        _align: [A; 0],
        pending: bool,
        polls: Arc<AtomicUsize>,
        drops: Arc<AtomicUsize>,
    }

    impl<const N: usize, A> Future for Probe<N, A> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            // SAFETY (test): no field is structurally pinned.
            let this = unsafe { self.get_unchecked_mut() };
            this.state.iter_mut().for_each(|b| *b = b.wrapping_add(1));
            this.polls.fetch_add(1, Ordering::SeqCst);
            if std::mem::take(&mut this.pending) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            assert!(this.state.iter().all(|&b| b == 2), "state was not kept");
            Poll::Ready(())
        }
    }

    impl<const N: usize, A> Drop for Probe<N, A> {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[repr(align(64))]
    struct Align64;

    /// Runs a `Probe` of each shape to completion, drops one mid-way and one unpolled.
    fn exercise<const N: usize, A: Send + 'static>() {
        let polls = Arc::new(AtomicUsize::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let probe = || Probe::<N, A> {
            state: [0; N],
            _align: [],
            pending: true,
            polls: polls.clone(),
            drops: drops.clone(),
        };
        let mut cx = Context::from_waker(Waker::noop());
        let mut done = HandlerFuture::new(probe());
        assert!(Pin::new(&mut done).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut done).poll(&mut cx).is_ready());
        drop(done);
        let mut halfway = HandlerFuture::new(probe());
        assert!(Pin::new(&mut halfway).poll(&mut cx).is_pending());
        drop(halfway);
        drop(HandlerFuture::new(probe()));
        assert_eq!(polls.load(Ordering::SeqCst), 3, "{N} bytes: polls");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            3,
            "{N} bytes: each dropped once"
        );
    }

    #[test]
    fn futures_of_every_size_run_and_drop_once() {
        exercise::<0, u8>(); // zero-sized state (the counters make the future non-empty)
        exercise::<1, u8>();
        exercise::<63, u8>();
        exercise::<64, u8>();
        exercise::<65, u64>();
        exercise::<1000, u8>(); // the largest cached class
        exercise::<5000, u8>(); // beyond the classes: the allocator directly
        exercise::<100, Align64>(); // over-aligned: the allocator directly
        let zero_sized = async {};
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut HandlerFuture::new(zero_sized))
            .poll(&mut cx)
            .is_ready());
    }

    #[test]
    fn blocks_are_recycled_on_the_thread() {
        let probe = |_: ()| Probe::<200, u8> {
            state: [0; 200],
            _align: [],
            pending: true,
            polls: Arc::new(AtomicUsize::new(0)),
            drops: Arc::new(AtomicUsize::new(0)),
        };
        let address = |f: &HandlerFuture<'_>| f.future.cast::<u8>().as_ptr() as usize;
        let first = HandlerFuture::new(probe(()));
        let at = address(&first);
        drop(first);
        let second = HandlerFuture::new(probe(()));
        assert_eq!(address(&second), at, "the block is taken back");
    }

    #[test]
    fn a_future_may_end_on_another_thread() {
        let drops = Arc::new(AtomicUsize::new(0));
        let futures: Vec<HandlerFuture<'static>> = (0..100)
            .map(|_| {
                let probe = Probe::<300, u8> {
                    state: [0; 300],
                    _align: [],
                    pending: true,
                    polls: Arc::new(AtomicUsize::new(0)),
                    drops: drops.clone(),
                };
                HandlerFuture::new(probe)
            })
            .collect();
        std::thread::spawn(move || drop(futures))
            .join()
            .expect("thread");
        assert_eq!(drops.load(Ordering::SeqCst), 100);
        // The other thread's cache gave its blocks back when it ended; this one still works.
        exercise::<300, u8>();
    }
}
