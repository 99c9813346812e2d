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
///
/// Each class is a free list threaded through the free blocks themselves (a block's first
/// word points to the next), in `Cell`s of a constant-initialised thread-local without a
/// destructor: taking or giving a block is a few loads and stores, with no lazy
/// initialisation check, no `RefCell` flag and no `Vec` bounds or capacity checks. A second
/// thread-local, `RELEASE`, has the destructor that gives the cached blocks back when the
/// thread ends; it is registered the first time the thread caches a block.
mod blocks {
    use super::*;
    use std::cell::Cell;

    /// Size classes step by this many bytes …
    const STEP: usize = 64;
    /// … up to `STEP * CLASSES` (1 KiB); larger futures use the allocator directly.
    const CLASSES: usize = 16;
    /// Blocks kept per class and thread: more than a chain's depth, few enough to be small.
    const KEEP: usize = 32;
    /// The alignment of cached blocks; a future that needs more is allocated directly.
    const ALIGN: usize = 16;

    /// Whether this thread's cache may keep blocks.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        /// `RELEASE` is not registered yet: it must be before a block is kept.
        Unarmed,
        /// Blocks may be kept; `RELEASE` gives them back when the thread ends.
        Armed,
        /// The thread is ending and `RELEASE` has run: blocks go straight back to the
        /// allocator.
        Released,
    }

    /// The free blocks of one size class.
    struct Class {
        head: Cell<Option<NonNull<u8>>>,
        len: Cell<usize>,
    }

    struct Cache {
        classes: [Class; CLASSES],
        state: Cell<State>,
    }

    thread_local! {
        // No destructor (see `RELEASE`), so reaching it is a plain thread-local address.
        static CACHE: Cache = const {
            Cache {
                classes: [const { Class { head: Cell::new(None), len: Cell::new(0) } }; CLASSES],
                state: Cell::new(State::Unarmed),
            }
        };
        static RELEASE: Release = const { Release };
    }

    /// Gives the thread's cached blocks back to the allocator when the thread ends.
    struct Release;

    impl Drop for Release {
        fn drop(&mut self) {
            // `CACHE` has no destructor, so it is still there while thread-locals are torn down.
            CACHE.with(|cache| {
                cache.state.set(State::Released);
                for (class, free) in cache.classes.iter().enumerate() {
                    while let Some(block) = free.pop() {
                        // SAFETY: cached blocks were allocated with their class's layout and
                        // are unused.
                        unsafe { dealloc(block.as_ptr(), class_layout(class)) };
                    }
                }
            });
        }
    }

    impl Class {
        fn pop(&self) -> Option<NonNull<u8>> {
            let block = self.head.get()?;
            // SAFETY: a cached block is unused memory of at least `STEP` bytes, aligned to
            // `ALIGN`, whose first word `push` set to the next cached block.
            let next = unsafe { block.cast::<Option<NonNull<u8>>>().read() };
            self.head.set(next);
            self.len.set(self.len.get() - 1);
            Some(block)
        }

        /// Keeps `block` unless the class is full; returns whether it did.
        ///
        /// # Safety
        /// `block` is an unused block of this class.
        unsafe fn push(&self, block: NonNull<u8>) -> bool {
            let len = self.len.get();
            if len >= KEEP {
                return false;
            }
            // SAFETY: the caller passes an unused block of at least `STEP` bytes, aligned to
            // `ALIGN`: room for the link.
            unsafe { block.cast::<Option<NonNull<u8>>>().write(self.head.get()) };
            self.head.set(Some(block));
            self.len.set(len + 1);
            true
        }
    }

    impl Cache {
        /// Whether blocks may be kept, registering `RELEASE` on the thread's first block.
        fn armed(&self) -> bool {
            match self.state.get() {
                State::Armed => true,
                State::Released => false,
                State::Unarmed => self.arm(),
            }
        }

        #[cold]
        fn arm(&self) -> bool {
            // Reaching `RELEASE` registers its destructor; it fails only while the thread ends.
            let armed = RELEASE.try_with(|_| ()).is_ok();
            self.state
                .set(if armed { State::Armed } else { State::Released });
            armed
        }
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
                if let Some(block) = CACHE.with(|cache| cache.classes[class].pop()) {
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
        // SAFETY: `take(layout)` returned `block`: a block of `class`, unused from here on.
        let kept = CACHE.with(|cache| cache.armed() && unsafe { cache.classes[class].push(block) });
        if !kept {
            // SAFETY: blocks of a class are allocated with `class_layout(class)`.
            unsafe { dealloc(block.as_ptr(), class_layout(class)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
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

    #[test]
    fn a_future_dropped_while_its_thread_ends_is_freed() {
        // A future held by a thread-local that is torn down after the block cache gave its
        // blocks back (thread-local destructors run in reverse order of registration): its
        // block goes straight to the allocator (valgrind reports it otherwise).
        thread_local! {
            static HELD: RefCell<Option<HandlerFuture<'static>>> = const { RefCell::new(None) };
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let probe = {
            let drops = drops.clone();
            move || Probe::<100, u8> {
                state: [0; 100],
                _align: [],
                pending: true,
                polls: Arc::new(AtomicUsize::new(0)),
                drops: drops.clone(),
            }
        };
        std::thread::spawn(move || {
            // Registered first, so torn down last.
            HELD.with(|held| held.borrow_mut().replace(HandlerFuture::new(probe())));
            // Caching a block registers the cache's destructor after `HELD`'s.
            drop(HandlerFuture::new(probe()));
        })
        .join()
        .expect("thread");
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }
}
