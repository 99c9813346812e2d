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

use std::io::{self, IoSlice, Write};
use std::net::TcpStream;
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
    state: Mutex<IoState>,
}

/// Readiness and waiters of one socket.
#[derive(Debug)]
pub(crate) struct IoState {
    /// Epoll reported input (or the last read filled its buffer) and no read has seen
    /// `EAGAIN` since.
    pub(crate) readable: bool,
    /// Like `readable`, for output.
    pub(crate) writable: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
    /// What the socket is registered for; `None` when it is not in the epoll set.
    interest: Option<EventFlags>,
    /// The earliest wake-up armed on the loop's timers for this socket.
    timer_armed: Option<Instant>,
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
            state: Mutex::new(IoState {
                readable: true,
                writable: true,
                read_waker: None,
                write_waker: None,
                interest: Some(READ),
                timer_armed: None,
            }),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, IoState> {
        // The state has no invariant a panic could break halfway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called by the loop with what epoll reported.
    pub(crate) fn on_event(&self, flags: EventFlags) {
        let mut state = self.lock();
        let mut interest = state.interest.unwrap_or(EventFlags::empty());
        let failed = flags.intersects(EventFlags::HUP | EventFlags::ERR);
        if failed || flags.intersects(READ) {
            state.readable = true;
            match state.read_waker.take() {
                Some(waker) => waker.wake(),
                None => interest.remove(READ),
            }
        }
        if failed || flags.intersects(WRITE) {
            state.writable = true;
            match state.write_waker.take() {
                Some(waker) => waker.wake(),
                None => interest.remove(WRITE),
            }
        }
        if Some(interest) != state.interest {
            self.set_interest(&mut state, interest);
        }
    }

    /// Called by the loop when a timer armed for this socket fires: waiters re-check their
    /// deadlines.
    pub(crate) fn on_timer(&self) {
        let mut state = self.lock();
        state.timer_armed = None;
        if let Some(waker) = state.read_waker.take() {
            waker.wake();
        }
        if let Some(waker) = state.write_waker.take() {
            waker.wake();
        }
    }

    /// Records that `waker` waits for `direction` (until `deadline`), listening for it.
    pub(crate) fn wait(
        &self,
        state: &mut IoState,
        direction: Direction,
        waker: &Waker,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        let (slot, flags) = match direction {
            Direction::Read => (&mut state.read_waker, READ),
            Direction::Write => (&mut state.write_waker, WRITE),
        };
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
        let interest = state.interest.unwrap_or(EventFlags::empty());
        if !interest.contains(flags) {
            self.set_interest(state, interest | flags);
        }
        if let Some(at) = deadline {
            // Timers only move earlier: a later deadline is noticed when the earlier timer
            // fires, so a moving deadline costs one timer per timeout period.
            if state.timer_armed.is_none_or(|armed| armed > at) {
                state.timer_armed = Some(at);
                self.shared.arm_timer(at, self.token);
            }
        }
        Ok(())
    }

    /// Changes the epoll registration; an empty interest leaves the set entirely, since
    /// epoll reports hang-ups and errors whatever the interest, level-triggered, forever.
    fn set_interest(&self, state: &mut IoState, interest: EventFlags) {
        let poller = &self.shared.poller;
        let result = match (state.interest.is_some(), interest.is_empty()) {
            (true, true) => poller.delete(&self.stream),
            (true, false) => poller.modify(&self.stream, self.token, interest),
            (false, false) => poller.add(&self.stream, self.token, interest),
            (false, true) => Ok(()),
        };
        match result {
            Ok(()) => state.interest = (!interest.is_empty()).then_some(interest),
            // The socket is unusable; its next read or write reports why.
            Err(err) => tracing::debug!(error = %err, "epoll_ctl failed"),
        }
    }

    /// Leaves the epoll set (before the socket closes).
    pub(crate) fn deregister(&self) {
        let mut state = self.lock();
        if state.interest.is_some() {
            let _ = self.shared.poller.delete(&self.stream);
            state.interest = None;
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
