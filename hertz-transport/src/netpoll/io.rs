//! Readiness of one socket, shared by its connection and its loop.
//!
//! The loop records what epoll reported and wakes whoever waits for it; the connection
//! reads and writes only when the socket is known to be ready, so a keep-alive request costs
//! one `recv` and one `send` with no `EAGAIN` probes.
//!
//! Interest is level-triggered, as in Netpoll, and follows demand: a direction is listened to
//! while someone waits on it. When epoll reports input nobody is reading, input interest is
//! dropped until the connection reads again — unread data then stays in the kernel and TCP
//! flow control slows the sender (back-pressure), instead of epoll reporting it on every
//! wait.
//!
//! **Locking.** The readiness flags are atomics, so reading and writing — the per-request
//! path — take no lock; only waiting (storing a waker, changing interest, arming a timer)
//! and the loop's dispatch (waking) do. The flags are hints that save syscalls, never the
//! truth: the kernel is. A flag that goes stale in a race (the loop sets it while the
//! connection, on another thread, clears it after a short read) costs at most one epoll
//! round trip, because waiting always (re-)registers interest and level-triggered epoll
//! reports a ready socket again on the next wait.
//!
//! **Wakers.** A waker stays stored after it is woken, with a `waiting` mark cleared, so a
//! task that waits again with the same waker — every keep-alive request — neither clones
//! nor drops one.

use std::io::{self, IoSlice, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::Instant;

use rustix::event::epoll::EventFlags;
use rustix::net::{send, sendmsg, SendAncillaryBuffer, SendFlags};

use super::local::LoopRef;

const READ: EventFlags = EventFlags::IN.union(EventFlags::RDHUP);
const WRITE: EventFlags = EventFlags::OUT;

/// A socket and what is known about its readiness.
#[derive(Debug)]
pub(crate) struct IoShared {
    pub(crate) stream: TcpStream,
    pub(crate) shared: LoopRef,
    pub(crate) token: u64,
    /// Epoll reported input (or the last read filled its buffer) and no read has seen
    /// `EAGAIN` or come back short since. Relaxed: it guards no memory, only whether a
    /// syscall is worth trying (see the module docs).
    readable: AtomicBool,
    /// Like `readable`, for output.
    writable: AtomicBool,
    waiters: Mutex<Waiters>,
}

/// Who waits on one socket, and what the loop listens for on its behalf.
#[derive(Debug)]
struct Waiters {
    read: Waiter,
    write: Waiter,
    /// What the socket is registered for; `None` when it is not in the epoll set.
    interest: Option<EventFlags>,
    /// The earliest wake-up armed on the loop's timers for this socket.
    timer_armed: Option<Instant>,
}

/// The task waiting on one direction.
#[derive(Debug, Default)]
struct Waiter {
    /// The last waker that waited; kept once woken (see the module docs).
    waker: Option<Waker>,
    /// Whether `waker` waits now.
    waiting: bool,
}

impl Waiter {
    #[inline(never)]
    fn replace(&mut self, waker: &Waker) {
        self.waker = Some(waker.clone());
    }

    /// Wakes the waiting task, if any; `false` when nobody waits.
    fn wake(&mut self) -> bool {
        if !self.waiting {
            return false;
        }
        self.waiting = false;
        if let Some(waker) = &self.waker {
            waker.wake_by_ref();
        }
        true
    }
}

/// Which direction a connection waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl IoShared {
    /// Registers `stream` for input on its loop.
    pub(crate) fn register(stream: TcpStream, shared: LoopRef, token: u64) -> io::Result<Self> {
        shared.poller.add(&stream, token, READ)?;
        Ok(IoShared {
            stream,
            shared,
            token,
            readable: AtomicBool::new(true),
            writable: AtomicBool::new(true),
            waiters: Mutex::new(Waiters {
                read: Waiter::default(),
                write: Waiter::default(),
                interest: Some(READ),
                timer_armed: None,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Waiters> {
        // The state has no invariant a panic could break halfway.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn flag(&self, direction: Direction) -> &AtomicBool {
        match direction {
            Direction::Read => &self.readable,
            Direction::Write => &self.writable,
        }
    }

    /// Whether the socket is believed ready for `direction`.
    #[inline]
    pub(crate) fn is_ready(&self, direction: Direction) -> bool {
        self.flag(direction).load(Ordering::Relaxed)
    }

    /// Records that `direction` would block: the next attempt waits for epoll first.
    #[inline]
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.flag(direction).store(false, Ordering::Relaxed);
    }

    /// Called by the loop with what epoll reported.
    pub(crate) fn on_event(&self, flags: EventFlags) {
        let failed = flags.intersects(EventFlags::HUP | EventFlags::ERR);
        let read = failed || flags.intersects(READ);
        let write = failed || flags.intersects(WRITE);
        // Set before waking, so the woken task finds the socket ready.
        if read {
            self.readable.store(true, Ordering::Relaxed);
        }
        if write {
            self.writable.store(true, Ordering::Relaxed);
        }
        let mut waiters = self.lock();
        let mut unwanted = EventFlags::empty();
        if read && !waiters.read.wake() {
            unwanted |= READ;
        }
        if write && !waiters.write.wake() {
            unwanted |= WRITE;
        }
        // Usually someone waited for what was reported: the interest stays as it is.
        if !unwanted.is_empty() {
            self.stop_listening(&mut waiters, unwanted);
        }
    }

    /// Drops `unwanted` from the interest (nobody waits for it).
    #[inline(never)]
    fn stop_listening(&self, waiters: &mut Waiters, unwanted: EventFlags) {
        let interest = waiters.interest.unwrap_or(EventFlags::empty());
        if interest.intersects(unwanted) {
            self.set_interest(waiters, interest - unwanted);
        }
    }

    /// Called by the loop when a timer armed for this socket fires: waiters re-check their
    /// deadlines.
    pub(crate) fn on_timer(&self) {
        let mut waiters = self.lock();
        waiters.timer_armed = None;
        waiters.read.wake();
        waiters.write.wake();
    }

    /// Records that `waker` waits for `direction` (until `deadline`), listening for it.
    ///
    /// Always inline (into the two or three `poll_*` that wait; a plain hint was not taken),
    /// with the rare steps (a new waker, new interest, a new timer) out of line: a keep-alive
    /// request's wait finds them all in place.
    #[inline(always)]
    pub(crate) fn wait(&self, direction: Direction, waker: &Waker, deadline: Option<Instant>) {
        let mut waiters = self.lock();
        let waiters = &mut *waiters;
        let (waiter, flags) = match direction {
            Direction::Read => (&mut waiters.read, READ),
            Direction::Write => (&mut waiters.write, WRITE),
        };
        waiter.waiting = true;
        if !waiter.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            waiter.replace(waker);
        }
        let interest = waiters.interest.unwrap_or(EventFlags::empty());
        if !interest.contains(flags) {
            self.set_interest(waiters, interest | flags);
        }
        if let Some(at) = deadline {
            // Timers only move earlier: a later deadline is noticed when the earlier timer
            // fires, so a moving deadline costs one timer per timeout period.
            if waiters.timer_armed.is_none_or(|armed| armed > at) {
                self.arm_timer(waiters, at);
            }
        }
    }

    #[inline(never)]
    fn arm_timer(&self, waiters: &mut Waiters, at: Instant) {
        waiters.timer_armed = Some(at);
        self.shared.arm_timer(at, self.token);
    }

    /// Changes the epoll registration; an empty interest leaves the set entirely, since
    /// epoll reports hang-ups and errors whatever the interest, level-triggered, forever.
    #[inline(never)]
    fn set_interest(&self, waiters: &mut Waiters, interest: EventFlags) {
        let poller = &self.shared.poller;
        let result = match (waiters.interest.is_some(), interest.is_empty()) {
            (true, true) => poller.delete(&self.stream),
            (true, false) => poller.modify(&self.stream, self.token, interest),
            (false, false) => poller.add(&self.stream, self.token, interest),
            (false, true) => Ok(()),
        };
        match result {
            Ok(()) => waiters.interest = (!interest.is_empty()).then_some(interest),
            // The socket is unusable; its next read or write reports why.
            Err(err) => tracing::debug!(error = %err, "epoll_ctl failed"),
        }
    }

    /// Leaves the epoll set (before the socket closes).
    pub(crate) fn deregister(&self) {
        let mut waiters = self.lock();
        if waiters.interest.is_some() {
            let _ = self.shared.poller.delete(&self.stream);
            waiters.interest = None;
        }
    }
}

/// Writes to a socket with `send`/`sendmsg` (no `SIGPIPE`), which go straight to the socket
/// layer: `write`/`writev` on a socket first pass through the VFS (file position lock,
/// permission hooks), a measurable part of a small response's cost.
#[derive(Debug)]
pub(crate) struct SocketWriter<'a>(pub(crate) &'a TcpStream);

impl Write for SocketWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(send(self.0, buf, SendFlags::NOSIGNAL)?)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match bufs {
            [one] => self.write(one),
            _ => Ok(sendmsg(
                self.0,
                bufs,
                &mut SendAncillaryBuffer::default(),
                SendFlags::NOSIGNAL,
            )?),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    use super::super::local::LoopShared;
    use super::super::poller::Poller;
    use super::*;

    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_waiter_is_woken_once_per_wait_and_its_waker_kept() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let _client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        let shared = Arc::new(LoopShared::new(0, Poller::new().expect("poller")));
        let io = IoShared::register(server, shared, 1).expect("register");
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let woken = || wakes.0.load(Ordering::SeqCst);

        io.clear_ready(Direction::Read);
        io.wait(Direction::Read, &waker, None);
        io.on_event(EventFlags::IN);
        assert!(
            io.is_ready(Direction::Read),
            "the report marks the socket ready"
        );
        assert_eq!(woken(), 1);

        // Nobody waits any more: another report wakes no one and drops input interest.
        io.on_event(EventFlags::IN);
        assert_eq!(woken(), 1);
        assert_eq!(io.lock().interest, None, "back-pressure: not listening");

        // Waiting again with the same waker listens again and keeps the stored clone.
        io.wait(Direction::Read, &waker, None);
        assert_eq!(io.lock().interest, Some(READ));
        assert_eq!(
            Arc::strong_count(&wakes),
            3,
            "one stored clone, not a new one"
        );
        io.on_timer();
        assert_eq!(woken(), 2, "a timer wakes who waits");
        io.on_timer();
        assert_eq!(woken(), 2, "and only once");
    }
}
